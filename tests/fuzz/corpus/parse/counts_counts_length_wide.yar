rule r1 { strings: $a = "ab" wide condition: !a == 4 }
