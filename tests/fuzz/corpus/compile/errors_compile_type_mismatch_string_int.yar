rule r { condition: "a" < 1 }
