rule any1 { strings: $a = "aa" $b = "bb" $c = "cc" condition: any of them }
rule all1 { strings: $a = "aa" $b = "bb" $c = "cc" condition: all of them }
rule none1 { strings: $a = "aa" $b = "bb" $c = "cc" condition: none of them }
rule none2 { strings: $a = "xx" $b = "yy" condition: none of them }
