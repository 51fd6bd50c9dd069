// Record readers: stream raw records (named fields) out of log files, in constant memory.
//
//   auto input = yarrow::hunt::open_input("events.csv.gz", error);   // gzip or plain
//   auto reader = yarrow::hunt::make_reader(std::move(input), LogFormat::kAuto, error);
//   yarrow::hunt::RawRecord rec;
//   while (reader->next(rec)) { if (rec.malformed) ...; else use rec.fields; }
//
// Contract: next() returns every record in file order, good or malformed; a malformed record
// carries the line where it starts and why, and reading goes on with the next one. Memory is
// bounded by the largest record (kMaxRecordBytes; longer records are reported malformed and
// skipped), never by the file size. Readers never print or throw.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace yarrow::hunt {

enum class LogFormat : uint8_t { kAuto, kCsv, kJsonLines, kXml };

const char* to_string(LogFormat format);
// "auto", "csv", "json"/"jsonl", "xml"; false if unknown.
bool parse_log_format(std::string_view text, LogFormat& format);

inline constexpr size_t kMaxRecordBytes = 64u << 20;

// A byte stream: a file, transparently gunzipped (zlib detects the gzip header).
class Input {
 public:
  virtual ~Input() = default;
  // Up to `capacity` bytes into `buffer`; 0 at end of input; -1 on error.
  virtual long read(char* buffer, size_t capacity) = 0;
  virtual std::string error() const = 0;
};

std::unique_ptr<Input> open_input(const std::string& path, std::string& error);
// Standard input, gunzipped when compressed.
std::unique_ptr<Input> stdin_input();
// In-memory input (tests).
std::unique_ptr<Input> memory_input(std::string data);

// Buffered access with line counting, shared by the format readers.
class ByteStream {
 public:
  explicit ByteStream(std::unique_ptr<Input> input);
  // Next byte or -1 at end (or error: see failed()).
  int get() {
    if (pos_ == end_ && !fill()) return -1;
    char c = buffer_[pos_++];
    if (c == '\n') ++line_;
    return static_cast<unsigned char>(c);
  }
  int peek() {
    if (pos_ == end_ && !fill()) return -1;
    return static_cast<unsigned char>(buffer_[pos_]);
  }
  // Reads up to and excluding '\n' (a trailing '\r' is dropped). False at end of input.
  // Lines longer than `limit` are truncated, with `truncated` set.
  bool read_line(std::string& line, bool& truncated, size_t limit = kMaxRecordBytes);
  // Drops a UTF-8 byte-order mark and leading blanks; returns the next byte (peek) or -1.
  int skip_bom_and_blanks();
  uint64_t line() const { return line_; }  // 1-based line of the next byte
  bool failed() const { return failed_; }
  std::string error() const { return input_->error(); }

 private:
  bool fill();
  std::unique_ptr<Input> input_;
  std::vector<char> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  uint64_t line_ = 1;
  bool failed_ = false;
  bool eof_ = false;
};

struct RawRecord {
  uint64_t line = 0;  // where the record starts
  std::vector<std::pair<std::string, std::string>> fields;
  bool malformed = false;
  std::string error;  // why it is malformed
};

class RecordReader {
 public:
  virtual ~RecordReader() = default;
  virtual bool next(RawRecord& record) = 0;
  virtual LogFormat format() const = 0;
  // An I/O or decompression error ended reading early (records before it were returned).
  virtual bool failed() const = 0;
  virtual std::string error() const = 0;
};

// kAuto sniffs the first non-blank byte: '<' XML, '{' or '[' JSON (lines, or one array of
// objects), anything else CSV.
std::unique_ptr<RecordReader> make_reader(std::unique_ptr<Input> input, LogFormat format);

std::unique_ptr<RecordReader> make_csv_reader(std::unique_ptr<ByteStream> stream);
std::unique_ptr<RecordReader> make_json_reader(std::unique_ptr<ByteStream> stream);
std::unique_ptr<RecordReader> make_xml_reader(std::unique_ptr<ByteStream> stream);

}  // namespace yarrow::hunt
