// LogEvent helpers. Test: tests/logger/test_logger.cpp
#include <twisted/logger/log_event.h>

#include <chrono>
#include <sstream>

namespace twisted::logger {

namespace detail {

std::string streamToString(const void* object, void (*write)(std::ostream&, const void*)) {
  std::ostringstream out;
  write(out, object);
  return std::move(out).str();
}

double currentTime() noexcept {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace detail

const LogValue* LogEvent::find(std::string_view name) const noexcept {
  for (const LogField& f : fields)
    if (f.name == name) return &f.value;
  return nullptr;
}

void LogEvent::set(std::string name, LogValue value) {
  for (LogField& f : fields)
    if (f.name == name) {
      f.value = std::move(value);
      return;
    }
  fields.push_back(LogField{std::move(name), std::move(value)});
}

bool isErrorEvent(const LogEvent& event) noexcept {
  return event.isError || event.failure.has_value() || event.level >= LogLevel::error;
}

}  // namespace twisted::logger
