rule r { strings: $a = "\X41" condition: $a }
