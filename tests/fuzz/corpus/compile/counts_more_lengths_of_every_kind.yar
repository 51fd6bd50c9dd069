rule wide_len { strings: $a = "abc" wide condition: !a == 6 }
rule xor_len { strings: $a = "abc" xor condition: !a == 3 }
rule b64_len { strings: $a = "abcdef" base64 condition: !a[1] > 0 }
rule hex_alt_len { strings: $a = { 01 ( 02 | 03 04 ) } condition: !a[1] == 2 and !a[2] == 3 }
rule re_len { strings: $a = /x[0-9]+/ condition: !a[1] == 4 }
