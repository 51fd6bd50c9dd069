rule r { strings: $a = { E8 00 00 00 00 5? } condition: $a }
