// JSON log events. Test: tests/logger/test_logger.cpp
#include <twisted/logger/json.h>

#include <charconv>
#include <cmath>
#include <istream>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include <twisted/logger/logger.h>

namespace twisted::logger {

namespace {

// Twisted's class UUIDs, so Twisted's eventFromJSON recognizes the objects.
constexpr std::string_view kLevelClassUUID = "02E59486-F24D-46AD-8224-3ACDF2A5732A";
constexpr std::string_view kFailureClassUUID = "E76887E2-20ED-49BF-A8F8-BA25CC586F2D";

constexpr std::string_view kReservedKeys[] = {
    "log_time", "log_level", "log_namespace", "log_format", "log_system", "log_failure",
    "message",  "isError",   "why",           "system",     "failure",    "time"};

bool isReserved(std::string_view key) {
  for (std::string_view reserved : kReservedKeys)
    if (key == reserved) return true;
  return false;
}

// --- writing -------------------------------------------------------------------

void appendString(std::string& out, std::string_view text) {
  out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20)
          out += fmt::format("\\u{:04x}", c);
        else
          out += static_cast<char>(c);
    }
  }
  out += '"';
}

void appendDouble(std::string& out, double d) {
  // Python's json module writes these non-standard tokens; so do we, and we
  // read them back.
  if (std::isnan(d))
    out += "NaN";
  else if (std::isinf(d))
    out += d > 0 ? "Infinity" : "-Infinity";
  else if (d == std::floor(d) && std::fabs(d) < 1e15)
    out += fmt::format("{:.1f}", d);  // keeps "2.0" a float when read back
  else {
    // The shortest form; an integral value below 1e16 has no '.' or 'e'
    // ("1000000000000000"), so add ".0" as Python does, or it reads back as
    // an integer.
    const std::string text = fmt::format("{}", d);
    out += text;
    if (text.find_first_of(".e") == std::string::npos) out += ".0";
  }
}

void appendValue(std::string& out, const LogValue& value) {
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>)
          out += v ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::string>)
          appendString(out, v);
        else if constexpr (std::is_same_v<T, double>)
          appendDouble(out, v);
        else
          out += std::to_string(v);
      },
      value);
}

class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  ~ObjectWriter() { out_ += '}'; }
  std::string& key(std::string_view name) {
    if (!first_) out_ += ", ";
    first_ = false;
    appendString(out_, name);
    out_ += ": ";
    return out_;
  }

 private:
  std::string& out_;
  bool first_ = true;
};

// --- reading -------------------------------------------------------------------

struct Json;
using JsonObject = std::vector<std::pair<std::string, Json>>;
using JsonArray = std::vector<Json>;

// A parsed JSON value; `text` keeps its source for values stored verbatim.
struct Json {
  std::variant<std::nullptr_t, bool, std::int64_t, std::uint64_t, double, std::string,
               std::shared_ptr<JsonArray>, std::shared_ptr<JsonObject>>
      value;
  std::string_view text;

  const Json* member(std::string_view name) const {
    if (const auto* object = std::get_if<std::shared_ptr<JsonObject>>(&value))
      for (const auto& [key, v] : **object)
        if (key == name) return &v;
    return nullptr;
  }
  const std::string* string() const { return std::get_if<std::string>(&value); }
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Json parseDocument() {
    Json result = parseValue(0);
    skipSpace();
    if (pos_ != text_.size()) fail("trailing data");
    return result;
  }

 private:
  static constexpr int kMaxDepth = 64;

  [[noreturn]] void fail(std::string_view what) const {
    throw std::invalid_argument(fmt::format("invalid JSON at offset {}: {}", pos_, what));
  }

  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  bool consume(std::string_view token) {
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }

  void expect(char c) {
    skipSpace();
    if (pos_ >= text_.size() || text_[pos_] != c) fail(fmt::format("expected '{}'", c));
    ++pos_;
  }

  Json parseValue(int depth) {
    if (depth > kMaxDepth) fail("nested too deeply");
    skipSpace();
    if (pos_ >= text_.size()) fail("unexpected end");
    const std::size_t start = pos_;
    Json result;
    const char c = text_[pos_];
    if (c == '{') {
      result.value = parseObject(depth);
    } else if (c == '[') {
      result.value = parseArray(depth);
    } else if (c == '"') {
      result.value = parseString();
    } else if (consume("true")) {
      result.value = true;
    } else if (consume("false")) {
      result.value = false;
    } else if (consume("null")) {
      result.value = nullptr;
    } else if (consume("NaN")) {
      result.value = std::nan("");
    } else if (consume("Infinity")) {
      result.value = HUGE_VAL;
    } else if (consume("-Infinity")) {
      result.value = -HUGE_VAL;
    } else {
      parseNumber(result);
    }
    result.text = text_.substr(start, pos_ - start);
    return result;
  }

  std::shared_ptr<JsonObject> parseObject(int depth) {
    auto object = std::make_shared<JsonObject>();
    expect('{');
    skipSpace();
    if (consume("}")) return object;
    for (;;) {
      skipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') fail("expected a key");
      std::string key = parseString();
      expect(':');
      object->emplace_back(std::move(key), parseValue(depth + 1));
      skipSpace();
      if (consume("}")) return object;
      expect(',');
    }
  }

  std::shared_ptr<JsonArray> parseArray(int depth) {
    auto array = std::make_shared<JsonArray>();
    expect('[');
    skipSpace();
    if (consume("]")) return array;
    for (;;) {
      array->push_back(parseValue(depth + 1));
      skipSpace();
      if (consume("]")) return array;
      expect(',');
    }
  }

  unsigned parseHex4() {
    if (pos_ + 4 > text_.size()) fail("short \\u escape");
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, value, 16);
    if (ec != std::errc() || end != text_.data() + pos_ + 4) fail("bad \\u escape");
    pos_ += 4;
    return value;
  }

  static void appendUtf8(std::string& out, unsigned cp) {
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

  std::string parseString() {
    ++pos_;  // the opening quote
    std::string out;
    for (;;) {
      if (pos_ >= text_.size()) fail("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) fail("unterminated escape");
      switch (const char e = text_[pos_++]) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = parseHex4();
          if (cp >= 0xD800 && cp < 0xDC00 && consume("\\u")) {
            const unsigned low = parseHex4();
            if (low < 0xDC00 || low >= 0xE000) fail("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          appendUtf8(out, cp);
          break;
        }
        default:
          fail(fmt::format("bad escape '\\{}'", e));
      }
    }
  }

  void parseNumber(Json& result) {
    const std::size_t start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    bool isFloat = false;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c >= '0' && c <= '9') {
        ++pos_;
      } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
        isFloat = true;
        ++pos_;
      } else {
        break;
      }
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (first == last || (last - first == 1 && *first == '-')) fail("unexpected character");
    if (!isFloat) {
      std::int64_t i = 0;
      if (auto [end, ec] = std::from_chars(first, last, i); ec == std::errc() && end == last) {
        result.value = i;
        return;
      }
      std::uint64_t u = 0;
      if (auto [end, ec] = std::from_chars(first, last, u); ec == std::errc() && end == last) {
        result.value = u;
        return;
      }
    }
    double d = 0;
    auto [end, ec] = std::from_chars(first, last, d);
    if (ec != std::errc() || end != last) fail("bad number");
    result.value = d;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

std::optional<LogValue> jsonToLogValue(const Json& json) {
  return std::visit(
      [&json](const auto& v) -> std::optional<LogValue> {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>)
          return std::nullopt;
        else if constexpr (std::is_same_v<T, std::shared_ptr<JsonArray>> ||
                           std::is_same_v<T, std::shared_ptr<JsonObject>>)
          return LogValue(std::string(json.text));
        else
          return LogValue(v);
      },
      json.value);
}

std::string textOf(const Json& json) {
  if (const std::string* s = json.string()) return *s;
  return std::string(json.text);
}

std::optional<double> numberOf(const Json& json) {
  if (const auto* d = std::get_if<double>(&json.value)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&json.value)) return static_cast<double>(*i);
  if (const auto* u = std::get_if<std::uint64_t>(&json.value)) return static_cast<double>(*u);
  return std::nullopt;
}

bool truthy(const Json& json) {
  if (const auto* b = std::get_if<bool>(&json.value)) return *b;
  if (auto n = numberOf(json)) return *n != 0;
  return false;
}

python::Failure failureFromJSON(const Json& json) {
  std::string typeName = "Exception";
  std::string message;
  if (const Json* type = json.member("type"))
    if (const Json* name = type->member("__name__")) typeName = textOf(*name);
  if (const Json* value = json.member("value")) message = textOf(*value);
  return python::Failure(
      std::make_exception_ptr(python::RecordedException(std::move(typeName), message)),
      std::source_location());
}

}  // namespace

std::string eventAsJSON(const LogEvent& event) {
  std::string out;
  {
    ObjectWriter object(out);
    appendDouble(object.key("log_time"), event.time);
    {
      ObjectWriter level(object.key("log_level"));
      appendString(level.key("name"), levelName(event.level));
      appendString(level.key("__class_uuid__"), kLevelClassUUID);
    }
    appendString(object.key("log_namespace"), event.logNamespace);
    if (!event.format.empty()) appendString(object.key("log_format"), event.format);
    if (!event.system.empty()) appendString(object.key("log_system"), event.system);
    if (event.failure) {
      ObjectWriter failure(object.key("log_failure"));
      {
        ObjectWriter type(failure.key("type"));
        appendString(type.key("__module__"), "");
        appendString(type.key("__name__"), event.failure->typeName());
      }
      appendString(failure.key("value"), event.failure->getErrorMessage());
      appendString(failure.key("traceback"), event.failure->getTraceback());
      appendString(failure.key("__class_uuid__"), kFailureClassUUID);
    }
    if (!event.message.empty()) {
      std::string& array = object.key("message");
      array += '[';
      for (std::size_t i = 0; i < event.message.size(); ++i) {
        if (i != 0) array += ", ";
        appendString(array, event.message[i]);
      }
      array += ']';
    }
    if (event.isError) object.key("isError") += "1";
    if (!event.why.empty()) appendString(object.key("why"), event.why);
    for (const LogField& f : event.fields)
      if (!isReserved(f.name)) appendValue(object.key(f.name), f.value);
  }
  return out;
}

LogEvent eventFromJSON(std::string_view json) {
  const Json document = Parser(json).parseDocument();
  const auto* object = std::get_if<std::shared_ptr<JsonObject>>(&document.value);
  if (object == nullptr) throw std::invalid_argument("a JSON log event must be an object");
  LogEvent event;
  bool haveSystem = false, haveFailure = false;
  for (const auto& [key, value] : **object) {
    if (key == "log_time" || key == "time") {
      if (auto t = numberOf(value); t && (key == "log_time" || event.time == 0)) event.time = *t;
    } else if (key == "log_level") {
      const Json* name = value.member("name");
      event.level = levelWithName(name != nullptr ? textOf(*name) : textOf(value));
    } else if (key == "log_namespace") {
      event.logNamespace = textOf(value);
    } else if (key == "log_format") {
      if (value.string() != nullptr) event.format = *value.string();
    } else if (key == "log_system" || (key == "system" && !haveSystem)) {
      if (value.string() != nullptr) event.system = *value.string();
      haveSystem = haveSystem || key == "log_system";
    } else if (key == "log_failure" || (key == "failure" && !haveFailure)) {
      if (value.member("type") != nullptr || value.member("value") != nullptr)
        event.failure = failureFromJSON(value);
      haveFailure = haveFailure || key == "log_failure";
    } else if (key == "message") {
      if (const auto* parts = std::get_if<std::shared_ptr<JsonArray>>(&value.value))
        for (const Json& part : **parts)
          event.message.push_back(textOf(part));
    } else if (key == "isError") {
      event.isError = truthy(value);
    } else if (key == "why") {
      if (value.string() != nullptr) event.why = *value.string();
    } else if (auto v = jsonToLogValue(value)) {
      event.fields.push_back(LogField{key, std::move(*v)});
    }
  }
  if (event.failure) event.isError = true;
  return event;
}

FileLogObserver jsonFileLogObserver(std::ostream& out, std::string_view recordSeparator) {
  return FileLogObserver(out, [separator = std::string(recordSeparator)](const LogEvent& event) {
    return separator + eventAsJSON(event) + "\n";
  });
}

std::vector<LogEvent> eventsFromJSONLogFile(std::istream& in,
                                            std::optional<std::string> recordSeparator) {
  const std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const Logger log("twisted.logger._json");
  std::vector<LogEvent> events;
  auto read = [&](std::string_view record) {
    try {
      events.push_back(eventFromJSON(record));
    } catch (const std::exception&) {
      log.error("Unable to read JSON record: {record}", field("record", record));
    }
  };
  const std::string separator =
      recordSeparator ? *recordSeparator
                      : (!content.empty() && content.front() == '\x1e' ? std::string("\x1e") : "");
  if (separator.empty()) {
    // One record per line.
    std::size_t start = 0;
    while (start < content.size()) {
      std::size_t end = content.find('\n', start);
      if (end == std::string::npos) end = content.size();
      std::string_view line(content.data() + start, end - start);
      if (line.find_first_not_of(" \t\r") != std::string_view::npos) read(line);
      start = end + 1;
    }
    return events;
  }
  std::size_t start = 0;
  while (start <= content.size()) {
    std::size_t end = content.find(separator, start);
    if (end == std::string::npos) end = content.size();
    std::string_view record(content.data() + start, end - start);
    if (!record.empty()) {
      // A record cut short (e.g. by a crash mid-write) lacks its newline.
      if (record.back() != '\n')
        log.error("Unable to read truncated JSON record: {record}", field("record", record));
      else
        read(record);
    }
    start = end + separator.size();
  }
  return events;
}

}  // namespace twisted::logger
