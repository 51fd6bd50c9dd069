rule r { strings: $a = "a" condition: $a }
