rule r { strings: $a = { 4D 5A 90 00 } condition: $a at 0 }
