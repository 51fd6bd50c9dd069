rule r1 { condition: uint16(0) + uint16(2) == 0x0403 + 0x0201 }
rule r2 { condition: uint8(0) << 8 | uint8(1) == 0x0102 }
rule r3 { condition: uint32(0) & 0xff00 == 0x0200 }
