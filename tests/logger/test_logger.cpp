// twisted::logger. Mirrors the cases of Twisted's twisted/logger/test/
// (test_levels, test_logger, test_observer, test_format, test_file,
// test_buffer, test_global, test_filter) and of EventLoggingObserver's
// tests that apply to C++.
#include <twisted/logger.h>  // first: the umbrella header is self-contained
#include <twisted/testing/event_logging_observer.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <ext/stdio_filebuf.h>

#include <atomic>
#include <cmath>
#include <ctime>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace twisted::logger {
namespace {

using python::Failure;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Formats local time in a fixed zone for the duration of a test. POSIX TZ
// strings like "EST5" need no tz database.
class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const char* tz) {
    if (const char* old = ::getenv("TZ")) previous_ = old;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~ScopedTimeZone() {
    if (previous_)
      ::setenv("TZ", previous_->c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }

 private:
  std::optional<std::string> previous_;
};

// Collects what an observer receives.
struct Collector {
  std::vector<LogEvent> events;
  LogObserver observer() {
    return [this](const LogEvent& e) { events.push_back(e); };
  }
};

LogEvent eventWith(std::string format, std::vector<LogField> fields = {}) {
  LogEvent e;
  e.format = std::move(format);
  e.fields = std::move(fields);
  return e;
}

// --- LogLevel ----------------------------------------------------------------

// Levels are ordered and named as in Twisted; levelWithName inverts levelName.
TEST(LogLevel, OrderAndNames) {
  EXPECT_LT(LogLevel::debug, LogLevel::info);
  EXPECT_LT(LogLevel::info, LogLevel::warn);
  EXPECT_LT(LogLevel::warn, LogLevel::error);
  EXPECT_LT(LogLevel::error, LogLevel::critical);
  for (LogLevel l :
       {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error, LogLevel::critical})
    EXPECT_EQ(levelWithName(levelName(l)), l);
  EXPECT_EQ(levelName(LogLevel::warn), "warn");
}

// An unknown name raises InvalidLogLevelError; an out-of-range value is "-".
TEST(LogLevel, InvalidLevels) {
  EXPECT_THROW(levelWithName("Info"), InvalidLogLevelError);
  EXPECT_THROW(levelWithName("warning"), InvalidLogLevelError);
  EXPECT_EQ(levelName(static_cast<LogLevel>(17)), "-");
  EXPECT_FALSE(isValidLevel(static_cast<LogLevel>(-1)));
}

// --- fields and events -------------------------------------------------------

struct Point {
  int x, y;
  friend std::ostream& operator<<(std::ostream& out, const Point& p) {
    return out << "(" << p.x << ", " << p.y << ")";
  }
};
enum class Color { red = 3 };

// field() maps C++ values onto the LogValue alternatives.
TEST(LogField, Conversions) {
  EXPECT_EQ(field("b", true).value, LogValue(true));
  EXPECT_EQ(field("i", -5).value, LogValue(std::int64_t{-5}));
  EXPECT_EQ(field("u", 5u).value, LogValue(std::uint64_t{5}));
  EXPECT_EQ(field("z", std::size_t{7}).value, LogValue(std::uint64_t{7}));
  EXPECT_EQ(field("d", 0.5).value, LogValue(0.5));
  EXPECT_EQ(field("f", 1.5f).value, LogValue(1.5));
  EXPECT_EQ(field("c", 'q').value, LogValue(std::string("q")));
  EXPECT_EQ(field("s", "lit").value, LogValue(std::string("lit")));
  EXPECT_EQ(field("s", std::string("str")).value, LogValue(std::string("str")));
  EXPECT_EQ(field("s", std::string_view("sv")).value, LogValue(std::string("sv")));
  const char* null = nullptr;
  EXPECT_EQ(field("n", null).value, LogValue(std::string("(null)")));
  EXPECT_EQ(field("l", LogLevel::error).value, LogValue(std::string("error")));
  EXPECT_EQ(field("e", Color::red).value, LogValue(std::int64_t{3}));
  EXPECT_EQ(field("p", Point{1, 2}).value, LogValue(std::string("(1, 2)")));
  EXPECT_EQ(field("v", LogValue(2.0)).value, LogValue(2.0));
}

// find/get/set work on the named fields.
TEST(LogEvent, FieldAccess) {
  LogEvent e = eventWith("", {field("n", 5), field("s", "x")});
  ASSERT_NE(e.find("n"), nullptr);
  EXPECT_EQ(e.find("missing"), nullptr);
  ASSERT_NE(e.get<std::int64_t>("n"), nullptr);
  EXPECT_EQ(*e.get<std::int64_t>("n"), 5);
  EXPECT_EQ(e.get<std::string>("n"), nullptr);
  e.set("n", std::int64_t{6});
  e.set("new", true);
  EXPECT_EQ(*e.get<std::int64_t>("n"), 6);
  EXPECT_EQ(e.fields.size(), 3u);
}

// Error events: isError, a failure, or a level of error and above.
TEST(LogEvent, IsErrorEvent) {
  LogEvent e;
  EXPECT_FALSE(isErrorEvent(e));
  e.level = LogLevel::warn;
  EXPECT_FALSE(isErrorEvent(e));
  e.level = LogLevel::error;
  EXPECT_TRUE(isErrorEvent(e));
  LogEvent f;
  f.isError = true;
  EXPECT_TRUE(isErrorEvent(f));
  LogEvent g;
  g.failure = Failure(std::runtime_error("x"));
  EXPECT_TRUE(isErrorEvent(g));
}

// --- formatting --------------------------------------------------------------

// formatEvent renders {name} fields; {{ and }} escape braces; format specs
// work (test_format.FormattingTests).
TEST(Format, FormatEvent) {
  EXPECT_EQ(formatEvent(eventWith("{n} connections from {peer}",
                                  {field("n", 5), field("peer", "10.0.0.1")})),
            "5 connections from 10.0.0.1");
  EXPECT_EQ(formatEvent(eventWith("{{literal}} {x}", {field("x", 1)})), "{literal} 1");
  EXPECT_EQ(formatEvent(eventWith("[{s:>5}] {d:.2f} {b}",
                                  {field("s", "ab"), field("d", 3.14159), field("b", true)})),
            "[   ab] 3.14 true");
  EXPECT_EQ(formatEvent(eventWith("{n} and {n}", {field("n", 2)})), "2 and 2");
  EXPECT_EQ(formatEvent(eventWith("no fields")), "no fields");
}

// An event without a format has no text (Twisted: log_format None gives "").
TEST(Format, MissingFormatIsEmpty) {
  EXPECT_EQ(formatEvent(LogEvent{}), "");
  EXPECT_EQ(formatEvent(eventWith("", {field("n", 1)})), "");
}

// Legacy events render their message parts joined with spaces, and braces
// in them are not format syntax.
TEST(Format, LegacyMessageParts) {
  LogEvent e;
  e.message = {"a {b}", "c"};
  EXPECT_EQ(formatEvent(e), "a {b} c");
}

// An unformattable event says so and shows the event, instead of throwing
// (test_format.test_formatUnformattableEvent).
TEST(Format, UnformattableEvent) {
  std::string missing = formatEvent(eventWith("{nope} here", {field("n", 1)}));
  EXPECT_THAT(missing, StartsWith("Unable to format event {"));
  EXPECT_THAT(missing, HasSubstr("'log_format': '{nope} here'"));
  EXPECT_THAT(missing, HasSubstr("'n': 1"));
  EXPECT_THAT(formatEvent(eventWith("{s:d}", {field("s", "text")})),
              StartsWith("Unable to format event"));
  EXPECT_THAT(formatEvent(eventWith("unbalanced {")), StartsWith("Unable to format event"));
  EXPECT_THAT(formatEvent(eventWith("positional {}")), StartsWith("Unable to format event"));
}

// The event's own keys can be named in formats; caller fields win.
TEST(Format, BuiltinKeys) {
  LogEvent e = eventWith("{log_namespace}/{log_level}/{log_system}");
  e.logNamespace = "my.ns";
  e.level = LogLevel::warn;
  EXPECT_EQ(formatEvent(e), "my.ns/warn/my.ns#warn");
  e.system = "sys";
  EXPECT_EQ(formatEvent(e), "my.ns/warn/sys");
  LogEvent shadowed = eventWith("{log_namespace}", {field("log_namespace", "mine")});
  EXPECT_EQ(formatEvent(shadowed), "mine");
  LogEvent failing = eventWith("failed: {log_failure}");
  failing.failure = Failure(std::runtime_error("boom"), std::source_location());
  EXPECT_EQ(formatEvent(failing),
            "failed: [Failure instance: Traceback (failure with no frames): "
            "std::runtime_error: boom\n]");
}

// formatTime uses local time and strftime; an empty format gives "-".
TEST(Format, FormatTime) {
  {
    ScopedTimeZone utc("UTC0");
    EXPECT_EQ(formatTime(0), "1970-01-01T00:00:00+0000");
    EXPECT_EQ(formatTime(1.75), "1970-01-01T00:00:01+0000");
    EXPECT_EQ(formatTime(86400 * 365, "%Y/%m/%d"), "1971/01/01");
  }
  {
    ScopedTimeZone est("EST5");
    EXPECT_EQ(formatTime(0), "1969-12-31T19:00:00-0500");
  }
  EXPECT_EQ(formatTime(0, ""), "-");
}

// System text: log_system if set, else "{namespace}#{level}".
TEST(Format, FormatSystem) {
  LogEvent e;
  e.logNamespace = "a.b";
  e.level = LogLevel::error;
  EXPECT_EQ(formatSystem(e), "a.b#error");
  e.logNamespace.clear();
  EXPECT_EQ(formatSystem(e), "-#error");
  e.system = "Proto,1,127.0.0.1";
  EXPECT_EQ(formatSystem(e), "Proto,1,127.0.0.1");
}

// eventAsText: timestamp, [system], text with continuation lines tabbed.
TEST(Format, EventAsText) {
  ScopedTimeZone utc("UTC0");
  LogEvent e = eventWith("line one\nline two");
  e.time = 60;
  e.logNamespace = "ns";
  EXPECT_EQ(eventAsText(e), "1970-01-01T00:01:00+0000 [ns#info] line one\n\tline two");
  EXPECT_EQ(eventAsText(e, true, false, true), "[ns#info] line one\n\tline two");
  EXPECT_EQ(eventAsText(e, true, true, false), "1970-01-01T00:01:00+0000 line one\n\tline two");
  EXPECT_EQ(eventAsText(e, true, false, false), "line one\n\tline two");
  EXPECT_EQ(eventAsText(LogEvent{}), "");
}

// An event with a failure: its text, a newline and the traceback; without
// text, "Unhandled Error" (textFromEventDict / eventAsText).
TEST(Format, EventTextWithFailure) {
  Failure f(std::runtime_error("bad"), std::source_location());
  LogEvent e = eventWith("while {doing}", {field("doing", "reading")});
  e.failure = f;
  EXPECT_EQ(eventText(e), "while reading\n" + f.getTraceback());
  EXPECT_EQ(eventText(e, false), "while reading");
  LogEvent bare;
  bare.failure = f;
  EXPECT_EQ(eventText(bare), "Unhandled Error\n" + f.getTraceback());
  bare.why = "the reason";
  EXPECT_EQ(eventText(bare), "the reason\n" + f.getTraceback());
  EXPECT_EQ(eventAsText(bare, true, false, false),
            "the reason\n\tTraceback (most recent call last):\n\tFailure: std::runtime_error: "
            "bad\n\t");
}

// A classic log line ends with a newline; an event with no text gives "".
TEST(Format, ClassicLogText) {
  ScopedTimeZone utc("UTC0");
  LogEvent e = eventWith("hello {who}", {field("who", "world")});
  e.time = 1;
  e.logNamespace = "greeter";
  EXPECT_EQ(formatEventAsClassicLogText(e),
            "1970-01-01T00:00:01+0000 [greeter#info] hello world\n");
  EXPECT_EQ(formatEventAsClassicLogText(e, "%H"), "00 [greeter#info] hello world\n");
  EXPECT_EQ(formatEventAsClassicLogText(LogEvent{}), "");
}

// --- Logger ------------------------------------------------------------------

// Each level method emits one event with the namespace, level, format,
// fields and a time (test_logger.LoggerTests.test_basicLogger).
TEST(Logger, EmitsStructuredEvents) {
  Collector c;
  Logger log("my.Thing", c.observer());
  EXPECT_EQ(log.logNamespace(), "my.Thing");
  const double before = detail::currentTime();
  log.debug("d");
  log.info("{n} connections from {peer}", field("n", 5), field("peer", "10.0.0.1"));
  log.warn("w");
  log.error("e");
  log.critical("c");
  const double after = detail::currentTime();
  ASSERT_EQ(c.events.size(), 5u);
  std::vector<LogLevel> levels;
  for (const LogEvent& e : c.events) {
    levels.push_back(e.level);
    EXPECT_EQ(e.logNamespace, "my.Thing");
    EXPECT_GE(e.time, before);
    EXPECT_LE(e.time, after);
    EXPECT_TRUE(e.system.empty());
    EXPECT_FALSE(e.isError);
    EXPECT_FALSE(e.failure.has_value());
  }
  EXPECT_THAT(levels, ElementsAre(LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error,
                                  LogLevel::critical));
  const LogEvent& info = c.events[1];
  EXPECT_EQ(info.format, "{n} connections from {peer}");
  EXPECT_EQ(formatEvent(info), "5 connections from 10.0.0.1");
  EXPECT_EQ(*info.get<std::int64_t>("n"), 5);
}

// Without an observer a Logger publishes on the global bus.
TEST(Logger, DefaultsToGlobalPublisher) {
  testing::EventLoggingObserver logs;
  Logger("global.test").info("to the {what}", field("what", "bus"));
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].logNamespace, "global.test");
  EXPECT_EQ(formatEvent(logs[0]), "to the bus");
}

// failure() attaches the Failure at critical by default, or at a given level,
// or captures the current exception (test_logger.test_logFailure).
TEST(Logger, Failure) {
  Collector c;
  Logger log("f", c.observer());
  Failure f(std::runtime_error("kaboom"));
  log.failure("while {op}", f, field("op", "reading"));
  log.failure("quietly", f, LogLevel::warn);
  try {
    throw std::logic_error("current");
  } catch (...) {
    log.failure("caught");
  }
  ASSERT_EQ(c.events.size(), 3u);
  EXPECT_EQ(c.events[0].level, LogLevel::critical);
  EXPECT_TRUE(c.events[0].isError);
  ASSERT_TRUE(c.events[0].failure.has_value());
  EXPECT_TRUE(*c.events[0].failure == f);
  EXPECT_THAT(eventText(c.events[0]), StartsWith("while reading\nTraceback"));
  EXPECT_EQ(c.events[1].level, LogLevel::warn);
  EXPECT_EQ(c.events[2].failure->getErrorMessage(), "current");
  EXPECT_THROW(log.failure("no exception"), python::NoCurrentExceptionError);
}

// emit() with an invalid level logs an InvalidLogLevelError failure instead
// (test_logger.test_logInvalidLogLevel).
TEST(Logger, InvalidLevelLogsFailure) {
  Collector c;
  Logger log("bad", c.observer());
  log.emit(static_cast<LogLevel>(42), "never");
  ASSERT_EQ(c.events.size(), 1u);
  const LogEvent& e = c.events[0];
  EXPECT_EQ(e.level, LogLevel::critical);
  ASSERT_TRUE(e.failure.has_value());
  EXPECT_TRUE(e.failure->check<InvalidLogLevelError>());
  EXPECT_EQ(formatEvent(e), "Got invalid log level 42 in bad.");
}

// emitEvent() keeps an explicit namespace and time.
TEST(Logger, EmitEvent) {
  Collector c;
  Logger log("default.ns", c.observer());
  LogEvent e = eventWith("x");
  e.time = 12;
  e.system = "custom";
  log.emitEvent(e);
  log.emitEvent(eventWith("y"));
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[0].time, 12);
  EXPECT_EQ(c.events[0].system, "custom");
  EXPECT_EQ(c.events[0].logNamespace, "default.ns");
  EXPECT_GT(c.events[1].time, 0);
}

// --- LogPublisher ------------------------------------------------------------

// Every observer gets every event; removed ones get nothing more; an unknown
// handle is ignored (test_observer.LogPublisherTests).
TEST(LogPublisher, FanOutAndRemove) {
  LogPublisher p;
  Collector a, b;
  ObserverHandle ha = p.addObserver(a.observer());
  p.addObserver(b.observer());
  EXPECT_EQ(p.observerCount(), 2u);
  p(eventWith("one"));
  p.removeObserver(ha);
  p.removeObserver(ha);
  p.removeObserver(ObserverHandle{});
  p.removeObserver(ObserverHandle{9999});
  p.publish(eventWith("two"));
  EXPECT_EQ(a.events.size(), 1u);
  EXPECT_EQ(b.events.size(), 2u);
  EXPECT_EQ(p.observerCount(), 1u);
}

// An empty observer is rejected (Twisted: TypeError for a non-callable).
TEST(LogPublisher, RejectsEmptyObserver) {
  LogPublisher p;
  EXPECT_THROW(p.addObserver(LogObserver{}), std::invalid_argument);
}

// An observer that throws is not removed; the others are told once per event
// with a critical "Temporarily disabling observer" event carrying the
// failure; the broken one is not sent its own report
// (test_observer.test_observerRaises).
TEST(LogPublisher, ThrowingObserverIsReportedToOthers) {
  LogPublisher p;
  int brokenCalls = 0;
  Collector good;
  p.addObserver([&](const LogEvent&) {
    ++brokenCalls;
    throw std::runtime_error("observer broke");
  });
  p.addObserver(good.observer());
  p(eventWith("first"));
  p(eventWith("second"));
  EXPECT_EQ(brokenCalls, 2);  // still registered
  EXPECT_EQ(p.observerCount(), 2u);
  ASSERT_EQ(good.events.size(), 4u);
  const LogEvent& report = good.events[1];
  EXPECT_EQ(report.level, LogLevel::critical);
  EXPECT_TRUE(report.isError);
  ASSERT_TRUE(report.failure.has_value());
  EXPECT_EQ(report.failure->getErrorMessage(), "observer broke");
  EXPECT_THAT(formatEvent(report), StartsWith("Temporarily disabling observer <observer #1> due to "
                                              "exception: [Failure instance: Traceback"));
  EXPECT_EQ(formatEvent(good.events[2]), "second");
}

// A throwing observer cannot make reports recurse: an observer that throws
// while receiving a report is ignored.
TEST(LogPublisher, ReportsDoNotRecurse) {
  LogPublisher p;
  Collector recorder;
  p.addObserver([](const LogEvent&) { throw std::runtime_error("always"); });
  p.addObserver([](const LogEvent& e) {
    if (e.logNamespace == "twisted.logger._observer") throw std::runtime_error("on reports");
  });
  p.addObserver(recorder.observer());
  p(eventWith("event"));
  ASSERT_EQ(recorder.events.size(), 2u);
  EXPECT_EQ(formatEvent(recorder.events[0]), "event");
  EXPECT_EQ(recorder.events[1].failure->getErrorMessage(), "always");
}

// Observers may log, add and remove observers (themselves included) from
// inside a call without deadlocking; the list seen by an event is the one at
// publication time.
TEST(LogPublisher, ReentrantObservers) {
  LogPublisher p;
  Collector late;
  std::vector<std::string> seen;
  ObserverHandle self;
  bool added = false;
  self = p.addObserver([&](const LogEvent& e) {
    seen.push_back(formatEvent(e));
    if (formatEvent(e) == "outer") {
      p(eventWith("nested"));  // re-entrant publish
      if (!added) {
        p.addObserver(late.observer());
        added = true;
      }
      p.removeObserver(self);  // removes itself mid-call
    }
  });
  p(eventWith("outer"));
  p(eventWith("after"));
  EXPECT_THAT(seen, ElementsAre("outer", "nested"));
  // The late observer missed "outer" and "nested" (added during them).
  ASSERT_EQ(late.events.size(), 1u);
  EXPECT_EQ(formatEvent(late.events[0]), "after");
}

// Many threads publishing at once: every observer sees every event.
TEST(LogPublisher, ConcurrentPublish) {
  LogPublisher p;
  std::atomic<int> a{0}, b{0};
  p.addObserver([&](const LogEvent&) { ++a; });
  p.addObserver([&](const LogEvent&) { ++b; });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        p(eventWith("x"));
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(a.load(), 4000);
  EXPECT_EQ(b.load(), 4000);
}

// removeObserver() returns only once a call under way on another thread has
// finished, so the observer's state may then be destroyed.
TEST(LogPublisher, RemoveWaitsForCallsInFlight) {
  LogPublisher p;
  std::atomic<bool> entered{false}, release{false}, removed{false}, removedDuringCall{false};
  ObserverHandle h = p.addObserver([&](const LogEvent&) {
    entered = true;
    while (!release)
      std::this_thread::yield();
    removedDuringCall = removed.load();
  });
  std::thread publisher([&] { p(eventWith("slow")); });
  while (!entered)
    std::this_thread::yield();
  std::thread remover([&] {
    p.removeObserver(h);
    removed = true;
  });
  // The removal has unlinked the observer (so it is under way) but must
  // still be waiting for the call in flight.
  while (p.observerCount() != 0)
    std::this_thread::yield();
  release = true;
  publisher.join();
  remover.join();
  EXPECT_FALSE(removedDuringCall.load());
  EXPECT_TRUE(removed.load());
}

// --- LimitedHistoryLogObserver -------------------------------------------------

// Keeps the last N events and replays them oldest first (test_buffer).
TEST(LimitedHistoryLogObserver, KeepsLastEvents) {
  LimitedHistoryLogObserver history(3);
  for (int i = 0; i < 5; ++i)
    history(eventWith("{i}", {field("i", i)}));
  Collector c;
  history.replayTo(c.observer());
  ASSERT_EQ(c.events.size(), 3u);
  EXPECT_EQ(formatEvent(c.events[0]), "2");
  EXPECT_EQ(formatEvent(c.events[2]), "4");
  EXPECT_EQ(history.events().size(), 3u);  // replay keeps them
  history.clear();
  EXPECT_TRUE(history.events().empty());
  LimitedHistoryLogObserver none(0);
  none(eventWith("x"));
  EXPECT_TRUE(none.events().empty());
}

// --- LogBeginner -------------------------------------------------------------

// Before beginLoggingTo: events are buffered and error events echoed to the
// error stream; after: the buffer is replayed to the new observers and
// nothing more is echoed (test_global.LogBeginnerTests).
TEST(LogBeginner, BuffersEchoesErrorsAndReplays) {
  LogPublisher p;
  std::ostringstream errors;
  LogBeginner beginner(p, errors, 200);
  Logger log("early", [&p](const LogEvent& e) { p(e); });
  log.info("quiet {n}", field("n", 1));
  log.error("loud {n}", field("n", 2));
  log.failure("failed", Failure(std::runtime_error("oops"), std::source_location()));
  EXPECT_FALSE(beginner.begun());
  EXPECT_EQ(errors.str(),
            "loud 2\nfailed\n\tTraceback (most recent call last):\n\tFailure: "
            "std::runtime_error: oops\n\t\n");
  Collector c;
  auto handles = beginner.beginLoggingTo({c.observer()});
  EXPECT_TRUE(beginner.begun());
  EXPECT_EQ(handles.size(), 1u);
  ASSERT_EQ(c.events.size(), 3u);
  EXPECT_EQ(formatEvent(c.events[0]), "quiet 1");
  EXPECT_EQ(formatEvent(c.events[1]), "loud 2");
  const std::string echoed = errors.str();
  log.error("after begin");
  EXPECT_EQ(errors.str(), echoed);
  ASSERT_EQ(c.events.size(), 4u);
  EXPECT_EQ(p.observerCount(), 1u);  // only c: the buffer is gone
}

// The buffer holds the last N events only; discardBuffer skips the replay.
TEST(LogBeginner, BufferLimitAndDiscard) {
  LogPublisher p;
  std::ostringstream errors;
  LogBeginner beginner(p, errors, 5);
  for (int i = 0; i < 12; ++i)
    p(eventWith("{i}", {field("i", i)}));
  Collector c;
  beginner.beginLoggingTo({c.observer()});
  ASSERT_EQ(c.events.size(), 5u);
  EXPECT_EQ(formatEvent(c.events.front()), "7");
  EXPECT_EQ(formatEvent(c.events.back()), "11");

  LogPublisher p2;
  LogBeginner discarding(p2, errors, 5);
  p2(eventWith("lost"));
  Collector d;
  discarding.beginLoggingTo({d.observer()}, /*discardBuffer=*/true);
  EXPECT_TRUE(d.events.empty());
}

// A second beginLoggingTo adds its observers and warns, naming both call
// sites (test_global.test_beginLoggingToTwice).
TEST(LogBeginner, BeginTwiceWarns) {
  LogPublisher p;
  std::ostringstream errors;
  LogBeginner beginner(p, errors);
  Collector first, second;
  beginner.beginLoggingTo({first.observer()});
  const unsigned line = __LINE__ + 1;
  beginner.beginLoggingTo({second.observer()});
  ASSERT_EQ(first.events.size(), 1u);
  EXPECT_EQ(first.events[0].level, LogLevel::warn);
  const std::string text = formatEvent(first.events[0]);
  EXPECT_THAT(text, StartsWith("Warning: primary log target selected twice at <"));
  EXPECT_THAT(text, HasSubstr("test_logger.cpp:" + std::to_string(line) + "> - previously"));
  EXPECT_EQ(second.events.size(), 1u);
}

// reset() removes the observers beginLoggingTo added and buffers again.
TEST(LogBeginner, Reset) {
  LogPublisher p;
  std::ostringstream errors;
  LogBeginner beginner(p, errors);
  Collector c;
  beginner.beginLoggingTo({c.observer()});
  beginner.reset();
  EXPECT_FALSE(beginner.begun());
  p(eventWith("buffered again"));
  EXPECT_TRUE(c.events.empty());
  Collector d;
  beginner.beginLoggingTo({d.observer()});
  ASSERT_EQ(d.events.size(), 1u);  // no "selected twice" warning after reset
  EXPECT_EQ(formatEvent(d.events[0]), "buffered again");
}

// A throwing observer does not abort the replay of the buffer.
TEST(LogBeginner, ThrowingObserverDuringReplay) {
  LogPublisher p;
  std::ostringstream errors;
  LogBeginner beginner(p, errors);
  p(eventWith("a"));
  p(eventWith("b"));
  Collector c;
  beginner.beginLoggingTo({[](const LogEvent&) { throw std::runtime_error("x"); }, c.observer()});
  // Two events plus a report for each.
  ASSERT_EQ(c.events.size(), 4u);
  EXPECT_EQ(formatEvent(c.events[2]), "b");
}

// --- FileLogObserver ---------------------------------------------------------

// textFileLogObserver writes classic lines and skips events without text
// (test_file.FileLogObserverTests).
TEST(FileLogObserver, TextFileLogObserver) {
  ScopedTimeZone utc("UTC0");
  std::ostringstream out;
  LogPublisher p;
  p.addObserver(textFileLogObserver(out));
  LogEvent e = eventWith("hello");
  e.time = 0;
  e.logNamespace = "n";
  p(e);
  p(LogEvent{});
  EXPECT_EQ(out.str(), "1970-01-01T00:00:00+0000 [n#info] hello\n");
}

// A custom formatter and a writer sink.
TEST(FileLogObserver, WriterAndFormatter) {
  std::string written;
  int flushes = 0;
  FileLogObserver observer(
      [&](std::string_view s) { written += s; }, [&] { ++flushes; },
      [](const LogEvent& e) { return e.format.empty() ? "" : e.format + ";"; });
  observer(eventWith("a"));
  observer(LogEvent{});
  observer(eventWith("b"));
  EXPECT_EQ(written, "a;b;");
  EXPECT_EQ(flushes, 2);
  EXPECT_THROW(FileLogObserver(nullptr, nullptr, [](const LogEvent&) { return std::string(); }),
               std::invalid_argument);
}

// A stream whose reader went away (a pipe closed at the other end, as with
// `twist chat | head -n 1`): the first failed write prints one line on
// stderr and the observer drops every later event, so nothing is reported
// per event and the process lives on.
TEST(FileLogObserver, DropsItselfWhenTheStreamFails) {
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &previous), 0);  // as `twist` does
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ::close(fds[0]);
  {
    __gnu_cxx::stdio_filebuf<char> buf(fds[1], std::ios::out);
    std::ostream out(&buf);
    LogPublisher p;
    Collector others;
    p.addObserver(textFileLogObserver(out));
    p.addObserver(others.observer());
    ::testing::internal::CaptureStderr();
    for (int i = 0; i < 3; ++i)
      p(eventWith("line"));
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(err,
              "twisted.logger.FileLogObserver: cannot write the log (Broken pipe); dropping this "
              "observer\n");
    // No "Temporarily disabling observer" reports: only the three events.
    EXPECT_EQ(others.events.size(), 3u);
  }
  ::sigaction(SIGPIPE, &previous, nullptr);
}

// A writer that throws (a LogFile on a full disk) is dropped the same way.
TEST(FileLogObserver, DropsItselfWhenTheWriterThrows) {
  int writes = 0;
  FileLogObserver observer(
      [&](std::string_view) {
        ++writes;
        throw std::runtime_error("disk full");
      },
      nullptr, [](const LogEvent& e) { return e.format; });
  ::testing::internal::CaptureStderr();
  EXPECT_NO_THROW(observer(eventWith("a")));
  EXPECT_NO_THROW(observer(eventWith("b")));
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "twisted.logger.FileLogObserver: cannot write the log (disk full); dropping this "
            "observer\n");
  EXPECT_EQ(writes, 1);
}

// Lines written from several threads never interleave.
TEST(FileLogObserver, ConcurrentWritersDoNotInterleave) {
  std::ostringstream out;
  LogPublisher p;
  p.addObserver(textFileLogObserver(out));
  constexpr int kThreads = 4, kLines = 250;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      Logger log("thread" + std::to_string(t), [&p](const LogEvent& e) { p(e); });
      for (int i = 0; i < kLines; ++i)
        log.info("message {t}-{i}", field("t", t), field("i", i));
    });
  for (auto& t : threads)
    t.join();
  const std::regex lineRe(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} \[thread(\d)#info\] message (\d)-(\d+))");
  std::istringstream in(out.str());
  std::set<std::string> seen;
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, lineRe)) << line;
    EXPECT_EQ(m[1], m[2]);
    EXPECT_TRUE(seen.insert(m[2].str() + "-" + m[3].str()).second) << "duplicate " << line;
    ++count;
  }
  EXPECT_EQ(count, kThreads * kLines);
}

// --- filtering ---------------------------------------------------------------

// Levels are looked up by namespace hierarchy (test_filter.test_logLevelForNamespace).
TEST(LogLevelFilterPredicate, HierarchicalLevels) {
  LogLevelFilterPredicate pred(LogLevel::warn);
  EXPECT_EQ(pred.logLevelForNamespace("any"), LogLevel::warn);
  pred.setLogLevelForNamespace("twisted", LogLevel::error);
  pred.setLogLevelForNamespace("twisted.web", LogLevel::debug);
  EXPECT_EQ(pred.logLevelForNamespace("twisted"), LogLevel::error);
  EXPECT_EQ(pred.logLevelForNamespace("twisted.internet.tcp"), LogLevel::error);
  EXPECT_EQ(pred.logLevelForNamespace("twisted.web.server"), LogLevel::debug);
  EXPECT_EQ(pred.logLevelForNamespace("twistedx"), LogLevel::warn);
  EXPECT_EQ(pred.logLevelForNamespace(""), LogLevel::warn);
  pred.setLogLevelForNamespace("", LogLevel::critical);
  EXPECT_EQ(pred.logLevelForNamespace("any"), LogLevel::critical);
  pred.clearLogLevels();
  EXPECT_EQ(pred.logLevelForNamespace("twisted.web"), LogLevel::warn);
}

// The filter forwards accepted events, sends rejected ones to the negative
// observer, and honours yes/no/maybe in order (test_filter.FilteringLogObserverTests).
TEST(FilteringLogObserver, Predicates) {
  Collector kept, dropped;
  LogLevelFilterPredicate levels(LogLevel::info);
  levels.setLogLevelForNamespace("noisy", LogLevel::error);
  auto always = [](const LogEvent& e) {
    return e.format == "vip" ? PredicateResult::yes : PredicateResult::maybe;
  };
  FilteringLogObserver filter(kept.observer(), {always, levels}, dropped.observer());
  auto ev = [](std::string ns, LogLevel level, std::string format) {
    LogEvent e = eventWith(std::move(format));
    e.logNamespace = std::move(ns);
    e.level = level;
    return e;
  };
  filter(ev("app", LogLevel::info, "a"));
  filter(ev("app", LogLevel::debug, "b"));
  filter(ev("noisy.part", LogLevel::warn, "c"));
  filter(ev("noisy.part", LogLevel::warn, "vip"));
  filter(ev("noisy", LogLevel::critical, "d"));
  std::vector<std::string> k, d;
  for (auto& e : kept.events)
    k.push_back(e.format);
  for (auto& e : dropped.events)
    d.push_back(e.format);
  EXPECT_THAT(k, ElementsAre("a", "vip", "d"));
  EXPECT_THAT(d, ElementsAre("b", "c"));
  // A copy of the predicate shares its settings.
  levels.setLogLevelForNamespace("app", LogLevel::critical);
  filter(ev("app", LogLevel::info, "e"));
  EXPECT_EQ(dropped.events.back().format, "e");
}

// --- JSON ----------------------------------------------------------------------

// A structured event survives eventAsJSON/eventFromJSON with its fields and
// their types (test_json.SaveLoadTests).
TEST(Json, RoundTripStructuredEvent) {
  LogEvent e = eventWith("{n} {u} {d} {b} {s}",
                         {field("n", -3), field("u", std::uint64_t{18446744073709551615ull}),
                          field("d", 2.0), field("b", false), field("s", "quote\" slash\\ nl\n")});
  e.time = 1700000000.25;
  e.level = LogLevel::warn;
  e.logNamespace = "app.json";
  e.system = "sys";
  LogEvent back = eventFromJSON(eventAsJSON(e));
  EXPECT_EQ(back.time, e.time);
  EXPECT_EQ(back.level, LogLevel::warn);
  EXPECT_EQ(back.logNamespace, "app.json");
  EXPECT_EQ(back.system, "sys");
  EXPECT_EQ(back.format, e.format);
  ASSERT_EQ(back.fields.size(), 5u);
  for (std::size_t i = 0; i < e.fields.size(); ++i) {
    EXPECT_EQ(back.fields[i].name, e.fields[i].name);
    EXPECT_EQ(back.fields[i].value, e.fields[i].value) << e.fields[i].name;
  }
  EXPECT_EQ(formatEvent(back), formatEvent(e));
}

// The level is written as Twisted writes it, so Twisted can read it back.
TEST(Json, TwistedShapes) {
  LogEvent e = eventWith("x");
  e.level = LogLevel::error;
  const std::string json = eventAsJSON(e);
  EXPECT_THAT(json, HasSubstr(R"("log_level": {"name": "error", "__class_uuid__": )"
                              R"("02E59486-F24D-46AD-8224-3ACDF2A5732A"})"));
  EXPECT_THAT(json, HasSubstr(R"("log_format": "x")"));
}

// An event written by Python Twisted's eventAsJSON is read, ignoring nulls
// and keeping nested objects as JSON text.
TEST(Json, ReadsTwistedOutput) {
  const char* python =
      R"({"log_namespace": "twisted.test", "log_level": {"name": "warn", "__class_uuid__": )"
      R"("02E59486-F24D-46AD-8224-3ACDF2A5732A"}, "log_format": "hello {who}", "who": )"
      R"("w\u00f6rld \ud83d\ude00", "log_time": 1700000000.5, "log_source": null, )"
      R"("log_logger": {"unpersistable": true}})";
  LogEvent e = eventFromJSON(python);
  EXPECT_EQ(e.level, LogLevel::warn);
  EXPECT_EQ(e.time, 1700000000.5);
  EXPECT_EQ(formatEvent(e), "hello w\xc3\xb6rld \xf0\x9f\x98\x80");
  EXPECT_EQ(e.find("log_source"), nullptr);
  ASSERT_NE(e.get<std::string>("log_logger"), nullptr);
  EXPECT_EQ(*e.get<std::string>("log_logger"), R"({"unpersistable": true})");
}

// Legacy keys and failures come back; a failure reports its original type.
TEST(Json, LegacyEventAndFailure) {
  LogEvent e;
  e.message = {"a", "b"};
  e.isError = true;
  e.why = "because";
  e.system = "-";
  e.failure = Failure(std::out_of_range("too far"));
  LogEvent back = eventFromJSON(eventAsJSON(e));
  EXPECT_THAT(back.message, ElementsAre("a", "b"));
  EXPECT_TRUE(back.isError);
  EXPECT_EQ(back.why, "because");
  ASSERT_TRUE(back.failure.has_value());
  EXPECT_EQ(back.failure->typeName(), "std::out_of_range");
  EXPECT_EQ(back.failure->getErrorMessage(), "too far");
  EXPECT_TRUE(back.failure->check<python::RecordedException>());
  EXPECT_EQ(back.failure->getTraceback(),
            "Traceback (most recent call last):\nFailure: std::out_of_range: too far\n");
}

// Non-finite doubles use Python's tokens; control characters are escaped.
TEST(Json, SpecialValues) {
  LogEvent e = eventWith("", {field("nan", std::nan("")), field("inf", HUGE_VAL),
                              field("ninf", -HUGE_VAL), field("ctl", std::string("\x01\t"))});
  const std::string json = eventAsJSON(e);
  EXPECT_THAT(json, HasSubstr(R"("nan": NaN, "inf": Infinity, "ninf": -Infinity)"));
  EXPECT_THAT(json, HasSubstr(R"("ctl": "\u0001\t")"));
  LogEvent back = eventFromJSON(json);
  EXPECT_TRUE(std::isnan(*back.get<double>("nan")));
  EXPECT_EQ(*back.get<double>("ninf"), -HUGE_VAL);
  EXPECT_EQ(*back.get<std::string>("ctl"), "\x01\t");
}

// An integral double of 1e15 or more stays a double when read back (found by
// fuzz_json_log_reader: 1e15 was written as "1000000000000000").
TEST(Json, LargeIntegralDoublesStayDoubles) {
  for (double d : {1e15, -1e15, 1234567890123456.0, 9007199254740992.0, 1e16, 1e300}) {
    const std::string json = eventAsJSON(eventWith("", {field("d", d)}));
    LogEvent back = eventFromJSON(json);
    ASSERT_NE(back.get<double>("d"), nullptr) << json;
    EXPECT_EQ(*back.get<double>("d"), d) << json;
  }
  EXPECT_THAT(eventAsJSON(eventWith("", {field("d", 1e15)})),
              HasSubstr(R"("d": 1000000000000000.0)"));
}

// Malformed input is rejected with invalid_argument.
TEST(Json, RejectsMalformed) {
  for (const char* bad : {"", "[]", "{", R"({"a": })", R"({"a": 1} x)", R"({"a": "\q"})",
                          R"({"log_level": {"name": "loud"}})", "{\"a\": \"\x01\"}"})
    EXPECT_THROW(eventFromJSON(bad), std::invalid_argument) << bad;
  std::string deep(100, '[');
  EXPECT_THROW(eventFromJSON("{\"a\": " + deep), std::invalid_argument);
}

// jsonFileLogObserver writes RS + JSON + "\n"; eventsFromJSONLogFile reads
// it back, reporting and skipping bad and truncated records
// (test_json.JSONLogFileTests).
TEST(Json, LogFileRoundTrip) {
  std::ostringstream out;
  FileLogObserver observer = jsonFileLogObserver(out);
  observer(eventWith("one"));
  observer(eventWith("two {n}", {field("n", 2)}));
  std::string content = out.str();
  EXPECT_EQ(content.front(), '\x1e');
  EXPECT_EQ(content.back(), '\n');
  content += "\x1e{not json}\n";
  content += "\x1e{\"log_format\": \"cut\"";  // truncated: no newline
  testing::EventLoggingObserver logs;
  std::istringstream in(content);
  std::vector<LogEvent> events = eventsFromJSONLogFile(in);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(formatEvent(events[1]), "two 2");
  auto errors = logs.flushLoggedErrors();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_THAT(formatEvent(errors[0]), StartsWith("Unable to read JSON record: {not json}"));
  EXPECT_THAT(formatEvent(errors[1]), StartsWith("Unable to read truncated JSON record: "));
}

// Without a leading RS, each line is one record; an explicit separator works.
TEST(Json, LogFileLinesAndCustomSeparator) {
  std::istringstream lines(R"({"log_format": "a"})"
                           "\n\n"
                           R"({"log_format": "b"})");
  auto events = eventsFromJSONLogFile(lines);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].format, "b");
  std::ostringstream out;
  FileLogObserver observer = jsonFileLogObserver(out, "|");
  observer(eventWith("x"));
  observer(eventWith("y"));
  std::istringstream in(out.str());
  auto custom = eventsFromJSONLogFile(in, std::string("|"));
  ASSERT_EQ(custom.size(), 2u);
  EXPECT_EQ(custom[0].format, "x");
}

// --- EventLoggingObserver ----------------------------------------------------

// Collects events while alive; flushLoggedErrors removes and returns only
// error events, optionally of given failure types.
TEST(EventLoggingObserver, CollectsAndFlushesErrors) {
  LogPublisher p;
  {
    testing::EventLoggingObserver logs(p);
    EXPECT_EQ(p.observerCount(), 1u);
    Logger log("t", [&p](const LogEvent& e) { p(e); });
    log.info("fine");
    log.failure("f1", Failure(std::runtime_error("r")));
    log.failure("f2", Failure(std::logic_error("l")));
    log.error("plain error");
    EXPECT_EQ(logs.size(), 4u);
    auto logic = logs.flushLoggedErrors<std::logic_error>();
    ASSERT_EQ(logic.size(), 1u);
    EXPECT_EQ(logic[0].format, "f2");
    auto rest = logs.flushLoggedErrors();
    ASSERT_EQ(rest.size(), 2u);
    EXPECT_EQ(rest[0].format, "f1");
    EXPECT_EQ(rest[1].format, "plain error");
    ASSERT_EQ(logs.size(), 1u);
    EXPECT_EQ(logs.events()[0].format, "fine");
    EXPECT_THROW(logs[5], std::out_of_range);
    logs.clear();
    EXPECT_EQ(logs.size(), 0u);
  }
  EXPECT_EQ(p.observerCount(), 0u);  // unregistered by its destructor
}

// Events from many threads are all recorded.
TEST(EventLoggingObserver, ThreadSafe) {
  testing::EventLoggingObserver logs;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([] {
      Logger log("threads");
      for (int i = 0; i < 500; ++i)
        log.debug("x");
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(logs.size(), 2000u);
}

}  // namespace
}  // namespace twisted::logger
