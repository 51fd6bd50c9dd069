rule r { strings: $a = /\bab\b/ condition: $a }
