global private rule g { condition: filesize > 2 }
rule r { condition: true }
