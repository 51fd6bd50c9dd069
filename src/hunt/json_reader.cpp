// JSON lines reader: one object per line (Defender/Sentinel exports, Winlogbeat, NXLog
// om_json). Nested objects are flattened into dotted names ("winlog.event_data.Image"), so the
// normalizer sees Winlogbeat's and NXLog's flat style alike.
#include <nlohmann/json.hpp>

#include "hunt/reader.h"

namespace yarrow::hunt {
namespace {

void flatten(const nlohmann::json& value, const std::string& name,
             std::vector<std::pair<std::string, std::string>>& out) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      for (auto it = value.begin(); it != value.end(); ++it)
        flatten(it.value(), name.empty() ? it.key() : name + "." + it.key(), out);
      break;
    case nlohmann::json::value_t::string:
      out.emplace_back(name, value.get<std::string>());
      break;
    case nlohmann::json::value_t::null:
      break;  // null is "not recorded": leave the field out
    default:
      // Numbers, booleans and arrays keep their JSON spelling.
      out.emplace_back(name, value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}

class JsonLinesReader final : public RecordReader {
 public:
  explicit JsonLinesReader(std::unique_ptr<ByteStream> stream) : stream_(std::move(stream)) {}

  bool next(RawRecord& record) override {
    for (;;) {
      record = RawRecord{};
      record.line = stream_->line();
      bool truncated = false;
      if (!stream_->read_line(line_, truncated)) return false;
      if (line_.find_first_not_of(" \t\r") == std::string::npos) continue;
      if (truncated) {
        record.malformed = true;
        record.error = "record longer than the reader's limit";
        return true;
      }
      auto parsed = nlohmann::json::parse(line_, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_discarded()) {
        record.malformed = true;
        record.error = "not valid JSON";
      } else if (!parsed.is_object()) {
        record.malformed = true;
        record.error = "not a JSON object";
      } else {
        flatten(parsed, "", record.fields);
      }
      return true;
    }
  }

  LogFormat format() const override { return LogFormat::kJsonLines; }
  bool failed() const override { return stream_->failed(); }
  std::string error() const override { return stream_->error(); }

 private:
  std::unique_ptr<ByteStream> stream_;
  std::string line_;
};

}  // namespace

std::unique_ptr<RecordReader> make_json_reader(std::unique_ptr<ByteStream> stream) {
  return std::make_unique<JsonLinesReader>(std::move(stream));
}

}  // namespace yarrow::hunt
