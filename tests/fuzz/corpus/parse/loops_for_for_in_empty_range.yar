rule all_empty { condition: for all i in (5..1) : ( false ) }
rule any_empty { condition: for any i in (5..1) : ( true ) }
rule none_empty { condition: for none i in (5..1) : ( true ) }
