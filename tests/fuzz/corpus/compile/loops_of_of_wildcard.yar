rule r1 { strings: $s1 = "aa" $s2 = "bb" $t1 = "cc" condition: all of ($s*) and #t1 >= 0 }
rule r2 { strings: $s1 = "aa" $s2 = "bb" $t1 = "cc" condition: any of ($t*) or $s1 or $s2 }
rule r3 { strings: $s1 = "aa" $s2 = "bb" $t1 = "cc" condition: all of ($s*, $t1) }
rule r4 { strings: $s1 = "aa" $s2 = "bb" $t1 = "cc" condition: all of ($*) }
