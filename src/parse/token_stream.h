// Tokens of a top-level file with its includes spliced in, as yara's lexer does: an include
// directive may appear anywhere a token may. Owns include resolution, cycle and depth checks.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "parse/lexer.h"
#include "parse/parser.h"

namespace yarrow::parse {

// Appends what remains of `in` to `out`, in blocks; `size_hint` (a regular file's size, or 0)
// saves the string's growth. Reading through istreambuf_iterator went byte by byte: 4-7 ms
// for elastic's 3.3 MB, against 1.3 ms.
void read_stream(std::istream& in, size_t size_hint, std::string& out);

class TokenStream {
 public:
  TokenStream(ast::Unit& unit, Diagnostics& diags, const ParseOptions& options);
  // Gives the unit back the texts its files' lexers still hold.
  ~TokenStream();
  TokenStream(const TokenStream&) = delete;
  TokenStream& operator=(const TokenStream&) = delete;

  // Starts reading unit.files[file_index] (already added by the caller). Its text moves into
  // the lexer until the file is done (a copy cost a rule file's size in memory and time), so
  // meanwhile only the file's path and line starts are in the unit.
  void push_file(uint32_t file_index);

  // The next token; Tok::kError after an error whose diagnostic is already in `diags`.
  Token next();

  // The rule being parsed, named by lexical diagnostics (empty between rules).
  void set_rule(std::string name) { rule_ = std::move(name); }

  // Adds a diagnostic located at `span`.
  void report(const ast::Span& span, const std::string& code, const std::string& message,
              const std::string& rule = {});

 private:
  struct Frame {
    std::unique_ptr<Lexer> lexer;
    uint32_t file = 0;
    std::string key;  // canonical path, for cycle detection
  };
  bool open_include(const Token& directive);
  void pop_file();  // returns the text of the file on top to the unit
  void pop_all_files();

  ast::Unit& unit_;
  Diagnostics& diags_;
  const ParseOptions& options_;
  std::vector<Frame> stack_;
  std::string rule_;
};

// Canonical form of a path for comparing files (falls back to the path itself).
std::string canonical_key(const std::string& path);

}  // namespace yarrow::parse
