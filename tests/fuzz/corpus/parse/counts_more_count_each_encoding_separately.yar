rule ascii_only { strings: $a = "tok" condition: #a == 2 }
rule wide_only { strings: $a = "tok" wide condition: #a == 1 }
rule both { strings: $a = "tok" ascii wide condition: #a == 3 }
rule nocase_all { strings: $a = "tok" nocase condition: #a == 3 }
