rule r { strings: $1 = "ab" $2 = "cd" condition: $1 and $2 }
