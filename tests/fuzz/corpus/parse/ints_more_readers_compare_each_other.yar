rule r1 { condition: uint16(0) == uint16be(0) }
rule r2 { condition: uint32(2) == uint32be(2) }
rule r3 { condition: int8(1) < 0 }
