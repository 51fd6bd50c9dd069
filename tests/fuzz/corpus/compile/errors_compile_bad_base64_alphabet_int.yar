rule r { strings: $a = "abc" base64(1) condition: $a }
