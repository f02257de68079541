// Event formatting. Test: tests/logger/test_logger.cpp
#include <twisted/logger/format.h>

#include <cmath>
#include <ctime>
#include <vector>

#include <fmt/args.h>
#include <fmt/format.h>

namespace twisted::logger {

namespace {

std::string joinMessage(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i != 0) out += ' ';
    out += parts[i];
  }
  return out;
}

// Python-repr-like quoting, so an "Unable to format event" line shows where
// a string starts and ends.
std::string quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "'";
}

std::string valueRepr(const LogValue& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return quoted(*s);
  return valueText(value);
}

template <class T>
void pushNamed(fmt::dynamic_format_arg_store<fmt::format_context>& store, const std::string& name,
               const T& value) {
  store.push_back(fmt::arg(name.c_str(), value));
}

}  // namespace

std::string valueText(const LogValue& value) {
  return std::visit([](const auto& v) { return fmt::format("{}", v); }, value);
}

std::string formatWithFields(std::string_view format, const LogEvent& event) {
  fmt::dynamic_format_arg_store<fmt::format_context> store;
  store.reserve(event.fields.size() + 5, event.fields.size() + 5);
  for (const LogField& f : event.fields)
    std::visit([&](const auto& v) { pushNamed(store, f.name, v); }, f.value);
  // The event's own keys, for formats such as Twisted's "{log_failure}".
  // Pushed after the caller's fields, so a field of the same name wins.
  // Only when named: most formats do not, and these cost a few copies.
  if (format.find("{log_") != std::string_view::npos) {
    pushNamed(store, "log_namespace", event.logNamespace);
    pushNamed(store, "log_level", std::string(levelName(event.level)));
    pushNamed(store, "log_system", formatSystem(event));
    pushNamed(store, "log_failure", event.failure ? event.failure->str() : std::string("None"));
  }
  if (format.find("{why") != std::string_view::npos) pushNamed(store, "why", event.why);
  return fmt::vformat(fmt::string_view(format.data(), format.size()), store);
}

std::string eventRepr(const LogEvent& event) {
  std::vector<std::string> items;
  items.push_back("'log_namespace': " + quoted(event.logNamespace));
  items.push_back(fmt::format("'log_level': {}", levelName(event.level)));
  if (!event.system.empty()) items.push_back("'log_system': " + quoted(event.system));
  if (!event.format.empty()) items.push_back("'log_format': " + quoted(event.format));
  items.push_back(fmt::format("'log_time': {}", event.time));
  if (!event.message.empty()) {
    std::string parts;
    for (const std::string& p : event.message)
      parts += (parts.empty() ? "" : ", ") + quoted(p);
    items.push_back("'message': (" + parts + ")");
  }
  if (event.isError) items.push_back("'isError': 1");
  if (!event.why.empty()) items.push_back("'why': " + quoted(event.why));
  if (event.failure) items.push_back("'log_failure': " + event.failure->repr());
  for (const LogField& f : event.fields)
    items.push_back(quoted(f.name) + ": " + valueRepr(f.value));
  return "{" + fmt::format("{}", fmt::join(items, ", ")) + "}";
}

std::string formatEvent(const LogEvent& event) {
  if (!event.message.empty()) return joinMessage(event.message);
  if (event.format.empty()) return {};
  try {
    return formatWithFields(event.format, event);
  } catch (const std::exception& e) {
    return fmt::format("Unable to format event {}: {}", eventRepr(event), e.what());
  } catch (...) {
    return fmt::format("Unable to format event {}: unknown error", eventRepr(event));
  }
}

std::string formatTime(double when, std::string_view timeFormat) {
  if (timeFormat.empty() || !std::isfinite(when)) return "-";
  const auto seconds = static_cast<std::time_t>(std::floor(when));
  std::tm local{};
  if (localtime_r(&seconds, &local) == nullptr) return "-";
  const std::string pattern(timeFormat);
  // strftime returns 0 both for "too small" and for an empty result, so
  // grow a few times and then give up rather than loop forever.
  for (std::size_t size = 64; size <= 4096; size *= 4) {
    std::string out(size, '\0');
    std::size_t n = std::strftime(out.data(), out.size(), pattern.c_str(), &local);
    if (n != 0) {
      out.resize(n);
      return out;
    }
  }
  return {};
}

std::string formatSystem(const LogEvent& event) {
  if (!event.system.empty()) return event.system;
  return fmt::format("{}#{}", event.logNamespace.empty() ? "-" : event.logNamespace,
                     levelName(event.level));
}

std::string eventText(const LogEvent& event, bool includeTraceback) {
  if (!event.message.empty()) return joinMessage(event.message);
  if (event.failure) {
    std::string head = !event.why.empty() ? event.why : formatEvent(event);
    if (head.empty()) head = "Unhandled Error";
    if (!includeTraceback) return head;
    return head + "\n" + event.failure->getTraceback();
  }
  return formatEvent(event);
}

std::string eventAsText(const LogEvent& event, bool includeTraceback, bool includeTimestamp,
                        bool includeSystem, std::string_view timeFormat) {
  std::string text = eventText(event, includeTraceback);
  if (text.empty()) return text;
  std::string out;
  if (includeTimestamp) {
    out += formatTime(event.time, timeFormat);
    out += ' ';
  }
  if (includeSystem) {
    out += '[';
    out += formatSystem(event);
    out += "] ";
  }
  out.reserve(out.size() + text.size());
  for (char c : text) {
    out += c;
    if (c == '\n') out += '\t';
  }
  return out;
}

std::string formatEventAsClassicLogText(const LogEvent& event, std::string_view timeFormat) {
  std::string text = eventAsText(event, true, true, true, timeFormat);
  if (!text.empty()) text += '\n';
  return text;
}

}  // namespace twisted::logger
