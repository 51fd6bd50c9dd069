rule eq { condition: filesize == 1000 }
rule lt { condition: filesize < 1KB }
rule gt { condition: filesize > 999 }
