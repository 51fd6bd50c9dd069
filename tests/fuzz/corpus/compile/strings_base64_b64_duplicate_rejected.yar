rule r { strings: $a = "abcd" base64 base64 condition: $a }
