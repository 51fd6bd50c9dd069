rule r { strings: $a = "Hello World" nocase condition: #a == 3 }
