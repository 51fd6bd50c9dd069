rule a { strings: $x = "xx" condition: $x }
rule b { strings: $x = "xx" condition: $x }
