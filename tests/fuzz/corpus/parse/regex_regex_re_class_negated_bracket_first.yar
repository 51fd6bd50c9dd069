rule r { strings: $a = /<[^]>]+>/ condition: $a }
