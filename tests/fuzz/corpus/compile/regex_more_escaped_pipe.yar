rule r { strings: $a = /a\|b/ condition: $a }
