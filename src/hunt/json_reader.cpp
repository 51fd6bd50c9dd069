// JSON lines reader: one object per line (Defender/Sentinel exports, Winlogbeat, NXLog
// om_json). Nested objects are flattened into dotted names ("winlog.event_data.Image"), so the
// normalizer sees Winlogbeat's and NXLog's flat style alike.
#include <nlohmann/json.hpp>

#include "hunt/reader.h"

namespace yarrow::hunt {
namespace {

// Flattens one JSON object into dotted field names while parsing (SAX: no document tree, which
// dominated the cost of reading big exports). Arrays are kept as compact JSON text.
class Flattener final : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit Flattener(std::vector<std::pair<std::string, std::string>>& out) : out_(out) {}

  bool null() override {
    if (array_depth_ > 0) return array_value("null");
    return started_ || reject();  // null is "not recorded": leave the field out
  }
  bool boolean(bool v) override { return scalar(v ? "true" : "false"); }
  bool number_integer(number_integer_t v) override { return scalar(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return scalar(std::to_string(v)); }
  bool number_float(number_float_t, const string_t& text) override { return scalar(text); }
  bool string(string_t& v) override {
    if (array_depth_ > 0) return array_value(nlohmann::json(v).dump(-1, ' ', false,
                                             nlohmann::json::error_handler_t::replace));
    return scalar(std::move(v));
  }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override {
    if (array_depth_ > 0) {
      // Objects inside arrays are rare in these logs; keep them as text like arrays.
      separator();
      array_text_ += '{';
      fresh_.push_back(true);
      ++array_depth_;
      return true;
    }
    if (!started_) {
      started_ = true;
      prefixes_.push_back({});
      return true;
    }
    prefixes_.push_back(prefixes_.back() + key_ + ".");
    return true;
  }
  bool key(string_t& k) override {
    if (array_depth_ > 0) {
      separator();
      array_text_ += nlohmann::json(k).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      array_text_ += ':';
      fresh_.back() = true;  // the value follows without a comma
      return true;
    }
    key_ = std::move(k);
    return true;
  }
  bool end_object() override {
    if (array_depth_ > 0) {
      array_text_ += '}';
      close_nested();
      return true;
    }
    prefixes_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    if (!started_) return reject();  // a top-level array is not a record
    if (array_depth_ > 0) separator();
    else array_text_.clear();
    array_text_ += '[';
    fresh_.push_back(true);
    ++array_depth_;
    return true;
  }
  bool end_array() override {
    array_text_ += ']';
    close_nested();
    if (array_depth_ == 0) out_.emplace_back(prefixes_.back() + key_, std::move(array_text_));
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

  // The line was valid JSON up to a value that is not an object.
  bool not_an_object() const { return not_object_; }

 private:
  bool scalar(std::string text) {
    if (array_depth_ > 0) return array_value(text);
    if (!started_) return reject();  // a top-level scalar is not a record
    out_.emplace_back(prefixes_.back() + key_, std::move(text));
    return true;
  }
  bool reject() {
    not_object_ = true;
    return false;
  }
  bool array_value(const std::string& text) {
    separator();
    array_text_ += text;
    return true;
  }
  void separator() {
    if (!fresh_.back()) array_text_ += ',';
    fresh_.back() = false;
  }
  void close_nested() {
    fresh_.pop_back();
    --array_depth_;
  }

  std::vector<std::pair<std::string, std::string>>& out_;
  std::vector<std::string> prefixes_;
  std::string key_;
  bool started_ = false;
  bool not_object_ = false;
  int array_depth_ = 0;
  std::string array_text_;
  std::vector<bool> fresh_;  // per open array/object inside an array: no element written yet
};

// JSON lines, or one JSON array of objects (API dumps, `ConvertTo-Json`): in the array form the
// elements are cut out by bracket depth, one at a time, so memory stays bounded by one element.
class JsonReader final : public RecordReader {
 public:
  explicit JsonReader(std::unique_ptr<ByteStream> stream) : stream_(std::move(stream)) {
    if (stream_->skip_bom_and_blanks() == '[') {
      array_ = true;
      stream_->get();
    }
  }

  bool next(RawRecord& record) override {
    for (;;) {
      record = RawRecord{};
      record.line = stream_->line();
      bool truncated = false;
      if (array_) {
        int status = next_element(record, truncated);
        if (status < 0) return false;
        if (status == 0) return true;  // malformed element, already described
      } else {
        if (!stream_->read_line(line_, truncated)) return false;
        if (line_.find_first_not_of(" \t\r") == std::string::npos) continue;
      }
      if (truncated) {
        record.malformed = true;
        record.error = "record longer than the reader's limit";
        return true;
      }
      Flattener flattener(record.fields);
      bool ok = nlohmann::json::sax_parse(line_, &flattener, nlohmann::json::input_format_t::json,
                                          /*strict=*/true);
      if (!ok) {
        record.malformed = true;
        record.error = flattener.not_an_object() ? "not a JSON object" : "not valid JSON";
        record.fields.clear();
      }
      return true;
    }
  }

  LogFormat format() const override { return LogFormat::kJsonLines; }
  bool failed() const override { return stream_->failed(); }
  std::string error() const override { return stream_->error(); }

 private:
  // Cuts the next array element into line_: 1 an element, 0 a malformed record (set), -1 end.
  int next_element(RawRecord& record, bool& truncated) {
    if (array_done_) return -1;
    int c;
    while ((c = stream_->peek()) == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',')
      stream_->get();
    record.line = stream_->line();
    if (c == ']') {
      array_done_ = true;
      return -1;
    }
    if (c < 0) {
      array_done_ = true;
      record.malformed = true;
      record.error = "end of input inside the JSON array";
      return 0;
    }
    line_.clear();
    int depth = 0;
    bool in_string = false, escaped = false;
    while ((c = stream_->peek()) >= 0) {
      if (!in_string && depth == 0 && (c == ',' || c == ']')) break;  // end of a scalar element
      stream_->get();
      if (line_.size() < kMaxRecordBytes) line_ += static_cast<char>(c);
      else truncated = true;
      if (in_string) {
        if (escaped) escaped = false;
        else if (c == '\\') escaped = true;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth <= 0) {
        break;
      }
    }
    if (c < 0) array_done_ = true;  // cut short: reported once, as this malformed element
    return 1;
  }

  std::unique_ptr<ByteStream> stream_;
  std::string line_;
  bool array_ = false;
  bool array_done_ = false;
};

}  // namespace

std::unique_ptr<RecordReader> make_json_reader(std::unique_ptr<ByteStream> stream) {
  return std::make_unique<JsonReader>(std::move(stream));
}

}  // namespace yarrow::hunt
