// `yara -D` text of a module tree.
//
// yara stores declared structure members newest-first, so declared structures print in reverse
// declaration order. Array and dictionary elements are copies of a prototype and every copy
// reverses member order once more; an element nested in k containers has been copied k times
// (its prototype was itself copied with the enclosing element), so members print in
// declaration order when k is odd and reversed when k is even.
#include <cctype>
#include <cinttypes>
#include <cstdio>

#include "modules/module.h"

namespace yarrow::modules {
namespace {

class Dumper {
 public:
  explicit Dumper(const ValueTree& tree) : tree_(tree) {}

  void print(uint32_t node, int indent, bool identifier, int copies) {
    const ValueNode& n = tree_.node(node);
    const Schema& schema = tree_.schema();
    if (indent > 31) indent = 31;
    std::string tabs(static_cast<size_t>(indent), '\t');
    if (identifier) out_ += tabs + schema.field(n.field).name;
    switch (n.type) {
      case Type::kInteger:
        if (n.defined) {
          char buf[32];
          std::snprintf(buf, sizeof buf, " = %" PRId64, n.integer);
          out_ += buf;
        } else {
          out_ += " = YR_UNDEFINED";
        }
        break;
      case Type::kFloat:
        if (n.defined) {
          char buf[512];
          std::snprintf(buf, sizeof buf, " = %f", n.floating);
          out_ += buf;
        } else {
          out_ += " = YR_UNDEFINED";
        }
        break;
      case Type::kString:
        if (n.defined) {
          out_ += " = \"";
          std::string_view text = *tree_.string(node);
          for (char c : text) {
            if (std::isprint(static_cast<unsigned char>(c))) {
              out_ += c;
            } else {
              char buf[8];
              std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
              out_ += buf;
            }
          }
          out_ += '"';
        } else {
          out_ += " = YR_UNDEFINED";
        }
        break;
      case Type::kStructure: {
        for (uint32_t k = 0; k < n.count; ++k) {
          uint32_t pos = copies % 2 == 1 ? k : n.count - 1 - k;
          uint32_t c = tree_.child(node, pos);
          if (c == kNoIndex || tree_.node(c).type == Type::kFunction) continue;
          out_ += '\n';
          print(c, indent + 1, true, copies);
        }
        break;
      }
      case Type::kArray:
        for (uint32_t i = 0; i < n.count; ++i) {
          uint32_t c = tree_.child(node, i);
          if (c == kNoIndex) continue;
          out_ += "\n" + tabs + "\t[" + std::to_string(i) + "]";
          print(c, indent + 1, false, copies + 1);
        }
        break;
      case Type::kDictionary:
        for (uint32_t i = 0; i < n.count; ++i) {
          out_ += "\n" + tabs + "\t" + std::string(tree_.key(node, i));
          print(tree_.child(node, i), indent + 1, false, copies + 1);
        }
        break;
      case Type::kFunction:
        break;
    }
  }

  std::string take() { return std::move(out_); }

 private:
  const ValueTree& tree_;
  std::string out_;
};

}  // namespace

std::string dump_yara(const ValueTree& tree) {
  Dumper d(tree);
  d.print(ValueTree::kRoot, 0, true, 0);
  return d.take() + "\n";
}

}  // namespace yarrow::modules
