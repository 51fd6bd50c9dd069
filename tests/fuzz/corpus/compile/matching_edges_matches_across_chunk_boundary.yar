rule r { strings: $a = "boundary-string" condition: $a }
