rule r { strings: $a = "x" xor(256) condition: $a }
