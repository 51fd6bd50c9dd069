rule r { strings: $a = "cc" $b = "dd" condition: ($a at 6) or $b }
