rule r { strings: $a = /[a-c]x/ wide nocase condition: $a }
