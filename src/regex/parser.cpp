// Recursive-descent parser for yara's regex dialect. Accepts exactly what yara 4.2.3 accepts
// (checked against the reference binary) and words errors the same way.
#include <cstring>

#include "regex/ast.h"

namespace yarrow::regex {

#if defined(__x86_64__) && defined(__GNUC__)
[[gnu::target_clones("popcnt", "default")]]
#endif
size_t byte_count(const ByteSet& set) {
  return set.count();
}

namespace {

struct ParseError {
  std::string message;
};

ByteSet word_set() {
  ByteSet s;
  for (int c = 0; c < 256; ++c)
    if (is_word_char(static_cast<uint8_t>(c))) s.set(c);
  return s;
}
ByteSet space_set() {
  ByteSet s;
  for (char c : std::string_view(" \t\n\v\f\r")) s.set(static_cast<uint8_t>(c));
  return s;
}
ByteSet digit_set() {
  ByteSet s;
  for (int c = '0'; c <= '9'; ++c) s.set(c);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// yara warns about .*, .+ and .{n,} found through concatenations and groups, but not inside
// alternatives or other repeats.
bool has_unbounded_dot(const Node& n) {
  switch (n.kind) {
    case NodeKind::kRepeat:
      return n.max < 0 && n.kids[0].kind == NodeKind::kBytes &&
             n.kids[0].origin == ByteOrigin::kAny && !n.kids[0].group;
    case NodeKind::kConcat:
      for (const auto& k : n.kids)
        if (has_unbounded_dot(k)) return true;
      return false;
    default:
      return false;
  }
}

class Parser {
 public:
  Parser(std::string_view src, bool nocase, bool dotall)
      : src_(src), nocase_(nocase), dotall_(dotall) {}

  ParseResult run() {
    ParseResult result;
    result.root = parse_alternative();
    if (pos_ < src_.size()) throw ParseError{"syntax error"};  // stray ')'
    result.has_greedy = has_greedy_;
    result.has_dot_star = has_unbounded_dot(result.root);
    return result;
  }

 private:
  bool at_end() const { return pos_ >= src_.size(); }
  char peek() const { return src_[pos_]; }

  Node parse_alternative() {
    std::vector<Node> alts;
    alts.push_back(parse_concat(true));
    while (!at_end() && peek() == '|') {
      ++pos_;
      // yara accepts a trailing empty alternative ("a|", "(a|)") but not a leading one.
      if (at_end() || peek() == ')' || peek() == '|') {
        if (!at_end() && peek() == '|') throw ParseError{"syntax error"};
        alts.push_back(Node{});
        break;
      }
      alts.push_back(parse_concat(true));
    }
    if (alts.size() == 1) return std::move(alts[0]);
    Node n;
    n.kind = NodeKind::kAlt;
    n.kids = std::move(alts);
    return n;
  }

  Node parse_concat(bool required) {
    std::vector<Node> items;
    while (!at_end() && peek() != '|' && peek() != ')') items.push_back(parse_repeat());
    if (items.empty() && required) throw ParseError{"syntax error"};
    if (items.size() == 1) return std::move(items[0]);
    Node n;
    n.kind = NodeKind::kConcat;
    n.kids = std::move(items);
    return n;
  }

  // Reads "{n}", "{n,}", "{,m}", "{n,m}" at pos_. Returns false (pos_ unchanged) when the text
  // is not a repeat interval, in which case '{' is an ordinary character.
  bool read_range(int& lo, int& hi) {
    size_t p = pos_ + 1;
    auto digits = [&](size_t& q) {
      size_t start = q;
      while (q < src_.size() && src_[q] >= '0' && src_[q] <= '9') ++q;
      return src_.substr(start, q - start);
    };
    std::string_view a = digits(p);
    if (p >= src_.size()) return false;
    auto to_int = [](std::string_view d) {
      long v = 0;
      for (char c : d) {
        v = v * 10 + (c - '0');
        if (v > 1000000) v = 1000000;
      }
      return static_cast<int>(v);
    };
    if (src_[p] == '}') {
      if (a.empty()) return false;
      int v = to_int(a);
      if (v > kMaxRepeat) throw ParseError{"repeat interval too large"};
      if (v == 0) throw ParseError{"bad repeat interval"};
      lo = hi = v;
      pos_ = p + 1;
      return true;
    }
    if (src_[p] != ',') return false;
    ++p;
    std::string_view b = digits(p);
    if (p >= src_.size() || src_[p] != '}') return false;
    lo = to_int(a);
    if (b.empty()) {
      hi = -1;
    } else {
      hi = to_int(b);
      if (hi > kMaxRepeat) throw ParseError{"repeat interval too large"};
      if (hi < lo || hi == 0) throw ParseError{"bad repeat interval"};
    }
    if (lo > kMaxRepeat) throw ParseError{"repeat interval too large"};
    pos_ = p + 1;
    return true;
  }

  Node parse_repeat() {
    char c = peek();
    if (c == '^' || c == '$') {
      ++pos_;
      Node n;
      n.kind = c == '^' ? NodeKind::kBol : NodeKind::kEol;
      reject_quantifier();
      return n;
    }
    if (c == '\\' && pos_ + 1 < src_.size() && (src_[pos_ + 1] == 'b' || src_[pos_ + 1] == 'B')) {
      Node n;
      n.kind = src_[pos_ + 1] == 'b' ? NodeKind::kWordBoundary : NodeKind::kNonWordBoundary;
      pos_ += 2;
      reject_quantifier();
      return n;
    }
    Node single = parse_single();
    if (at_end()) return single;
    int lo = 0, hi = -1;
    bool braces = false;
    c = peek();
    if (c == '*') {
      lo = 0, hi = -1, ++pos_;
    } else if (c == '+') {
      lo = 1, hi = -1, ++pos_;
    } else if (c == '?') {
      lo = 0, hi = 1, ++pos_;
    } else if (c == '{' && read_range(lo, hi)) {
      braces = true;
    } else {
      return single;
    }
    bool greedy = true;
    if (!at_end() && peek() == '?') {
      greedy = false;
      ++pos_;
    }
    // yara rejects a regex that mixes greedy and lazy quantifiers, at the first conflict.
    if (greedy ? has_lazy_ : has_greedy_)
      throw ParseError{"greedy and ungreedy quantifiers can't be mixed in a regular expression"};
    (greedy ? has_greedy_ : has_lazy_) = true;
    reject_quantifier();
    Node n;
    n.kind = NodeKind::kRepeat;
    n.min = lo;
    n.max = hi;
    n.greedy = greedy;
    n.braces = braces;
    n.kids.push_back(std::move(single));
    return n;
  }

  // A quantifier may not follow a quantified item, an anchor or a boundary.
  void reject_quantifier() {
    if (at_end()) return;
    char c = peek();
    if (c == '*' || c == '+' || c == '?') throw ParseError{"syntax error"};
    if (c == '{') {
      size_t save = pos_;
      int lo, hi;
      if (read_range(lo, hi)) throw ParseError{"syntax error"};
      pos_ = save;
    }
  }

  Node bytes_node(const ByteSet& s, bool literal, ByteOrigin origin) {
    Node n;
    n.kind = NodeKind::kBytes;
    n.origin = origin;
    n.set = s;
    n.literal = literal;
    if (nocase_) {
      for (int c = 0; c < 256; ++c)
        if (s.test(c)) n.set.set(alt_case(static_cast<uint8_t>(c)));
    }
    return n;
  }

  void check_ascii(char c) {
    auto u = static_cast<uint8_t>(c);
    if (u < 32 || u >= 127) throw ParseError{"non-ascii character"};
  }

  // Reads the escape whose backslash is at pos_ (as a plain byte); pos_ ends after it.
  uint8_t read_escaped_char() {
    ++pos_;  // backslash
    if (at_end()) throw ParseError{"unexpected end of buffer"};
    char c = src_[pos_++];
    switch (c) {
      case 'x': {
        if (pos_ + 2 > src_.size()) throw ParseError{"illegal escape sequence"};
        int h = hex_value(src_[pos_]), l = hex_value(src_[pos_ + 1]);
        if (h < 0 || l < 0) throw ParseError{"illegal escape sequence"};
        pos_ += 2;
        return static_cast<uint8_t>(h * 16 + l);
      }
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'f':
        return '\f';
      case 'a':
        return '\a';
      default:
        check_ascii(c);
        return static_cast<uint8_t>(c);
    }
  }

  Node parse_single() {
    char c = peek();
    switch (c) {
      case '(': {
        ++pos_;
        if (!at_end() && peek() == ')') throw ParseError{"syntax error"};
        Node inner = parse_alternative();
        if (at_end() || peek() != ')') throw ParseError{"syntax error"};
        ++pos_;
        inner.group = true;
        return inner;
      }
      case '*':
      case '+':
      case '?':
      case '|':
      case ')':
        throw ParseError{"syntax error"};
      case '.': {
        ++pos_;
        ByteSet s;
        s.set();
        if (!dotall_) s.reset('\n');
        Node n;
        n.kind = NodeKind::kBytes;
        n.origin = ByteOrigin::kAny;
        n.set = s;
        return n;
      }
      case '[':
        return parse_class();
      case '\\': {
        if (pos_ + 1 >= src_.size()) throw ParseError{"unexpected end of buffer"};
        char e = src_[pos_ + 1];
        ByteSet s;
        ByteOrigin origin;
        switch (e) {
          case 'w':
            s = word_set(), origin = ByteOrigin::kWord;
            break;
          case 'W':
            s = ~word_set(), origin = ByteOrigin::kNonWord;
            break;
          case 's':
            s = space_set(), origin = ByteOrigin::kSpace;
            break;
          case 'S':
            s = ~space_set(), origin = ByteOrigin::kNonSpace;
            break;
          case 'd':
            s = digit_set(), origin = ByteOrigin::kDigit;
            break;
          case 'D':
            s = ~digit_set(), origin = ByteOrigin::kNonDigit;
            break;
          default:
            if (e >= '0' && e <= '9') throw ParseError{"backreferences are not allowed"};
            s.set(read_escaped_char());
            return bytes_node(s, true, ByteOrigin::kLiteral);
        }
        pos_ += 2;
        return bytes_node(s, false, origin);
      }
      default: {
        check_ascii(c);
        ++pos_;
        ByteSet s;
        s.set(static_cast<uint8_t>(c));
        return bytes_node(s, true, ByteOrigin::kLiteral);
      }
    }
  }

  Node parse_class() {
    ++pos_;  // '['
    ByteSet s;
    bool negated = false;
    if (!at_end() && peek() == '^') {
      negated = true;
      ++pos_;
    }
    if (!at_end() && peek() == ']') {
      s.set(']');
      ++pos_;
    }
    while (true) {
      if (at_end()) throw ParseError{"missing terminating ] for character class"};
      char c = peek();
      if (c == ']') {
        ++pos_;
        break;
      }
      // Range "x-y" where y is not ']' (a trailing '-' is literal).
      auto range_end_follows = [&](size_t after_start) {
        return after_start + 1 < src_.size() && src_[after_start] == '-' &&
               src_[after_start + 1] != ']';
      };
      if (c == '\\') {
        if (pos_ + 1 >= src_.size()) throw ParseError{"unexpected end of buffer"};
        char e = src_[pos_ + 1];
        // "\w-z" is lexed by yara as a range starting at the escaped letter itself.
        size_t esc_len = e == 'x' ? 4 : 2;
        if (range_end_follows(pos_ + esc_len)) {
          uint8_t start = read_escaped_char();
          ++pos_;  // '-'
          add_range(s, start);
          continue;
        }
        switch (e) {
          case 'w':
            s |= word_set();
            pos_ += 2;
            continue;
          case 'W':
            s |= ~word_set();
            pos_ += 2;
            continue;
          case 's':
            s |= space_set();
            pos_ += 2;
            continue;
          case 'S':
            s |= ~space_set();
            pos_ += 2;
            continue;
          case 'd':
            s |= digit_set();
            pos_ += 2;
            continue;
          case 'D':
            s |= ~digit_set();
            pos_ += 2;
            continue;
          default:
            s.set(read_escaped_char());
            continue;
        }
      }
      check_ascii(c);
      if (range_end_follows(pos_ + 1)) {
        pos_ += 2;
        add_range(s, static_cast<uint8_t>(c));
        continue;
      }
      s.set(static_cast<uint8_t>(c));
      ++pos_;
    }
    // yara folds case into the class before negating it: [^a] under /i excludes 'A' too.
    if (nocase_) {
      for (int c = 0; c < 256; ++c)
        if (s.test(c)) s.set(alt_case(static_cast<uint8_t>(c)));
    }
    if (negated) s.flip();
    Node n;
    n.kind = NodeKind::kBytes;
    n.origin = ByteOrigin::kClass;
    n.set = s;
    return n;
  }

  // pos_ is at the range's end character.
  void add_range(ByteSet& s, uint8_t start) {
    uint8_t end;
    if (peek() == '\\') {
      end = read_escaped_char();
    } else {
      check_ascii(peek());
      end = static_cast<uint8_t>(src_[pos_++]);
    }
    if (end < start) throw ParseError{"bad character range"};
    for (int c = start; c <= end; ++c) s.set(c);
  }

  std::string_view src_;
  bool nocase_;
  bool dotall_;
  size_t pos_ = 0;
  bool has_greedy_ = false;
  bool has_lazy_ = false;
};

}  // namespace

std::optional<ParseResult> parse_regex(std::string_view source, bool nocase, bool dotall,
                                       std::string& error) {
  try {
    if (source.empty()) {
      error = "syntax error";
      return std::nullopt;
    }
    Parser p(source, nocase, dotall);
    return p.run();
  } catch (const ParseError& e) {
    error = e.message;
    return std::nullopt;
  }
}

std::vector<HexPiece> split_regex_chain(Node root) {
  std::vector<HexPiece> pieces;
  auto piece_of = [](std::vector<Node>&& kids) {
    if (kids.size() == 1) return std::move(kids[0]);
    Node n;
    n.kind = NodeKind::kConcat;
    n.kids = std::move(kids);
    return n;
  };
  if (root.kind == NodeKind::kConcat) {
    std::vector<Node> current;
    const size_t count = root.kids.size();
    for (size_t i = 0; i < count; ++i) {
      Node& k = root.kids[i];
      const bool lazy_dot_range = k.kind == NodeKind::kRepeat && !k.greedy && k.braces &&
                                  k.kids[0].kind == NodeKind::kBytes &&
                                  k.kids[0].origin == ByteOrigin::kAny && !k.kids[0].group;
      const int max = k.max < 0 ? kMaxRepeat : k.max;
      if (lazy_dot_range && !current.empty() && i + 1 < count &&
          (k.min > kChainingThreshold || max > kChainingThreshold)) {
        pieces.push_back(HexPiece{piece_of(std::move(current)), k.min, max});
        current.clear();
        continue;
      }
      current.push_back(std::move(k));
    }
    pieces.push_back(HexPiece{piece_of(std::move(current)), 0, 0});
    return pieces;
  }
  pieces.push_back(HexPiece{std::move(root), 0, 0});
  return pieces;
}

}  // namespace yarrow::regex
