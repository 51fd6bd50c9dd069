rule a1 { condition: true }
rule a2 { condition: false }
rule b { condition: true }
rule r { condition: all of (a1, b) and any of (a*) }
