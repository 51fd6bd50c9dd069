// Inputs and the buffered byte stream. zlib's gz* functions read plain files unchanged, so
// one code path serves .gz and uncompressed logs alike.
#include <zlib.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>

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
  auto stream = std::make_unique<ByteStream>(std::move(input));
  int first = stream->skip_bom_and_blanks();
  if (format == LogFormat::kAuto) {
    format = first == '<' ? LogFormat::kXml : first == '{' ? LogFormat::kJsonLines : LogFormat::kCsv;
  }
  switch (format) {
    case LogFormat::kXml: return make_xml_reader(std::move(stream));
    case LogFormat::kJsonLines: return make_json_reader(std::move(stream));
    default: return make_csv_reader(std::move(stream));
  }
}

}  // namespace yarrow::hunt
