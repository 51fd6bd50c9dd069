rule eq { condition: n == 42 }
rule gt { condition: n > 40 }
rule arith { condition: n * 2 == 84 }
