// Byte-exact renderings of the pieces of yara 4.2.3's text output: match data of text/regex
// strings, match data of hex strings, and metadata strings. Pure functions, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace yarrow::cli {

// Text and regex match data: printable ASCII (0x20-0x7e) as is, any other byte as `\xHH`
// (upper-case hex). With a non-zero `xor_key` every byte is decoded first (`-X` plaintext).
void append_printable(std::string& out, std::string_view data, uint8_t xor_key = 0);

// Hex-string match data: the first 64 bytes as upper-case pairs separated by spaces, then
// " ..." when there were more.
void append_hex_bytes(std::string& out, std::string_view data);

// A metadata string between yara's double quotes: `"`, `'` and `\` backslashed, C escapes for
// \a \b \t \n \v \f \r, three-digit octal for other control bytes and bytes >= 0x7f. yara stores
// metadata as C strings, so the text ends at the first NUL byte.
void append_meta_escaped(std::string& out, std::string_view text);

// `0x` + lower-case hex, as yara prints match offsets.
void append_offset(std::string& out, int64_t offset);

}  // namespace yarrow::cli
