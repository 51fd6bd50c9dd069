rule u32max { condition: uint32(0) == 4294967295 }
rule i32min { condition: int32(4) == -2147483648 }
rule i32max { condition: int32be(8) == 2147483647 }
