rule r { strings: $a = "\x41\x4a\x4A" condition: $a }
