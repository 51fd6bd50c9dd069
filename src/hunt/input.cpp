// Inputs and the buffered byte stream. zlib's gz* functions read plain files unchanged, so
// one code path serves .gz and uncompressed logs alike.
#include <zlib.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "hunt/reader.h"

namespace yarrow::hunt {
namespace {

constexpr size_t kBufferSize = 1u << 16;

class GzFileInput final : public Input {
 public:
  explicit GzFileInput(gzFile file) : file_(file) { gzbuffer(file_, 1u << 17); }
  ~GzFileInput() override { gzclose(file_); }
  long read(char* buffer, size_t capacity) override {
    int n = gzread(file_, buffer, static_cast<unsigned>(capacity));
    if (n < 0) {
      int code = 0;
      const char* msg = gzerror(file_, &code);
      error_ = msg ? msg : "read error";
      return -1;
    }
    // A truncated gzip member reads as EOF with Z_BUF_ERROR pending.
    if (n == 0) {
      int code = 0;
      const char* msg = gzerror(file_, &code);
      if (code != Z_OK && code != Z_STREAM_END) {
        error_ = msg ? msg : "truncated input";
        return -1;
      }
    }
    return n;
  }
  std::string error() const override { return error_; }

 private:
  gzFile file_;
  std::string error_;
};

class MemoryInput final : public Input {
 public:
  explicit MemoryInput(std::string data) : data_(std::move(data)) {}
  long read(char* buffer, size_t capacity) override {
    size_t n = std::min(capacity, data_.size() - pos_);
    std::memcpy(buffer, data_.data() + pos_, n);
    pos_ += n;
    return static_cast<long>(n);
  }
  std::string error() const override { return {}; }

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Replays bytes read while sniffing the encoding, then the rest of the input.
class PrefixedInput final : public Input {
 public:
  PrefixedInput(std::string prefix, std::unique_ptr<Input> inner)
      : prefix_(std::move(prefix)), inner_(std::move(inner)) {}
  long read(char* buffer, size_t capacity) override {
    if (pos_ < prefix_.size()) {
      size_t n = std::min(capacity, prefix_.size() - pos_);
      std::memcpy(buffer, prefix_.data() + pos_, n);
      pos_ += n;
      return static_cast<long>(n);
    }
    return inner_->read(buffer, capacity);
  }
  std::string error() const override { return inner_->error(); }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  std::unique_ptr<Input> inner_;
};

// UTF-16LE to UTF-8 (Windows PowerShell 5 writes redirected output and Out-File as UTF-16LE
// with a byte-order mark). Unpaired surrogates become U+FFFD.
class Utf16LeInput final : public Input {
 public:
  explicit Utf16LeInput(std::unique_ptr<Input> inner) : inner_(std::move(inner)) {}
  long read(char* buffer, size_t capacity) override {
    if (capacity < 8) return -1;
    // Each UTF-16 unit becomes at most 3 UTF-8 bytes (a surrogate pair: 4 bytes for 2 units).
    raw_.resize(capacity / 3 * 2);
    for (;;) {
      size_t have = 0;
      if (odd_) {
        raw_[have++] = static_cast<char>(*odd_);
        odd_.reset();
      }
      long n = inner_->read(raw_.data() + have, raw_.size() - have);
      if (n < 0) return -1;
      size_t total = have + static_cast<size_t>(n);
      if (n == 0) {
        if (!high_) return 0;  // a trailing odd byte is dropped
        high_.reset();
        return static_cast<long>(put(buffer, 0, 0xFFFD));
      }
      if (total % 2) odd_ = static_cast<unsigned char>(raw_[--total]);
      size_t out = 0;
      for (size_t i = 0; i < total; i += 2) {
        uint32_t unit = static_cast<unsigned char>(raw_[i]) |
                        (static_cast<uint32_t>(static_cast<unsigned char>(raw_[i + 1])) << 8);
        if (high_) {
          uint32_t hi = *high_;
          high_.reset();
          if (unit >= 0xDC00 && unit <= 0xDFFF) {
            out = put(buffer, out, 0x10000 + ((hi - 0xD800) << 10) + (unit - 0xDC00));
            continue;
          }
          out = put(buffer, out, 0xFFFD);
        }
        if (unit >= 0xD800 && unit <= 0xDBFF) high_ = unit;
        else if (unit >= 0xDC00 && unit <= 0xDFFF) out = put(buffer, out, 0xFFFD);
        else out = put(buffer, out, unit);
      }
      if (out > 0) return static_cast<long>(out);
    }
  }
  std::string error() const override { return inner_->error(); }

 private:
  static size_t put(char* buffer, size_t out, uint32_t cp) {
    if (cp < 0x80) {
      buffer[out++] = static_cast<char>(cp);
    } else if (cp < 0x800) {
      buffer[out++] = static_cast<char>(0xC0 | (cp >> 6));
      buffer[out++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      buffer[out++] = static_cast<char>(0xE0 | (cp >> 12));
      buffer[out++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      buffer[out++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      buffer[out++] = static_cast<char>(0xF0 | (cp >> 18));
      buffer[out++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      buffer[out++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      buffer[out++] = static_cast<char>(0x80 | (cp & 0x3F));
    }
    return out;
  }

  std::unique_ptr<Input> inner_;
  std::string raw_;
  std::optional<unsigned char> odd_;
  std::optional<uint32_t> high_;
};

// Looks at the first two bytes: a UTF-16LE byte-order mark switches to transcoding.
std::unique_ptr<Input> decode_text(std::unique_ptr<Input> input) {
  char head[2];
  size_t have = 0;
  while (have < 2) {
    long n = input->read(head + have, 2 - have);
    if (n <= 0) break;
    have += static_cast<size_t>(n);
  }
  if (have == 2 && static_cast<unsigned char>(head[0]) == 0xFF &&
      static_cast<unsigned char>(head[1]) == 0xFE)
    return std::make_unique<Utf16LeInput>(std::move(input));
  return std::make_unique<PrefixedInput>(std::string(head, have), std::move(input));
}

}  // namespace

std::unique_ptr<Input> open_input(const std::string& path, std::string& error) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) {
    error = std::string("cannot open: ") + std::strerror(errno);
    return nullptr;
  }
  return std::make_unique<GzFileInput>(file);
}

std::unique_ptr<Input> stdin_input() {
  gzFile file = gzdopen(dup(0), "rb");
  if (!file) return memory_input({});
  return std::make_unique<GzFileInput>(file);
}

std::unique_ptr<Input> memory_input(std::string data) {
  return std::make_unique<MemoryInput>(std::move(data));
}

ByteStream::ByteStream(std::unique_ptr<Input> input)
    : input_(std::move(input)), buffer_(kBufferSize) {}

bool ByteStream::fill() {
  if (eof_ || failed_) return false;
  long n = input_->read(buffer_.data(), buffer_.size());
  if (n < 0) failed_ = true;
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  pos_ = 0;
  end_ = static_cast<size_t>(n);
  return true;
}

bool ByteStream::read_line(std::string& line, bool& truncated, size_t limit) {
  line.clear();
  truncated = false;
  if (peek() < 0) return false;
  for (;;) {
    if (pos_ == end_ && !fill()) break;
    const char* start = buffer_.data() + pos_;
    const char* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - pos_));
    size_t take = nl ? static_cast<size_t>(nl - start) : end_ - pos_;
    if (line.size() < limit) line.append(start, std::min(take, limit - line.size()));
    if (line.size() >= limit && take > 0) truncated = truncated || line.size() + take > limit;
    pos_ += take;
    if (nl) {
      ++pos_;
      ++line_;
      break;
    }
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

int ByteStream::skip_bom_and_blanks() {
  if (peek() == 0xEF) {
    // A UTF-8 byte-order mark (Excel and PowerShell write one) is not part of the data.
    get();
    if (peek() == 0xBB) get();
    if (peek() == 0xBF) get();
  }
  int c;
  while ((c = peek()) == ' ' || c == '\t' || c == '\r' || c == '\n') get();
  return c;
}

const char* to_string(LogFormat format) {
  switch (format) {
    case LogFormat::kAuto: return "auto";
    case LogFormat::kCsv: return "csv";
    case LogFormat::kJsonLines: return "json";
    case LogFormat::kXml: return "xml";
  }
  return "?";
}

bool parse_log_format(std::string_view text, LogFormat& format) {
  if (text == "auto") format = LogFormat::kAuto;
  else if (text == "csv") format = LogFormat::kCsv;
  else if (text == "json" || text == "jsonl" || text == "ndjson") format = LogFormat::kJsonLines;
  else if (text == "xml" || text == "evtx-xml") format = LogFormat::kXml;
  else return false;
  return true;
}

std::unique_ptr<RecordReader> make_reader(std::unique_ptr<Input> input, LogFormat format) {
  auto stream = std::make_unique<ByteStream>(decode_text(std::move(input)));
  int first = stream->skip_bom_and_blanks();
  if (format == LogFormat::kAuto) {
    format = first == '<'                  ? LogFormat::kXml
             : first == '{' || first == '[' ? LogFormat::kJsonLines
                                            : LogFormat::kCsv;
  }
  switch (format) {
    case LogFormat::kXml: return make_xml_reader(std::move(stream));
    case LogFormat::kJsonLines: return make_json_reader(std::move(stream));
    default: return make_csv_reader(std::move(stream));
  }
}

}  // namespace yarrow::hunt
