rule r { strings: $a = "one" $b = "two" $c = { 00 FF } condition: any of them }
