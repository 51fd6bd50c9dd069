// Helpers shared by the exporter tests: parse a YARA snippet into a RuleModel.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "export/export.h"
#include "parse/parser.h"

namespace yarrow::exporter::testing {

inline RuleModel model_of(const std::string& source, size_t index = 0) {
  ast::Unit unit;
  Diagnostics diags;
  bool ok = parse::parse_source(source, "test.yar", parse::ParseOptions{}, unit, diags);
  EXPECT_TRUE(ok) << (diags.empty() ? "" : diags[0].to_string());
  if (!ok || unit.rules.size() <= index) return {};
  return translate_rule(unit, unit.rules[index]);
}

inline bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

}  // namespace yarrow::exporter::testing
