rule r { condition: true
