#include "parse/token_stream.h"

#include <filesystem>
#include <fstream>
#include <system_error>

namespace yarrow::parse {
namespace fs = std::filesystem;

namespace {

// Only regular files: yara 4.2.3 refuses devices ("can't open include file: /dev/null"), and
// reading /dev/zero or a FIFO would never end.
bool read_whole_file(const std::string& path, std::string& out) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  const uintmax_t size = fs::file_size(path, ec);
  read_stream(in, ec ? 0 : static_cast<size_t>(size), out);
  return !in.bad();
}

}  // namespace

void read_stream(std::istream& in, size_t size_hint, std::string& out) {
  constexpr size_t kBlock = 1 << 16;
  out.reserve(out.size() + size_hint);
  for (size_t want = size_hint > 0 ? size_hint : kBlock;; want = kBlock) {
    const size_t had = out.size();
    out.resize(had + want);
    in.read(out.data() + had, static_cast<std::streamsize>(want));
    out.resize(had + static_cast<size_t>(in.gcount()));
    // The end, found without growing the string past a file's known size.
    if (!in || in.peek() == std::char_traits<char>::eof()) break;
  }
}

std::string canonical_key(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::path(path), ec);
  if (ec) return path;
  return p.string();
}

TokenStream::TokenStream(ast::Unit& unit, Diagnostics& diags, const ParseOptions& options)
    : unit_(unit), diags_(diags), options_(options) {}

TokenStream::~TokenStream() { pop_all_files(); }

void TokenStream::pop_file() {
  Frame& top = stack_.back();
  unit_.files[top.file].text = top.lexer->take_text();
  stack_.pop_back();
}

void TokenStream::pop_all_files() {
  while (!stack_.empty()) pop_file();
}

void TokenStream::push_file(uint32_t file_index) {
  const ast::SourceFile& file = unit_.files[file_index];
  Frame frame;
  frame.lexer = std::make_unique<Lexer>(std::move(unit_.files[file_index].text), file_index);
  frame.file = file_index;
  frame.key = file.path.empty() ? std::string() : canonical_key(file.path);
  stack_.push_back(std::move(frame));
}

void TokenStream::report(const ast::Span& span, const std::string& code,
                         const std::string& message, const std::string& rule) {
  Diagnostic d;
  d.severity = Severity::kError;
  d.code = code;
  d.message = message;
  d.rule = rule;
  if (span.file < unit_.files.size()) {
    const ast::SourceFile& file = unit_.files[span.file];
    d.file = file.path;
    auto [line, column] = file.line_col(span.begin);
    d.line = line;
    d.column = column;
  }
  diags_.push_back(std::move(d));
}

Token TokenStream::next() {
  while (!stack_.empty()) {
    Frame& top = stack_.back();
    Token token = top.lexer->next();
    if (token.kind == Tok::kError) {
      const LexError& e = top.lexer->error();
      report({top.file, e.offset, e.offset}, e.code, e.message, rule_);
      pop_all_files();
      return token;
    }
    if (token.kind == Tok::kInclude) {
      if (!open_include(token)) {
        pop_all_files();
        Token failed = token;
        failed.kind = Tok::kError;
        return failed;
      }
      continue;
    }
    if (token.kind == Tok::kEof && stack_.size() > 1) {
      pop_file();
      token.kind = Tok::kEndOfInclude;
      return token;
    }
    return token;
  }
  Token eof;
  eof.kind = Tok::kError;  // reading after an error
  return eof;
}

bool TokenStream::open_include(const Token& directive) {
  if (!options_.allow_includes) {
    report(directive.span, "E111", "includes are disabled");
    return false;
  }
  const std::string& name = directive.text;
  const std::string& including = unit_.files[stack_.back().file].path;

  // Like yara 4.2.3: relative to the including file's directory, with no fallback.
  std::string path = name;
  const fs::path parent = fs::path(including).parent_path();
  if (!parent.empty() && fs::path(name).is_relative()) path = (parent / name).string();
  std::string text;
  const bool found = read_whole_file(path, text);
  if (!found) {
    report(directive.span, "E108", "can't open include file: " + name);
    return false;
  }
  const std::string key = canonical_key(path);
  for (const Frame& frame : stack_) {
    if (frame.key == key) {
      report(directive.span, "E109", "includes circular reference");
      return false;
    }
  }
  if (stack_.size() >= options_.max_include_depth) {
    report(directive.span, "E110", "includes depth exceeded");
    return false;
  }
  ast::SourceFile file;
  file.path = path;
  file.text = std::move(text);
  file.line_starts = Lexer::line_starts(file.text);
  unit_.files.push_back(std::move(file));
  push_file(static_cast<uint32_t>(unit_.files.size() - 1));
  return true;
}

}  // namespace yarrow::parse
