rule t_and { condition: true and true }
rule f_and { condition: true and false }
rule t_or { condition: false or true }
rule f_or { condition: false or false }
rule t_not { condition: not false }
rule f_not { condition: not true }
