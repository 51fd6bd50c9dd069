rule r { condition: "a" + 1 == 2 }
