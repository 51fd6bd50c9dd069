rule condition { condition: true }
