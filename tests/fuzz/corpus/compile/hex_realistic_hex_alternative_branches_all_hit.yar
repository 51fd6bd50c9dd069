rule r { strings: $a = { 68 ( 00 10 | 00 20 | 00 30 ) 40 00 } condition: #a == 3 }
