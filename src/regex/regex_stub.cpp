// placeholder until the regex engine lands
