// module_dump MODULE FILE: prints the module's value tree for FILE exactly like `yara -D`.
// module_dump --call MODULE FUNCTION ARGS... FILE: calls a module function directly and prints
// its result (integer, %f float, quoted string, or UNDEFINED); args are typed by prefix
// i:123 f:1.5 s:text (s: accepts \xNN escapes) r:regex (ECMAScript, for tests only). FUNCTION may
// be a path into structures and arrays: rich_signature.version, signatures[1].valid_on.
#include <regex>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "modules/module.h"

using namespace yarrow::modules;

namespace {

std::vector<uint8_t> read_file(const char* path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() + 0 && s[i + 1] == 'x') {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 2, 2)), nullptr, 16));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct TestRegex {
  std::regex re;
};

bool regex_matches(const void* impl, std::string_view s) {
  return std::regex_search(s.begin(), s.end(), static_cast<const TestRegex*>(impl)->re);
}

// yara's yr_re_match value: end offset of the last match found trying each start offset.
int64_t regex_match_end(const void* impl, std::string_view s) {
  const std::regex& re = static_cast<const TestRegex*>(impl)->re;
  int64_t result = -1;
  for (size_t start = 0; start < std::max<size_t>(s.size(), 1); ++start) {
    std::match_results<std::string_view::const_iterator> m;
    auto flags = std::regex_constants::match_continuous;
    if (start > 0) flags |= std::regex_constants::match_prev_avail;
    if (std::regex_search(s.begin() + start, s.end(), m, re, flags))
      result = static_cast<int64_t>(start + m.length(0));
  }
  return result;
}

// Resolves "a.b[2].f" to the function field and the tree node of its owning structure.
bool resolve(const Schema& schema, const ValueTree& tree, std::string path, uint32_t& field,
             uint32_t& node) {
  field = Schema::kRoot;
  node = ValueTree::kRoot;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    long index = -1;
    if (size_t br = part.find('['); br != std::string::npos) {
      index = std::stol(part.substr(br + 1));
      part = part.substr(0, br);
    }
    auto f = schema.member(field, part);
    if (!f) return false;
    field = *f;
    if (dot == std::string::npos) return schema.field(field).type == Type::kFunction;
    if (node != kNoIndex) node = tree.member(node, part);
    if (index >= 0) {
      field = schema.element(field);
      if (node != kNoIndex) node = tree.child(node, static_cast<size_t>(index));
    }
    start = dot + 1;
  }
}

class PrintHost : public ModuleHost {
 public:
  void console_log(std::string_view line) override { std::printf("%.*s\n", (int)line.size(), line.data()); }
};

int call(int argc, char** argv) {
  const Module* m = find_module(argv[2]);
  if (!m) return 2;
  bool ok;
  auto data = read_file(argv[argc - 1], ok);
  if (!ok) return 2;
  std::vector<std::string> storage;
  std::string sig;
  for (int i = 4; i < argc - 1; ++i) storage.emplace_back(argv[i]);
  std::vector<Arg> args;
  std::vector<std::string> strings;
  strings.reserve(storage.size());
  std::vector<TestRegex> regexes;
  regexes.reserve(storage.size());
  for (auto& s : storage) {
    char kind = s[0];
    std::string v = s.substr(2);
    if (kind == 'i' || kind == 'b') { args.emplace_back(static_cast<int64_t>(std::stoll(v, nullptr, 0))); sig += kind; }
    else if (kind == 'f') { args.emplace_back(std::stod(v)); sig += 'f'; }
    else if (kind == 'r') {
      regexes.push_back(TestRegex{std::regex(v)});
      args.emplace_back(RegexArg{&regexes.back(), regex_matches, regex_match_end});
      sig += 'r';
    }
    else { strings.push_back(unescape(v)); args.emplace_back(std::string_view(strings.back())); sig += 's'; }
  }
  const Schema& schema = m->schema();
  ValueTree tree = load_module(*m, data);
  uint32_t fn = 0, self = 0;
  if (!resolve(schema, tree, argv[3], fn, self)) return 2;
  if (self == kNoIndex) {  // the owning structure does not exist: yara's undefined
    std::printf("UNDEFINED\n");
    return 0;
  }
  PrintHost host;
  CallContext ctx{&tree, self, data, &host};
  for (const Overload& o : schema.overloads(fn)) {
    std::string want = o.args;
    for (char& c : want) if (c == 'b') c = 'i';
    std::string have = sig;
    for (char& c : have) if (c == 'b') c = 'i';
    if (want != have) continue;
    Result r = o.impl(ctx, args);
    if (std::holds_alternative<std::monostate>(r)) std::printf("UNDEFINED\n");
    else if (auto* i = std::get_if<int64_t>(&r)) std::printf("%lld\n", (long long)*i);
    else if (auto* f = std::get_if<double>(&r)) std::printf("%.17g\n", *f);
    else std::printf("\"%s\"\n", std::get<std::string>(r).c_str());
    return 0;
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 5 && std::string(argv[1]) == "--call") return call(argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: module_dump MODULE FILE | --call MODULE FUNC ARGS... FILE\n");
    return 2;
  }
  const Module* m = find_module(argv[1]);
  if (!m) {
    std::fprintf(stderr, "unknown module %s\n", argv[1]);
    return 2;
  }
  bool ok;
  auto data = read_file(argv[2], ok);
  if (!ok) {
    std::fprintf(stderr, "cannot read %s\n", argv[2]);
    return 2;
  }
  std::string text = dump_yara(load_module(*m, data));
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}
