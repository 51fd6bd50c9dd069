rule r { strings: $a = "edge" fullword condition: #a == 2 }
