rule r { strings: $a = "abc" base64("ABC") condition: $a }
