rule r { strings: $a = "needle" condition: $a }
