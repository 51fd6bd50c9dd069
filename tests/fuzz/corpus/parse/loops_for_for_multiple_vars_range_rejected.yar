rule r { condition: for any i, j in (0..1) : ( true ) }
