// LogBeginner and the process-wide log. Test: tests/logger/test_logger.cpp
#include <twisted/logger/log_beginner.h>

#include <iostream>
#include <utility>

#include <twisted/logger/format.h>
#include <twisted/logger/logger.h>

namespace twisted::logger {

namespace {
constexpr std::string_view kMoreThanOnceWarning =
    "Warning: primary log target selected twice at <{fileNow}:{lineNow}> - previously selected "
    "at <{fileThen}:{lineThen}>.  Remove one of the calls to beginLoggingTo.";
}  // namespace

// The observer that stands in before logging begins. Shared with the
// publisher's copy of the lambda, so it outlives its removal.
struct LogBeginner::Buffering {
  Buffering(std::ostream& errorStream, std::size_t size) : errors(errorStream), history(size) {}

  void operator()(const LogEvent& event) {
    history(event);
    if (!isErrorEvent(event)) return;
    std::string text = eventAsText(event, /*includeTraceback=*/true, /*includeTimestamp=*/false,
                                   /*includeSystem=*/false);
    if (text.empty()) return;
    std::lock_guard<std::mutex> lock(writeMutex);
    errors << text << '\n';
    errors.flush();
  }

  std::ostream& errors;
  std::mutex writeMutex;
  LimitedHistoryLogObserver history;
};

LogBeginner::LogBeginner(LogPublisher& publisher, std::ostream& errorStream,
                         std::size_t initialBufferSize)
    : publisher_(publisher), errorStream_(errorStream), initialBufferSize_(initialBufferSize) {
  std::lock_guard<std::mutex> lock(mutex_);
  startBufferingLocked();
}

LogBeginner::~LogBeginner() {
  ObserverHandle handle;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    handle = std::exchange(bufferingHandle_, {});
  }
  publisher_.removeObserver(handle);
}

void LogBeginner::startBufferingLocked() {
  buffering_ = std::make_shared<Buffering>(errorStream_, initialBufferSize_);
  bufferingHandle_ = publisher_.addObserver(
      [buffering = buffering_](const LogEvent& event) { (*buffering)(event); });
}

std::vector<ObserverHandle> LogBeginner::beginLoggingTo(std::vector<LogObserver> observers,
                                                        bool discardBuffer,
                                                        std::source_location where) {
  std::vector<ObserverHandle> handles;
  std::shared_ptr<Buffering> buffering;
  ObserverHandle bufferingHandle;
  std::string previousFile;
  std::uint_least32_t previousLine = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const LogObserver& observer : observers) {
      handles.push_back(publisher_.addObserver(observer));
      begunObservers_.push_back(handles.back());
    }
    buffering = std::exchange(buffering_, nullptr);
    bufferingHandle = std::exchange(bufferingHandle_, {});
    previousFile = std::exchange(previousFile_, where.file_name());
    previousLine = std::exchange(previousLine_, where.line());
  }
  if (buffering) {
    // The new observers are already registered, so nothing published from
    // now on is lost; an event racing with this call on another thread may
    // be seen twice (once live, once replayed).
    publisher_.removeObserver(bufferingHandle);
    if (!discardBuffer) {
      // Through a private publisher, so a throwing observer is reported to
      // the others instead of aborting the replay.
      LogPublisher replay;
      for (LogObserver& observer : observers)
        replay.addObserver(std::move(observer));
      buffering->history.replayTo([&replay](const LogEvent& event) { replay(event); });
    }
  } else {
    Logger log("twisted.logger._global", [this](const LogEvent& event) { publisher_(event); });
    log.warn(kMoreThanOnceWarning, field("fileNow", where.file_name()),
             field("lineNow", where.line()), field("fileThen", previousFile),
             field("lineThen", previousLine));
  }
  return handles;
}

bool LogBeginner::begun() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return buffering_ == nullptr;
}

void LogBeginner::reset() {
  std::vector<ObserverHandle> added;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    added = std::exchange(begunObservers_, {});
    previousFile_.clear();
    previousLine_ = 0;
    if (buffering_)
      buffering_->history.clear();
    else
      startBufferingLocked();
  }
  for (ObserverHandle handle : added)
    publisher_.removeObserver(handle);
}

namespace {

// Created together, so that events are buffered from the very first one, and
// never destroyed, so that logging from static destructors stays safe.
struct Globals {
  LogPublisher publisher;
  LogBeginner beginner{publisher, std::cerr};
};

Globals& globals() {
  static Globals* instance = new Globals();
  return *instance;
}

}  // namespace

LogPublisher& globalLogPublisher() {
  return globals().publisher;
}

LogBeginner& globalLogBeginner() {
  return globals().beginner;
}

namespace detail {
void resetGlobalLogging() {
  globalLogBeginner().reset();
}
}  // namespace detail

}  // namespace twisted::logger
