rule r1 { strings: $a = "aa" $b = "bb" condition: for all of them : ( $ ) }
rule r2 { strings: $a = "aa" $b = "bb" condition: for any of them : ( # > 1 ) }
rule r3 { strings: $a = "aa" $b = "bb" condition: for all of them : ( @ < 10 ) }
rule r4 { strings: $a = "aa" $b = "bb" condition: for all of ($a, $b) : ( ! == 2 ) }
