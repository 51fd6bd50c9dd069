rule r { strings: $a = "len7str" $b = "x" condition: any of them }
