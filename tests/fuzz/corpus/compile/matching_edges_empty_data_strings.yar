rule r { strings: $a = "a" condition: not $a }
rule s { strings: $a = { 00 } condition: #a == 0 }
rule t { strings: $a = /x*y/ condition: not $a }
