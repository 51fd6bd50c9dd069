rule r { strings: $a = "This program cannot" base64 condition: $a }
