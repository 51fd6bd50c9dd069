rule a { strings: $x = "xx" condition: $x }
rule b { condition: a }
rule c { condition: not a }
