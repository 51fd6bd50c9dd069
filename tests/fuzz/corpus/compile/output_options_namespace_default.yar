rule r { condition: true }
