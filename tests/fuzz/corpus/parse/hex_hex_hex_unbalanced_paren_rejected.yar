rule r { strings: $a = { 41 ( 42 | 43 } condition: $a }
