rule a : t1 t2 { meta: s = "x" i = 1 b = true strings: $x = "xx" $y = { 79 79 } condition: any of them }
rule b { meta: only = "meta" condition: true }
rule c : t3 { condition: true }
