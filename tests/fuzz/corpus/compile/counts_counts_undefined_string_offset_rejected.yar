rule r { strings: $a = "ab" condition: @b == 0 and $a }
