rule r { strings: $a = "a\xZZ" condition: $a }
