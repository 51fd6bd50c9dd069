// Windows event XML reader: files of <Event> elements as wevtutil (qe /f:xml) or Get-WinEvent
// (ToXml) write them, with or without an enclosing root element. A small streaming tokenizer
// instead of expat/libxml2: the subset needed (tags, attributes, text, the five entities and
// character references, comments, CDATA, processing instructions) is short, it must resynchronise
// on the next <Event> after damage rather than stop at the first error as a conforming XML
// parser does, and it keeps the component free of another dependency.
//
// Fields produced per event: System children by element name (text), their attributes as
// "Element.Attribute" (Provider.Name, TimeCreated.SystemTime, Execution.ProcessID, ...),
// EventData/UserData <Data Name="X">v</Data> as X (unnamed Data as Data1, Data2, ...), other
// leaf elements under UserData by element name.
#include <optional>
#include <string_view>

#include "hunt/reader.h"

namespace yarrow::hunt {
namespace {

constexpr size_t kMaxToken = 16u << 20;

struct Tag {
  enum class Kind { kStart, kEnd, kEmpty } kind = Kind::kStart;
  std::string name;  // local name (namespace prefix dropped)
  std::vector<std::pair<std::string, std::string>> attributes;
};

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes entity and character references in place; false on an unknown or bad reference.
bool decode_entities(std::string& text) {
  if (text.find('&') == std::string::npos) return true;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    size_t semi = text.find(';', i);
    if (semi == std::string::npos || semi - i > 12) return false;
    std::string_view ref(text.data() + i + 1, semi - i - 1);
    if (ref == "lt") out += '<';
    else if (ref == "gt") out += '>';
    else if (ref == "amp") out += '&';
    else if (ref == "quot") out += '"';
    else if (ref == "apos") out += '\'';
    else if (ref.size() > 1 && ref[0] == '#') {
      uint32_t cp = 0;
      bool hex = ref[1] == 'x' || ref[1] == 'X';
      size_t start = hex ? 2 : 1;
      if (start >= ref.size()) return false;
      for (size_t k = start; k < ref.size(); ++k) {
        char c = ref[k];
        int d = (c >= '0' && c <= '9') ? c - '0'
                : hex && (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : hex && (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (d < 0) return false;
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
        if (cp > 0x10FFFF) return false;
      }
      append_utf8(out, cp);
    } else {
      return false;
    }
    i = semi;
  }
  text = std::move(out);
  return true;
}

std::string local_name(std::string name) {
  size_t colon = name.find(':');
  return colon == std::string::npos ? name : name.substr(colon + 1);
}

bool is_name_char(int c) {
  return c > 0 && c != '>' && c != '/' && c != '=' && c != '<' && c != ' ' && c != '\t' &&
         c != '\r' && c != '\n' && c != '"' && c != '\'';
}

class XmlEventReader final : public RecordReader {
 public:
  explicit XmlEventReader(std::unique_ptr<ByteStream> stream) : s_(std::move(stream)) {}

  bool next(RawRecord& record) override {
    for (;;) {
      int c = s_->peek();
      if (c < 0) {
        if (in_event_) return finish(record, "end of input inside an <Event>");
        return false;
      }
      if (c != '<') {
        uint64_t line = s_->line();
        std::string text;
        while ((c = s_->peek()) >= 0 && c != '<') {
          if (text.size() < kMaxToken) text += static_cast<char>(c);
          s_->get();
        }
        if (!in_event_) continue;
        if (!decode_entities(text)) mark_bad("bad entity reference at line " + std::to_string(line));
        text_ += text;
        continue;
      }
      s_->get();  // '<'
      c = s_->peek();
      if (c == '?') { skip_until("?>"); continue; }
      if (c == '!') {
        s_->get();
        if (s_->peek() == '-') { skip_until("-->"); continue; }
        if (s_->peek() == '[') {  // <![CDATA[ ... ]]>
          std::string text = read_until("]]>");
          if (in_event_) text_ += text.size() >= 7 ? text.substr(7) : std::string();
          continue;
        }
        skip_until(">");  // DOCTYPE
        continue;
      }
      uint64_t tag_line = s_->line();
      Tag tag;
      if (!read_tag(tag)) {
        if (in_event_) mark_bad("malformed tag at line " + std::to_string(tag_line));
        continue;
      }
      if (tag.name == "Event" && tag.kind != Tag::Kind::kEnd) {
        if (in_event_) {
          // A new event starts before the previous one closed: report that one, restart here.
          restart_ = true;
          restart_line_ = tag_line;
          return finish(record, "unclosed <Event> element");
        }
        begin(tag_line);
        if (tag.kind == Tag::Kind::kEmpty) return finish(record, nullptr);
        continue;
      }
      if (!in_event_) continue;
      if (tag.name == "Event" && tag.kind == Tag::Kind::kEnd) {
        if (stack_.size() != 1) mark_bad("unbalanced elements inside <Event>");
        return finish(record, nullptr);
      }
      handle(tag);
    }
  }

  LogFormat format() const override { return LogFormat::kXml; }
  bool failed() const override { return s_->failed(); }
  std::string error() const override { return s_->error(); }

 private:
  void begin(uint64_t line) {
    in_event_ = true;
    bad_.clear();
    fields_.clear();
    stack_.assign(1, "Event");
    text_.clear();
    data_name_.reset();
    unnamed_data_ = 0;
    field_bytes_ = 0;
    line_ = line;
  }

  bool finish(RawRecord& record, const char* error) {
    record = RawRecord{};
    record.line = line_;
    if (error && bad_.empty()) bad_ = error;
    if (!bad_.empty()) {
      record.malformed = true;
      record.error = bad_;
    } else {
      record.fields = std::move(fields_);
    }
    in_event_ = false;
    if (restart_) {
      restart_ = false;
      begin(restart_line_);
    }
    return true;
  }

  void mark_bad(std::string why) {
    if (bad_.empty()) bad_ = std::move(why);
  }

  // Inside an event: track the element path and collect fields.
  void handle(const Tag& tag) {
    const std::string& parent = stack_.back();
    if (tag.kind != Tag::Kind::kEnd) {
      bool in_system = parent == "System";
      for (auto& [name, value] : tag.attributes) {
        if (in_system) fields_.emplace_back(tag.name + "." + name, value);
      }
      if (tag.name == "Data") {
        data_name_.reset();
        for (auto& [name, value] : tag.attributes)
          if (name == "Name") data_name_ = value;
        if (!data_name_) data_name_ = "Data" + std::to_string(++unnamed_data_);
      }
      text_.clear();
      if (tag.kind == Tag::Kind::kEmpty) {
        if (tag.name == "Data") fields_.emplace_back(*data_name_, std::string());
        return;
      }
      if (stack_.size() >= 256) {
        mark_bad("elements nested too deeply");
        return;
      }
      stack_.push_back(tag.name);
      return;
    }
    if (tag.name != stack_.back()) {
      mark_bad("</" + tag.name + "> closes <" + stack_.back() + ">");
      // Pop to the matching element if it is open, so the rest of the event still parses.
      for (size_t i = stack_.size(); i-- > 1;)
        if (stack_[i] == tag.name) { stack_.resize(i + 1); break; }
      if (stack_.back() != tag.name || stack_.size() == 1) return;
    }
    stack_.pop_back();
    const std::string& owner = stack_.back();
    if (field_bytes_ > kMaxRecordBytes) {
      mark_bad("event larger than the reader's limit");
    } else if (tag.name == "Data" && data_name_) {
      field_bytes_ += data_name_->size() + text_.size();
      fields_.emplace_back(*data_name_, text_);
      data_name_.reset();
    } else if (owner == "System" || (stack_.size() >= 3 && owner != "Event" && !text_.empty() &&
                                     text_.find_first_not_of(" \t\r\n") != std::string::npos)) {
      field_bytes_ += tag.name.size() + text_.size();
      fields_.emplace_back(tag.name, text_);
    }
    text_.clear();
  }

  bool read_tag(Tag& tag) {
    if (s_->peek() == '/') {
      s_->get();
      tag.kind = Tag::Kind::kEnd;
    }
    std::string name;
    while (is_name_char(s_->peek()) && name.size() < 256) name += static_cast<char>(s_->get());
    if (name.empty()) return skip_rest_of_tag();
    tag.name = local_name(std::move(name));
    for (;;) {
      skip_blanks();
      int c = s_->peek();
      if (c < 0) return false;
      if (c == '>') {
        s_->get();
        return true;
      }
      if (c == '/' && tag.kind == Tag::Kind::kStart) {
        s_->get();
        if (s_->peek() != '>') return skip_rest_of_tag();
        s_->get();
        tag.kind = Tag::Kind::kEmpty;
        return true;
      }
      if (tag.kind == Tag::Kind::kEnd) return skip_rest_of_tag();
      std::string attr;
      while (is_name_char(s_->peek()) && attr.size() < 256) attr += static_cast<char>(s_->get());
      skip_blanks();
      if (attr.empty() || s_->peek() != '=') return skip_rest_of_tag();
      s_->get();
      skip_blanks();
      int quote = s_->peek();
      if (quote != '"' && quote != '\'') return skip_rest_of_tag();
      s_->get();
      std::string value;
      while ((c = s_->peek()) >= 0 && c != quote && c != '<') {
        if (value.size() < kMaxToken) value += static_cast<char>(c);
        s_->get();
      }
      if (c != quote) return false;
      s_->get();
      if (!decode_entities(value)) return skip_rest_of_tag();
      if (attr.starts_with("xmlns")) continue;
      tag.attributes.emplace_back(local_name(std::move(attr)), std::move(value));
    }
  }

  bool skip_rest_of_tag() {
    int c;
    while ((c = s_->peek()) >= 0 && c != '>' && c != '<') s_->get();
    if (c == '>') s_->get();
    return false;
  }

  void skip_blanks() {
    int c;
    while ((c = s_->peek()) == ' ' || c == '\t' || c == '\r' || c == '\n') s_->get();
  }

  std::string read_until(std::string_view end) {
    std::string text;
    int c;
    while ((c = s_->get()) >= 0) {
      if (text.size() < kMaxToken) text += static_cast<char>(c);
      if (text.ends_with(end)) {
        text.resize(text.size() - end.size());
        return text;
      }
    }
    if (in_event_) mark_bad("end of input inside markup");
    return text;
  }

  void skip_until(std::string_view end) {
    std::string tail;
    int c;
    while ((c = s_->get()) >= 0) {
      tail += static_cast<char>(c);
      if (tail.size() > end.size()) tail.erase(0, 1);
      if (tail == end) return;
    }
    if (in_event_) mark_bad("end of input inside markup");
  }

  std::unique_ptr<ByteStream> s_;
  bool in_event_ = false;
  bool restart_ = false;
  uint64_t restart_line_ = 0;
  uint64_t line_ = 0;
  std::string bad_;
  std::vector<std::pair<std::string, std::string>> fields_;
  std::vector<std::string> stack_;
  std::string text_;
  std::optional<std::string> data_name_;
  int unnamed_data_ = 0;
  size_t field_bytes_ = 0;
};

}  // namespace

std::unique_ptr<RecordReader> make_xml_reader(std::unique_ptr<ByteStream> stream) {
  return std::make_unique<XmlEventReader>(std::move(stream));
}

}  // namespace yarrow::hunt
