#include "yara_format.h"

namespace yarrow::cli {
namespace {

constexpr char kUpperHex[] = "0123456789ABCDEF";
constexpr char kLowerHex[] = "0123456789abcdef";

void append_upper_pair(std::string& out, uint8_t byte) {
  out += kUpperHex[byte >> 4];
  out += kUpperHex[byte & 0xf];
}

void append_octal(std::string& out, uint8_t byte) {
  out += '\\';
  out += static_cast<char>('0' + (byte >> 6));
  out += static_cast<char>('0' + ((byte >> 3) & 7));
  out += static_cast<char>('0' + (byte & 7));
}

}  // namespace

void append_printable(std::string& out, std::string_view data, uint8_t xor_key) {
  for (char raw : data) {
    uint8_t c = static_cast<uint8_t>(raw) ^ xor_key;
    if (c >= 0x20 && c <= 0x7e) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      append_upper_pair(out, c);
    }
  }
}

void append_hex_bytes(std::string& out, std::string_view data) {
  constexpr size_t kMaxShown = 64;
  size_t shown = data.size() < kMaxShown ? data.size() : kMaxShown;
  for (size_t i = 0; i < shown; ++i) {
    if (i != 0) out += ' ';
    append_upper_pair(out, static_cast<uint8_t>(data[i]));
  }
  if (data.size() > kMaxShown) out += " ...";
}

void append_meta_escaped(std::string& out, std::string_view text) {
  for (char raw : text) {
    uint8_t c = static_cast<uint8_t>(raw);
    if (c == 0) break;
    switch (c) {
      case '"':
      case '\'':
      case '\\':
        out += '\\';
        out += raw;
        continue;
      case '\a':
        out += "\\a";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\v':
        out += "\\v";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\r':
        out += "\\r";
        continue;
      default:
        break;
    }
    if (c >= 0x20 && c < 0x7f)
      out += raw;
    else
      append_octal(out, c);
  }
}

void append_offset(std::string& out, int64_t offset) {
  uint64_t v = static_cast<uint64_t>(offset);
  char buf[16];
  int n = 0;
  do {
    buf[n++] = kLowerHex[v & 0xf];
    v >>= 4;
  } while (v != 0);
  out += "0x";
  while (n > 0) out += buf[--n];
}

}  // namespace yarrow::cli
