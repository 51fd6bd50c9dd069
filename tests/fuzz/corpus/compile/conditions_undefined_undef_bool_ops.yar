rule and_true { condition: uint32(100) == 0 and true }
rule and_false { condition: uint32(100) == 0 and false }
rule or_true { condition: uint32(100) == 0 or true }
rule or_false { condition: uint32(100) == 0 or false }
rule not_undef { condition: not (uint32(100) == 0) }
rule not_not_undef { condition: not not (uint32(100) == 0) }
rule true_or { condition: true or uint32(100) == 0 }
