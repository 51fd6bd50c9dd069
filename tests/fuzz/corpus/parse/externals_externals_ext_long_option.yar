rule r { condition: x == 5 }
