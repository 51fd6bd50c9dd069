rule u8 { condition: uint8(0) == 0x01 }
rule u16 { condition: uint16(0) == 0x0201 }
rule u32 { condition: uint32(0) == 0x04030201 }
rule u8_mid { condition: uint8(3) == 0x04 }
