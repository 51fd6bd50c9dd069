rule c0 { strings: $a = "zz" condition: #a == 0 }
rule c3 { strings: $a = "ab" condition: #a == 3 }
rule cgt { strings: $a = "ab" condition: #a > 2 }
