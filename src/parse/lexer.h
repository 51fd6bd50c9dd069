// Lexer for one YARA source file, reproducing yara 4.2.3's lexer (libyara/lexer.l): the same
// token boundaries, literal decoding, limits and lexical errors. It knows nothing about
// includes beyond recognising `include "path"` (TokenStream follows them).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "parse/token.h"

namespace yarrow::parse {

// Longest identifier yara accepts, and the largest decoded text/regex literal (its lex_buf).
inline constexpr size_t kMaxIdentifierLength = 128;
inline constexpr size_t kMaxLiteralLength = 8190;

struct LexError {
  std::string code;
  std::string message;
  uint32_t offset = 0;
};

class Lexer {
 public:
  Lexer(std::string text, uint32_t file_index);

  // The next token; Tok::kError when the input is lexically invalid (see error()).
  Token next();
  const LexError& error() const { return error_; }

  // Hands the text back (the lexer is done with it): the token stream lends a file's text to
  // its lexer rather than copying it.
  std::string take_text() { return std::move(text_); }

  // Byte offsets where each line starts (for SourceFile::line_starts).
  static std::vector<uint32_t> line_starts(const std::string& text);

 private:
  Token make(Tok kind, size_t begin) const;
  Token fail(const char* code, std::string message, size_t offset);
  void skip_space_and_comments();
  bool scan_hex_string(Token& out);
  Token lex_number(size_t begin);
  Token lex_word(size_t begin);
  Token lex_string_ref(size_t begin, Tok kind);
  Token lex_text(size_t begin);
  Token lex_regex(size_t begin);

  std::string text_;
  uint32_t file_;
  size_t pos_ = 0;
  LexError error_;
};

}  // namespace yarrow::parse
