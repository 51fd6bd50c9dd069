// Record readers: CSV (RFC 4180), JSON lines, Windows event XML, gzip, format sniffing, and
// recovery after malformed records.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>

#include "hunt/event.h"
#include "test_util.h"

namespace yarrow::hunt {
namespace {

using test::field;
using test::read_all;

TEST(CsvReader, HeaderQuotingAndMultiLineFields) {
  std::string text =
      "\xEF\xBB\xBFTimestamp [UTC],DeviceName,ProcessCommandLine\r\n"
      "2026-11-24T02:10:09Z,ws01,plain\r\n"
      "2026-11-24T02:10:10Z,\"ws,02\",\"say \"\"hi\"\"\"\r\n"
      "\r\n"
      "2026-11-24T02:10:11Z,ws03,\"line one\r\nline two\"\r\n"
      "2026-11-24T02:10:12Z,ws04,\"\"\n";
  auto recs = read_all(text, LogFormat::kCsv);
  ASSERT_EQ(recs.size(), 4u);
  for (auto& r : recs) EXPECT_FALSE(r.malformed) << r.error;
  EXPECT_EQ(recs[0].line, 2u);
  EXPECT_EQ(field(recs[0], "Timestamp"), "2026-11-24T02:10:09Z");  // " [UTC]" and BOM dropped
  EXPECT_EQ(field(recs[1], "DeviceName"), "ws,02");
  EXPECT_EQ(field(recs[1], "ProcessCommandLine"), "say \"hi\"");
  EXPECT_EQ(recs[2].line, 5u);  // the blank line 4 is skipped
  EXPECT_EQ(field(recs[2], "ProcessCommandLine"), "line one\nline two");
  EXPECT_EQ(recs[3].line, 7u);
  EXPECT_EQ(field(recs[3], "ProcessCommandLine"), "");
}

TEST(CsvReader, MalformedRecordsAreReportedAndReadingGoesOn) {
  std::string text =
      "A,B,C\n"
      "1,2,3\n"
      "1,2\n"                  // line 3: too few fields
      "\"1\"x,2,3\n"           // line 4: text after a closing quote
      "4,5,\"unterminated\n"   // line 5: quote never closed on this line...
      "6,7,8\n"                // ...these lines must still be read as records
      "9,\"10\",11\n"
      "12,13,\"no end\n";      // line 8: end of input inside quotes
  auto recs = read_all(text, LogFormat::kCsv);
  std::vector<uint64_t> bad, good;
  for (auto& r : recs) (r.malformed ? bad : good).push_back(r.line);
  EXPECT_EQ(bad, (std::vector<uint64_t>{3, 4, 5, 8}));
  EXPECT_EQ(good, (std::vector<uint64_t>{2, 6, 7}));
  ASSERT_EQ(recs.size(), 7u);
  EXPECT_EQ(field(recs[4], "B"), "7");
  EXPECT_EQ(field(recs[5], "B"), "10");
}

TEST(JsonReader, FlattensNestedObjectsAndKeepsScalars) {
  std::string text =
      R"({"winlog":{"event_id":"1","record_id":7,"event_data":{"Image":"C:\\x.exe","Null":null}},"ok":true})"
      "\n\n"
      R"({"Timestamp":"2026-11-24T02:10:09Z","list":[1,"a",{"k":[null,2.50]},[]],"o":{"x":{"y":"z"}},"after":1})"
      "\n";
  auto recs = read_all(text, LogFormat::kJsonLines);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(field(recs[0], "winlog.event_id"), "1");
  EXPECT_EQ(field(recs[0], "winlog.record_id"), "7");
  EXPECT_EQ(field(recs[0], "winlog.event_data.Image"), "C:\\x.exe");
  EXPECT_EQ(field(recs[0], "winlog.event_data.Null"), "<absent>");
  EXPECT_EQ(field(recs[0], "ok"), "true");
  EXPECT_EQ(recs[1].line, 3u);
  EXPECT_EQ(field(recs[1], "list"), R"([1,"a",{"k":[null,2.50]},[]])");
  EXPECT_EQ(field(recs[1], "o.x.y"), "z");
  EXPECT_EQ(field(recs[1], "after"), "1");
}

TEST(JsonReader, MalformedLines) {
  std::string text = "{\"a\":1}\n{\"a\":\n[1,2]\ngarbage\n{\"a\":2}\n{\"a\":1} {}\n\"s\"\n";
  auto recs = read_all(text, LogFormat::kJsonLines);
  ASSERT_EQ(recs.size(), 7u);
  EXPECT_TRUE(recs[5].malformed);  // trailing content after the object
  EXPECT_EQ(recs[6].error, "not a JSON object");
  EXPECT_FALSE(recs[0].malformed);
  EXPECT_TRUE(recs[1].malformed);
  EXPECT_EQ(recs[1].line, 2u);
  EXPECT_TRUE(recs[2].malformed);
  EXPECT_EQ(recs[2].error, "not a JSON object");
  EXPECT_TRUE(recs[3].malformed);
  EXPECT_EQ(recs[3].error, "not valid JSON");
  EXPECT_TRUE(recs[3].fields.empty());
  EXPECT_FALSE(recs[4].malformed);
  EXPECT_EQ(recs[4].line, 5u);
}

TEST(JsonReader, ArrayOfObjects) {
  std::string text =
      "\xEF\xBB\xBF [\n"
      "  {\"a\": \"x]},{\\\"\", \"n\": {\"l\": [1, {\"m\": 2}]}},\n"
      "  42,\n"
      "  {\"a\": \"y\"}\n"
      "]\n";
  auto recs = read_all(text, LogFormat::kAuto);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].line, 2u);
  EXPECT_FALSE(recs[0].malformed) << recs[0].error;
  EXPECT_EQ(field(recs[0], "a"), "x]},{\"");  // brackets and quotes inside strings
  EXPECT_EQ(field(recs[0], "n.l"), R"([1,{"m":2}])");
  EXPECT_TRUE(recs[1].malformed);
  EXPECT_EQ(recs[1].line, 3u);
  EXPECT_EQ(recs[1].error, "not a JSON object");
  EXPECT_EQ(field(recs[2], "a"), "y");
  EXPECT_EQ(recs[2].line, 4u);

  auto cut = read_all("[{\"a\":1},\n{\"a\":", LogFormat::kJsonLines);
  ASSERT_EQ(cut.size(), 2u);
  EXPECT_FALSE(cut[0].malformed);
  EXPECT_TRUE(cut[1].malformed);
  EXPECT_EQ(cut[1].line, 2u);
  EXPECT_TRUE(read_all("[]", LogFormat::kAuto).empty());
  auto open_only = read_all("[", LogFormat::kAuto);
  ASSERT_EQ(open_only.size(), 1u);
  EXPECT_EQ(open_only[0].error, "end of input inside the JSON array");
}

constexpr const char* kXmlEvent =
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>\n"
    " <System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385F}'/>"
    "<EventID>1</EventID><TimeCreated SystemTime='2026-11-24T02:10:09.1234567Z'/>"
    "<EventRecordID>42</EventRecordID><Computer>WS01</Computer></System>\n"
    " <EventData><Data Name='CommandLine'>a &amp; b &lt;c&gt; &#x41;&#66; &quot;q&quot;</Data>"
    "<Data Name='Image'><![CDATA[C:\\<x>.exe]]></Data><!-- note --><Data Name='Empty'/>"
    "<Data>unnamed</Data></EventData>\n"
    "</Event>\n";

TEST(XmlReader, EventsWithAndWithoutRoot) {
  std::string one = kXmlEvent;
  for (const std::string& text :
       {"<?xml version='1.0'?>\n<Events>\n" + one + one + "</Events>\n", one + one}) {
    auto recs = read_all(text, LogFormat::kAuto);
    ASSERT_EQ(recs.size(), 2u);
    const RawRecord& r = recs[0];
    EXPECT_FALSE(r.malformed) << r.error;
    EXPECT_EQ(field(r, "Provider.Name"), "Microsoft-Windows-Sysmon");
    EXPECT_EQ(field(r, "EventID"), "1");
    EXPECT_EQ(field(r, "TimeCreated.SystemTime"), "2026-11-24T02:10:09.1234567Z");
    EXPECT_EQ(field(r, "EventRecordID"), "42");
    EXPECT_EQ(field(r, "Computer"), "WS01");
    EXPECT_EQ(field(r, "CommandLine"), "a & b <c> AB \"q\"");
    EXPECT_EQ(field(r, "Image"), "C:\\<x>.exe");
    EXPECT_EQ(field(r, "Empty"), "");
    EXPECT_EQ(field(r, "Data1"), "unnamed");
    EXPECT_EQ(recs[1].line, r.line + 4);  // each event spans four lines
  }
}

TEST(XmlReader, DamagedEventsAreReportedAndTheNextOnesRead) {
  std::string good = kXmlEvent;
  std::string mismatched = good;
  mismatched.replace(mismatched.find("</Data>"), 7, "</Dta>");
  std::string bad_entity = good;
  bad_entity.replace(bad_entity.find("&amp;"), 5, "&bogus;");
  std::string cut = good.substr(0, good.find("</EventData>"));
  std::string text = good + mismatched + bad_entity + cut + good + cut;
  auto recs = read_all(text, LogFormat::kXml);
  ASSERT_EQ(recs.size(), 6u);
  std::vector<bool> malformed;
  for (auto& r : recs) malformed.push_back(r.malformed);
  EXPECT_EQ(malformed, (std::vector<bool>{false, true, true, true, false, true}));
  EXPECT_EQ(recs[1].line, 5u);
  EXPECT_EQ(recs[4].line, 15u);  // starts on the line where the cut one ends
  EXPECT_EQ(field(recs[4], "Computer"), "WS01");
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("yarrow_hunt_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

TEST(Input, GzipIsReadTransparentlyAndTruncationIsAnError) {
  std::string text = "{\"a\":1}\n{\"a\":2}\n";
  for (int i = 0; i < 2000; ++i) text += "{\"n\":" + std::to_string(i) + ",\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n";
  std::string path = temp_path("a.jsonl.gz");
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_TRUE(gz);
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);

  std::string error;
  auto reader = make_reader(open_input(path, error), LogFormat::kAuto);
  ASSERT_EQ(reader->format(), LogFormat::kJsonLines);
  RawRecord r;
  size_t n = 0;
  while (reader->next(r)) n += r.malformed ? 0 : 1;
  EXPECT_EQ(n, 2002u);
  EXPECT_FALSE(reader->failed());

  // Cut the compressed file short: the records before the cut are read, then an error.
  auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size / 2);
  reader = make_reader(open_input(path, error), LogFormat::kAuto);
  n = 0;
  while (reader->next(r)) n += r.malformed ? 0 : 1;
  EXPECT_GT(n, 10u);
  EXPECT_LT(n, 2002u);
  EXPECT_TRUE(reader->failed());
  std::filesystem::remove(path);
}

TEST(Input, Utf16LittleEndianIsTranscoded) {
  // "A,B\n" then a non-ASCII name, a surrogate pair (U+1F600) and an unpaired surrogate.
  std::u16string text = u"A,B\r\nj\u00f6rg,\U0001F600x\n1,\xD800y\n";
  std::string bytes = "\xFF\xFE";
  for (char16_t u : text) bytes += static_cast<char>(u & 0xFF), bytes += static_cast<char>(u >> 8);
  auto recs = read_all(bytes, LogFormat::kAuto);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(field(recs[0], "A"), "j\xC3\xB6rg");
  EXPECT_EQ(field(recs[0], "B"), "\xF0\x9F\x98\x80x");
  EXPECT_EQ(field(recs[1], "B"), "\xEF\xBF\xBDy");
  EXPECT_EQ(recs[1].line, 3u);
}

TEST(Input, MissingFile) {
  std::string error;
  EXPECT_EQ(open_input("/nonexistent/x.csv", error), nullptr);
  EXPECT_FALSE(error.empty());
}

TEST(Input, FormatSniffing) {
  EXPECT_EQ(make_reader(memory_input("  \n<Event/>"), LogFormat::kAuto)->format(), LogFormat::kXml);
  EXPECT_EQ(make_reader(memory_input("\xEF\xBB\xBF{}"), LogFormat::kAuto)->format(),
            LogFormat::kJsonLines);
  EXPECT_EQ(make_reader(memory_input("A,B\n"), LogFormat::kAuto)->format(), LogFormat::kCsv);
  EXPECT_EQ(make_reader(memory_input("{}"), LogFormat::kCsv)->format(), LogFormat::kCsv);
  LogFormat f;
  EXPECT_TRUE(parse_log_format("jsonl", f));
  EXPECT_EQ(f, LogFormat::kJsonLines);
  EXPECT_FALSE(parse_log_format("evtx", f));
}

TEST(Timestamp, Forms) {
  using namespace std::chrono;
  sys_seconds t = sys_days(year{2026} / November / 24) + hours(2) + minutes(10) + seconds(9);
  EXPECT_EQ(parse_timestamp("2026-11-24T02:10:09Z"), t);
  EXPECT_EQ(parse_timestamp("2026-11-24T02:10:09.1234567Z"), t);
  EXPECT_EQ(parse_timestamp("2026-11-24 02:10:09.123"), t);  // Sysmon UtcTime
  EXPECT_EQ(parse_timestamp("2026-11-24T04:10:09+02:00"), t);
  EXPECT_EQ(parse_timestamp("2026-11-23T21:10:09-0500"), t);
  EXPECT_FALSE(parse_timestamp("Nov 24, 2026 2:10:09 AM"));
  EXPECT_FALSE(parse_timestamp("2026-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_timestamp("2026-11-24T02:10:09Zjunk"));
}

}  // namespace
}  // namespace yarrow::hunt
