rule r { strings: $a = /(ab){2,3}/ condition: $a }
