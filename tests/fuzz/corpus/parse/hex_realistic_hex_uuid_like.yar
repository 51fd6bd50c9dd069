rule r { strings: $a = { 3? 3? 3? 3? 2D 3? 3? 2D } condition: $a }
