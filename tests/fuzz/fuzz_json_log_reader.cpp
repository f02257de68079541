// libFuzzer target: the JSON log reader, eventsFromJSONLogFile(), which
// reads files written by someone else. The input (served by a stream buffer
// in fuzz-chosen chunks) is split into records by a reference splitter;
// then, in order:
//  - a record eventFromJSON() reads is an event (any other record must be
//    rejected with std::invalid_argument, as documented),
//  - a record it rejects is reported once as "Unable to read JSON record",
//  - a record cut short (a separator but no final newline) is reported once
//    as "Unable to read truncated JSON record",
// and nothing else is logged or thrown. Every event read round-trips:
// eventAsJSON() reads back to an equal event, and a file written by
// jsonFileLogObserver() reads back to the same events with no errors.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/logger/json.h>
#include <twisted/logger/log_beginner.h>
#include <twisted/logger/log_event.h>
#include <twisted/logger/log_publisher.h>

#include "fuzz_input.h"

namespace {

using twisted::logger::LogEvent;
using twisted::logger::LogField;
using twisted::logger::LogValue;

// Serves the chunks one underflow() at a time (empty chunks are skipped).
class ChunkedBuf : public std::streambuf {
 public:
  explicit ChunkedBuf(std::vector<std::string_view> chunks) : chunks_(std::move(chunks)) {}

 protected:
  int_type underflow() override {
    while (next_ < chunks_.size() && chunks_[next_].empty())
      ++next_;
    if (next_ == chunks_.size()) return traits_type::eof();
    std::string_view c = chunks_[next_++];
    char* p = const_cast<char*>(c.data());
    setg(p, p, p + c.size());
    return traits_type::to_int_type(*p);
  }

 private:
  std::vector<std::string_view> chunks_;
  std::size_t next_ = 0;
};

// The reader's error reports, as "E<record>" / "T<record>".
std::vector<std::string>* reports = nullptr;

void observe(const LogEvent& event) {
  if (reports == nullptr) return;
  if (event.logNamespace != "twisted.logger._json") {
    reports->push_back("?" + event.format);
    return;
  }
  std::string record;
  for (const LogField& f : event.fields)
    if (f.name == "record")
      if (const auto* s = std::get_if<std::string>(&f.value)) record = *s;
  if (event.format == "Unable to read JSON record: {record}")
    reports->push_back("E" + record);
  else if (event.format == "Unable to read truncated JSON record: {record}")
    reports->push_back("T" + record);
  else
    reports->push_back("?" + event.format);
}

// What eventsFromJSONLogFile should make of `content`: "V<record>" for a
// record to read, "T<record>" for a truncated one.
std::vector<std::string> split(std::string_view content,
                               const std::optional<std::string>& recordSeparator) {
  std::string sep =
      recordSeparator ? *recordSeparator : (content.starts_with('\x1e') ? std::string("\x1e") : "");
  std::vector<std::string> records;
  if (sep.empty()) {
    while (!content.empty()) {
      auto end = content.find('\n');
      std::string_view line = content.substr(0, end);
      if (line.find_first_not_of(" \t\r") != std::string_view::npos)
        records.push_back("V" + std::string(line));
      if (end == std::string_view::npos) break;
      content.remove_prefix(end + 1);
    }
    return records;
  }
  for (;;) {
    auto end = content.find(sep);
    std::string_view record = content.substr(0, end);
    if (!record.empty())
      records.push_back((record.ends_with('\n') ? "V" : "T") + std::string(record));
    if (end == std::string_view::npos) break;
    content.remove_prefix(end + sep.size());
  }
  return records;
}

// The keys eventAsJSON() writes itself (a field named like one is left out).
bool reserved(std::string_view name) {
  for (std::string_view r :
       {"log_time", "log_level", "log_namespace", "log_format", "log_system", "log_failure",
        "message", "isError", "why", "system", "failure", "time"})
    if (name == r) return true;
  return false;
}

bool sameDouble(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

bool sameValue(const LogValue& a, const LogValue& b) {
  if (a.index() != b.index()) return false;
  if (const auto* d = std::get_if<double>(&a)) return sameDouble(*d, std::get<double>(b));
  return a == b;
}

// `back` is `event` written by eventAsJSON() and read back.
bool roundTripped(const LogEvent& event, const LogEvent& back) {
  if (!sameDouble(event.time, back.time) || event.level != back.level ||
      event.logNamespace != back.logNamespace || event.format != back.format ||
      event.system != back.system || event.message != back.message ||
      event.isError != back.isError || event.why != back.why ||
      event.failure.has_value() != back.failure.has_value())
    return false;
  if (event.failure && (event.failure->typeName() != back.failure->typeName() ||
                        event.failure->getErrorMessage() != back.failure->getErrorMessage()))
    return false;
  std::vector<const LogField*> fields;
  for (const LogField& f : event.fields)
    if (!reserved(f.name)) fields.push_back(&f);
  if (fields.size() != back.fields.size()) return false;
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (fields[i]->name != back.fields[i].name ||
        !sameValue(fields[i]->value, back.fields[i].value))
      return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // No echo of the reader's error reports to stderr; our observer sees them.
  static const bool begun = [] {
    twisted::logger::globalLogBeginner().beginLoggingTo({}, true);
    twisted::logger::globalLogPublisher().addObserver(observe);
    return true;
  }();
  twisted_fuzz::check(begun);

  twisted_fuzz::FuzzInput in(data, size);
  std::optional<std::string> separator;
  switch (in.byte() % 4) {
    case 0:
      break;  // detected: RS if the input starts with one, else lines
    case 1:
      separator = "\x1e";
      break;
    case 2:
      separator = "|";
      break;
    default:
      separator = "";  // lines
  }
  std::uint8_t seed = in.byte();
  std::string_view content = in.rest();

  std::vector<std::string> got;
  reports = &got;
  ChunkedBuf buf(twisted_fuzz::chunk(content, seed));
  std::istream stream(&buf);
  std::vector<LogEvent> events;
  try {
    events = twisted::logger::eventsFromJSONLogFile(stream, separator);
  } catch (...) {
    twisted_fuzz::check(false);  // nothing escapes
  }
  reports = nullptr;

  // The same records, one at a time.
  std::vector<std::string> expected;
  std::vector<LogEvent> expectedEvents;
  for (const std::string& r : split(content, separator)) {
    std::string_view record = std::string_view(r).substr(1);
    if (r[0] == 'T') {
      expected.push_back(r);
      continue;
    }
    try {
      expectedEvents.push_back(twisted::logger::eventFromJSON(record));
    } catch (const std::invalid_argument&) {
      expected.push_back("E" + std::string(record));
    } catch (...) {
      twisted_fuzz::check(false);  // only invalid_argument is documented
    }
  }
  twisted_fuzz::check(got == expected);
  twisted_fuzz::check(events.size() == expectedEvents.size());
  for (std::size_t i = 0; i < events.size(); ++i)
    twisted_fuzz::check(twisted::logger::eventAsJSON(events[i]) ==
                        twisted::logger::eventAsJSON(expectedEvents[i]));

  // Round trips: one event, then a whole file.
  std::ostringstream file;
  auto observer = twisted::logger::jsonFileLogObserver(file);
  for (const LogEvent& event : events) {
    std::string json = twisted::logger::eventAsJSON(event);
    LogEvent back;
    try {
      back = twisted::logger::eventFromJSON(json);
    } catch (...) {
      twisted_fuzz::check(false);  // what we write, we read
    }
    twisted_fuzz::check(roundTripped(event, back));
    twisted_fuzz::check(twisted::logger::eventAsJSON(back) == json);
    observer(event);
  }
  std::vector<std::string> errors;
  reports = &errors;
  std::istringstream again(file.str());
  std::vector<LogEvent> reread = twisted::logger::eventsFromJSONLogFile(again);
  reports = nullptr;
  twisted_fuzz::check(errors.empty());
  twisted_fuzz::check(reread.size() == events.size());
  for (std::size_t i = 0; i < reread.size(); ++i)
    twisted_fuzz::check(roundTripped(events[i], reread[i]));
  return 0;
}
