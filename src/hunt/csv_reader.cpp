// CSV reader (RFC 4180): the first record is the header; quoted fields may hold commas, doubled
// quotes and line breaks. A record that cannot be parsed is reported malformed at its first line
// and, when it spanned several lines (an unbalanced quote), its other lines are parsed again as
// records of their own, so one stray quote cannot swallow the rest of the file.
#include <deque>

#include "hunt/reader.h"

namespace yarrow::hunt {
namespace {

// A quoted field may span lines, but no further than this before the record is given up.
constexpr size_t kMaxQuotedSpan = 4u << 20;

struct PhysicalLine {
  uint64_t number;
  std::string text;
  bool truncated;
};

class CsvReader final : public RecordReader {
 public:
  explicit CsvReader(std::unique_ptr<ByteStream> stream) : stream_(std::move(stream)) {}

  bool next(RawRecord& record) override {
    for (;;) {
      record = RawRecord{};
      std::vector<std::string> values;
      std::vector<PhysicalLine> used;
      if (!parse_record(values, used, record)) return false;
      if (!record.malformed && values.size() == 1 && values[0].empty()) continue;  // blank line
      if (!header_read_) {
        if (record.malformed) return true;
        header_read_ = true;
        header_.clear();
        for (auto& v : values) header_.push_back(clean_header(v));
        continue;
      }
      if (!record.malformed && values.size() != header_.size()) {
        record.malformed = true;
        record.error = "expected " + std::to_string(header_.size()) + " fields, found " +
                       std::to_string(values.size());
      }
      if (record.malformed) {
        // Re-read every line but the first: they may be good records after a stray quote.
        for (size_t i = used.size(); i-- > 1;) pending_.push_front(std::move(used[i]));
        return true;
      }
      for (size_t i = 0; i < values.size(); ++i)
        record.fields.emplace_back(header_[i], std::move(values[i]));
      return true;
    }
  }

  LogFormat format() const override { return LogFormat::kCsv; }
  bool failed() const override { return stream_->failed(); }
  std::string error() const override { return stream_->error(); }

 private:
  static std::string clean_header(std::string name) {
    // The Defender portal exports "Timestamp [UTC]"; the schema name is "Timestamp".
    if (name.size() > 6 && name.ends_with(" [UTC]")) name.resize(name.size() - 6);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    size_t start = name.find_first_not_of(' ');
    return start == std::string::npos ? std::string() : name.substr(start);
  }

  bool next_line(PhysicalLine& out) {
    if (!pending_.empty()) {
      out = std::move(pending_.front());
      pending_.pop_front();
      return true;
    }
    out.number = stream_->line();
    return stream_->read_line(out.text, out.truncated);
  }

  // Parses one record into values; false at end of input.
  bool parse_record(std::vector<std::string>& values, std::vector<PhysicalLine>& used,
                    RawRecord& record) {
    PhysicalLine line;
    if (!next_line(line)) return false;
    record.line = line.number;
    used.push_back(std::move(line));
    if (used.back().truncated) return fail(record, "record longer than the reader's limit");
    std::string field;
    bool quoted = false;       // inside a quoted field
    bool after_quote = false;  // a quoted field ended; only ',' or end of line may follow
    size_t span = 0;
    for (size_t li = 0;; ++li) {
      const std::string& text = used[li].text;
      for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
          if (c != '"') field += c;
          else if (i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
          else quoted = false, after_quote = true;
        } else if (c == ',') {
          values.push_back(std::move(field));
          field.clear();
          after_quote = false;
        } else if (after_quote) {
          return fail(record, "unexpected character after a closing quote");
        } else if (c == '"' && field.empty()) {
          quoted = true;
        } else {
          field += c;  // a quote inside an unquoted field is kept as text (lenient)
        }
      }
      if (!quoted) break;
      span += text.size() + 1;
      PhysicalLine more;
      if (span > kMaxQuotedSpan) return fail(record, "quoted field too long (unbalanced quote?)");
      if (!next_line(more)) return fail(record, "end of input inside a quoted field");
      used.push_back(std::move(more));
      field += '\n';
    }
    values.push_back(std::move(field));
    return true;
  }

  static bool fail(RawRecord& record, const char* why) {
    record.malformed = true;
    record.error = why;
    return true;
  }

  std::unique_ptr<ByteStream> stream_;
  std::deque<PhysicalLine> pending_;
  std::vector<std::string> header_;
  bool header_read_ = false;
};

}  // namespace

std::unique_ptr<RecordReader> make_csv_reader(std::unique_ptr<ByteStream> stream) {
  return std::make_unique<CsvReader>(std::move(stream));
}

}  // namespace yarrow::hunt
