// Developer tool: parses a rule file and prints "ok" or the diagnostics, so the parser's
// accept/reject decisions can be compared with yara's in bulk (see parity_check.sh).
#include <cstdio>

#include "parse/parser.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: parse_dump FILE\n");
    return 2;
  }
  yarrow::ast::Unit unit;
  yarrow::Diagnostics diags;
  const bool ok = yarrow::parse::parse_file(argv[1], {}, unit, diags);
  for (const auto& d : diags) std::printf("%s\n", d.to_string().c_str());
  if (ok) std::printf("ok: %zu rules, %zu exprs\n", unit.rules.size(), unit.exprs.size());
  return ok ? 0 : 1;
}
