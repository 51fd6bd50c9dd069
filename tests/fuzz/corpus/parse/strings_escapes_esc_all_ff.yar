rule r { strings: $a = "\xff\xff" condition: #a == 3 }
