#include "parse/ast.h"

#include <algorithm>

namespace yarrow::ast {

std::pair<uint32_t, uint32_t> SourceFile::line_col(uint32_t offset) const {
  if (line_starts.empty()) return {1, offset + 1};
  auto it = std::upper_bound(line_starts.begin(), line_starts.end(), offset);
  const uint32_t line = static_cast<uint32_t>(it - line_starts.begin());  // 1-based
  return {line, offset - line_starts[line - 1] + 1};
}

}  // namespace yarrow::ast
