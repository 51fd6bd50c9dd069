rule r1 { strings: $a = "ab" condition: $a in (uint32(100)..10) }
rule r2 { strings: $a = "ab" condition: not ($a in (0..uint32(100))) }
rule r3 { strings: $a = "ab" condition: #a in (0..uint32(100)) == 0 }
