rule a { condition: true } rule b { condition: false } rule c { condition: a and not b }
