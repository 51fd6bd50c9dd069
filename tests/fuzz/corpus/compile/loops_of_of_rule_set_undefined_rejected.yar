rule r { condition: any of (nosuch) }
