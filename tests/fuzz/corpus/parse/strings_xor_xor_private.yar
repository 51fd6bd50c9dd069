rule r { strings: $a = "pv" xor private $b = "x" condition: $a and $b }
