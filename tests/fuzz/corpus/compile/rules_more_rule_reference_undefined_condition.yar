rule u { condition: uint8(100) == 1 }
rule ref_or { condition: u or true }
rule ref_and { condition: u and true }
