rule r { strings: $a = "x" fullword condition: $a }
