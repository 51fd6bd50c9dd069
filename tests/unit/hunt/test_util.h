// Helpers shared by the hunt tests.
#pragma once

#include <string>
#include <vector>

#include "hunt/reader.h"

namespace yarrow::hunt::test {

inline std::vector<RawRecord> read_all(const std::string& text, LogFormat format) {
  auto reader = make_reader(memory_input(text), format);
  std::vector<RawRecord> out;
  RawRecord r;
  while (reader->next(r)) out.push_back(r);
  return out;
}

inline std::string field(const RawRecord& r, const std::string& name) {
  for (const auto& [k, v] : r.fields)
    if (k == name) return v;
  return "<absent>";
}

}  // namespace yarrow::hunt::test
