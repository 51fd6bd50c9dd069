rule rule_true { condition: true }
rule conditional { condition: rule_true }
rule strings_x { condition: conditional }
