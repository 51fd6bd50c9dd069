global rule g { strings: $g = "gate" condition: $g }
rule r { strings: $x = "x" condition: $x }
