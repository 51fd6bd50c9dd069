rule r { strings: $a = "x" wide wide condition: $a }
