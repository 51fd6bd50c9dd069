rule r { strings: $a = "secret" xor condition: #a == 4 }
