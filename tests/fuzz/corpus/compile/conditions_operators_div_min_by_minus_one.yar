rule r1 { condition: (-0x7fffffffffffffff - 1) \ (filesize - 4) < 0 }
rule r2 { condition: defined ((-0x7fffffffffffffff - 1) \ (filesize - 4)) }
rule r3 { condition: (-0x7fffffffffffffff - 1) % (filesize - 4) == 0 }
