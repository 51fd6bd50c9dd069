rule r { strings: $a = "dup" $b = "dup" condition: $a and $b }
