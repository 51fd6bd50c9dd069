rule r { strings: $a = "ab" condition: not defined !a[5] and defined !a[1] }
