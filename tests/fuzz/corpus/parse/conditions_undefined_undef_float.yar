rule f1 { condition: uint32(100) * 1.5 > 0 }
rule f2 { condition: not (uint32(100) \ 2.0 > 0) }
rule f3 { condition: defined (uint32(100) * 1.5) }
