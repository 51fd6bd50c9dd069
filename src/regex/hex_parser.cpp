// Parser for hex strings ({ 4D 5A ?? [2-4] ( 90 | C3 ) }), producing the same tree as regexes.
// Grammar and error wording follow yara 4.2.3: a token list may not start or end with a jump,
// jumps inside alternatives are limited, and jumps are non-greedy.
#include "regex/ast.h"

namespace yarrow::regex {
namespace {

struct HexError {
  std::string message;
};

enum class Tok : uint8_t { kByte, kJump, kLParen, kRParen, kPipe, kEnd };

struct Token {
  Tok kind = Tok::kEnd;
  uint8_t value = 0;
  uint8_t mask = 0;
  int64_t jump_min = 0;
  int64_t jump_max = 0;  // -1: unbounded
  bool single = false;   // "[n]"
};

class HexLexer {
 public:
  explicit HexLexer(std::string_view s) : s_(s) {}

  Token next() {
    skip_space();
    Token t;
    if (pos_ >= s_.size()) return t;
    char c = s_[pos_];
    if (c == '(') return ++pos_, Token{Tok::kLParen};
    if (c == ')') return ++pos_, Token{Tok::kRParen};
    if (c == '|') return ++pos_, Token{Tok::kPipe};
    if (c == '[') return jump();
    if (is_nibble(c)) {
      if (pos_ + 1 >= s_.size() || !is_nibble(s_[pos_ + 1]))
        throw HexError{"uneven number of digits in hex string"};
      t.kind = Tok::kByte;
      uint8_t hi_v = 0, hi_m = 0, lo_v = 0, lo_m = 0;
      nibble(s_[pos_], hi_v, hi_m);
      nibble(s_[pos_ + 1], lo_v, lo_m);
      t.value = static_cast<uint8_t>(hi_v << 4 | lo_v);
      t.mask = static_cast<uint8_t>(hi_m << 4 | lo_m);
      pos_ += 2;
      return t;
    }
    throw HexError{"syntax error"};
  }

 private:
  static bool is_nibble(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '?';
  }
  static void nibble(char c, uint8_t& v, uint8_t& m) {
    if (c == '?') {
      v = 0, m = 0;
    } else {
      v = static_cast<uint8_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
      m = 0xF;
    }
  }
  void skip_space() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++pos_;
      } else if (c == '/' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '/') {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      } else if (c == '/' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '*') {
        size_t e = s_.find("*/", pos_ + 2);
        pos_ = e == std::string_view::npos ? s_.size() : e + 2;
      } else {
        break;
      }
    }
  }
  bool number(int64_t& v) {
    skip_space();
    size_t start = pos_;
    v = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      v = v * 10 + (s_[pos_] - '0');
      if (v > (int64_t{1} << 40)) v = int64_t{1} << 40;
      ++pos_;
    }
    return pos_ > start;
  }
  bool expect(char c) {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  Token jump() {
    ++pos_;
    Token t;
    t.kind = Tok::kJump;
    int64_t a = 0, b = 0;
    bool has_a = number(a);
    if (has_a && expect(']')) {
      t.jump_min = t.jump_max = a;
      t.single = true;
      return t;
    }
    if (!expect('-')) throw HexError{"syntax error"};
    bool has_b = number(b);
    if (!expect(']')) throw HexError{"syntax error"};
    t.jump_min = has_a ? a : 0;
    t.jump_max = has_b ? b : -1;
    if (!has_a && has_b) throw HexError{"syntax error"};
    return t;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

class HexParser {
 public:
  explicit HexParser(std::string_view s) : lex_(s) { advance(); }

  Node run() {
    Node n = tokens();
    if (cur_.kind != Tok::kEnd) throw HexError{"syntax error"};
    return n;
  }

 private:
  void advance() { cur_ = lex_.next(); }

  // tokens: token (token_or_jump)* with the last one being a token, not a jump.
  Node tokens() {
    Node cat;
    cat.kind = NodeKind::kConcat;
    if (cur_.kind == Tok::kJump) throw HexError{"syntax error"};
    cat.kids.push_back(token());
    bool last_was_jump = false;
    while (cur_.kind == Tok::kByte || cur_.kind == Tok::kLParen || cur_.kind == Tok::kJump) {
      if (cur_.kind == Tok::kJump) {
        cat.kids.push_back(jump());
        last_was_jump = true;
      } else {
        cat.kids.push_back(token());
        last_was_jump = false;
      }
    }
    if (last_was_jump) throw HexError{"syntax error"};
    if (cat.kids.size() == 1) return std::move(cat.kids[0]);
    return cat;
  }

  Node token() {
    if (cur_.kind == Tok::kByte) {
      Node n;
      n.kind = NodeKind::kBytes;
      n.origin = ByteOrigin::kHex;
      // Exact bytes and ?? are most of every ruleset's hex: no 256-step loop for them.
      if (cur_.mask == 0xFF) {
        n.set.set(cur_.value);
      } else if (cur_.mask == 0) {
        n.set.set();
      } else {
        for (int b = 0; b < 256; ++b)
          if ((b & cur_.mask) == (cur_.value & cur_.mask)) n.set.set(b);
      }
      n.literal = cur_.mask == 0xFF;
      advance();
      return n;
    }
    if (cur_.kind == Tok::kLParen) {
      advance();
      ++inside_or_;
      Node alt;
      alt.kind = NodeKind::kAlt;
      alt.kids.push_back(tokens());
      while (cur_.kind == Tok::kPipe) {
        advance();
        alt.kids.push_back(tokens());
      }
      if (cur_.kind != Tok::kRParen) throw HexError{"syntax error"};
      advance();
      --inside_or_;
      if (alt.kids.size() == 1) return std::move(alt.kids[0]);
      return alt;
    }
    throw HexError{"syntax error"};
  }

  Node jump() {
    Token t = cur_;
    advance();
    if (t.single) {
      if (t.jump_min <= 0) throw HexError{"invalid jump length"};
      if (inside_or_ > 0 && t.jump_min > kChainingThreshold)
        throw HexError{"jumps over 200 not allowed inside alternation (|)"};
    } else if (t.jump_max < 0) {
      if (inside_or_ > 0) throw HexError{"unbounded jumps not allowed inside alternation (|)"};
    } else {
      if (inside_or_ > 0 && (t.jump_min > kChainingThreshold || t.jump_max > kChainingThreshold))
        throw HexError{"jumps over 200 not allowed inside alternation (|)"};
      if (t.jump_min > t.jump_max) throw HexError{"invalid jump range"};
    }
    Node any;
    any.kind = NodeKind::kBytes;
    any.origin = ByteOrigin::kHex;
    any.set.set();
    if (t.single && t.jump_min == 1) return any;
    Node n;
    n.kind = NodeKind::kRepeat;
    n.min = static_cast<int>(std::min<int64_t>(t.jump_min, INT32_MAX));
    n.max = t.jump_max < 0 ? -1 : static_cast<int>(std::min<int64_t>(t.jump_max, INT32_MAX));
    n.greedy = false;
    n.kids.push_back(std::move(any));
    return n;
  }

  HexLexer lex_;
  Token cur_;
  int inside_or_ = 0;
};

bool is_chain_jump(const Node& n) {
  return n.kind == NodeKind::kRepeat && !n.greedy &&
         (n.min > kChainingThreshold || n.max < 0 || n.max > kChainingThreshold);
}

}  // namespace

std::optional<std::vector<HexPiece>> parse_hex(std::string_view source, std::string& error) {
  Node root;
  try {
    HexParser p(source);
    root = p.run();
  } catch (const HexError& e) {
    error = e.message;
    return std::nullopt;
  }
  std::vector<HexPiece> pieces;
  if (root.kind != NodeKind::kConcat) {
    pieces.push_back(HexPiece{std::move(root), 0, 0});
    return pieces;
  }
  Node cur;
  cur.kind = NodeKind::kConcat;
  for (auto& kid : root.kids) {
    if (is_chain_jump(kid)) {
      HexPiece piece;
      piece.node = std::move(cur);
      piece.gap_min = kid.min;
      piece.gap_max = kid.max;
      pieces.push_back(std::move(piece));
      cur = Node{};
      cur.kind = NodeKind::kConcat;
      continue;
    }
    cur.kids.push_back(std::move(kid));
  }
  pieces.push_back(HexPiece{std::move(cur), 0, 0});
  for (auto& p : pieces) {
    if (p.node.kids.size() == 1) {
      Node only = std::move(p.node.kids[0]);
      p.node = std::move(only);
    }
  }
  return pieces;
}

}  // namespace yarrow::regex
