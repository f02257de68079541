// twisted.python.log, the legacy API. Mirrors the cases of Twisted's
// test_log.py that apply: msg/err events, logging contexts and
// callWithLogger, observers, startLogging and its buffering, text of events,
// FileLogObserver, and logging from many threads.
#include <twisted/python/log.h>  // first: the header is self-contained

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <twisted/logger.h>
#include <twisted/python/logfile.h>
#include <twisted/testing/event_logging_observer.h>

namespace twisted::python::log {
namespace {

using logger::LogEvent;
using logger::LogLevel;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr const char* kTimestamp = R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4})";

// ECMAScript regex (gtest's own MatchesRegex lacks \d on POSIX).
bool matches(const std::string& text, const std::string& pattern) {
  return std::regex_match(text, std::regex(pattern));
}

// Every test starts and ends with the process-wide log as at startup.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { logger::detail::resetGlobalLogging(); }
  void TearDown() override { logger::detail::resetGlobalLogging(); }
};

class Named : public ILoggingContext {
 public:
  explicit Named(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string logPrefix() const override {
    ++calls;
    return prefix_;
  }
  mutable int calls = 0;

 private:
  std::string prefix_;
};

class Buggy : public ILoggingContext {
 public:
  std::string logPrefix() const override { throw std::runtime_error("no prefix"); }
};

// msg() publishes an info event with the message, system "-" and no error
// (test_log.LogTests.testObservation).
TEST_F(LogTest, MsgEvent) {
  testing::EventLoggingObserver logs;
  const double before = logger::detail::currentTime();
  msg("hello world");
  ASSERT_EQ(logs.size(), 1u);
  LogEvent e = logs[0];
  EXPECT_THAT(e.message, ElementsAre("hello world"));
  EXPECT_FALSE(e.isError);
  EXPECT_EQ(e.system, "-");
  EXPECT_EQ(e.level, LogLevel::info);
  EXPECT_EQ(e.logNamespace, "log_legacy");
  EXPECT_GE(e.time, before);
  EXPECT_EQ(textFromEventDict(e), "hello world");
}

// msg() with fields carries them (Twisted's msg(message, **kw)).
TEST_F(LogTest, MsgWithFields) {
  testing::EventLoggingObserver logs;
  msg("with fields", {logger::field("port", 8080), logger::field("host", "localhost")});
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(*logs[0].get<std::int64_t>("port"), 8080);
  EXPECT_EQ(*logs[0].get<std::string>("host"), "localhost");
  EXPECT_EQ(textFromEventDict(logs[0]), "with fields");
}

// The system is the current context's logPrefix(); scopes nest and restore;
// logPrefix() is only called when something is logged
// (test_log.LogTests.test_callWithLogger-ish context behaviour).
TEST_F(LogTest, LoggingContextScopes) {
  testing::EventLoggingObserver logs;
  Named outer("Outer,1"), inner("Inner,2");
  EXPECT_EQ(currentLoggingContext(), nullptr);
  {
    LoggingContextScope a(&outer);
    EXPECT_EQ(outer.calls, 0);  // lazy
    msg("in outer");
    {
      LoggingContextScope b(&inner);
      EXPECT_EQ(currentLoggingContext(), &inner);
      msg("in inner");
      LoggingContextScope none(nullptr);
      msg("in none");
    }
    msg("outer again");
  }
  msg("outside");
  EXPECT_EQ(currentLoggingContext(), nullptr);
  std::vector<std::string> systems;
  for (const LogEvent& e : logs.events())
    systems.push_back(e.system);
  EXPECT_THAT(systems, ElementsAre("Outer,1", "Inner,2", "-", "Outer,1", "-"));
  EXPECT_EQ(outer.calls, 2);
}

// Contexts are per thread.
TEST_F(LogTest, LoggingContextIsPerThread) {
  testing::EventLoggingObserver logs;
  Named here("here");
  LoggingContextScope scope(&here);
  std::thread([] { msg("other thread"); }).join();
  msg("this thread");
  auto events = logs.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].system, "-");
  EXPECT_EQ(events[1].system, "here");
}

// A logPrefix() that throws gives "(buggy logPrefix method)".
TEST_F(LogTest, BuggyLogPrefix) {
  testing::EventLoggingObserver logs;
  Buggy buggy;
  LoggingContextScope scope(&buggy);
  msg("still logged");
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].system, "(buggy logPrefix method)");
}

// err(failure, why) logs a critical isError event carrying the failure; its
// text is why + traceback (test_log.LogTests.testErrorLog).
TEST_F(LogTest, ErrWithFailureAndWhy) {
  testing::EventLoggingObserver logs;
  Failure f(std::runtime_error("boom"));
  err(f, "while testing");
  ASSERT_EQ(logs.size(), 1u);
  LogEvent e = logs[0];
  EXPECT_TRUE(e.isError);
  EXPECT_EQ(e.level, LogLevel::critical);
  ASSERT_TRUE(e.failure.has_value());
  EXPECT_TRUE(*e.failure == f);
  EXPECT_EQ(e.why, "while testing");
  EXPECT_TRUE(e.message.empty());
  EXPECT_EQ(textFromEventDict(e), "while testing\n" + f.getTraceback());
}

// Without why the text starts with "Unhandled Error".
TEST_F(LogTest, ErrWithoutWhy) {
  testing::EventLoggingObserver logs;
  err(Failure(std::logic_error("no reason")));
  ASSERT_EQ(logs.size(), 1u);
  std::string text = textFromEventDict(logs[0]);
  EXPECT_THAT(text, StartsWith("Unhandled Error\nTraceback (most recent call last):\n"
                               "Failure: std::logic_error: no reason\n"));
}

// err(exception_ptr) wraps it, recording where err() was called.
TEST_F(LogTest, ErrWithExceptionPtr) {
  testing::EventLoggingObserver logs;
  const unsigned line = __LINE__ + 1;
  err(std::make_exception_ptr(std::out_of_range("range")), "why");
  ASSERT_EQ(logs.size(), 1u);
  ASSERT_TRUE(logs[0].failure.has_value());
  EXPECT_EQ(logs[0].failure->typeName(), "std::out_of_range");
  EXPECT_EQ(logs[0].failure->where().line(), line);
  EXPECT_EQ(logs[0].why, "why");
}

// err(why) inside a catch block logs the exception being handled; outside
// one it logs why itself as an error (Twisted: err(None) / err("text")).
TEST_F(LogTest, ErrWithWhyOnly) {
  testing::EventLoggingObserver logs;
  try {
    throw std::runtime_error("current one");
  } catch (...) {
    err("caught it");
  }
  err("no exception here");
  auto errors = logs.flushLoggedErrors();
  ASSERT_EQ(errors.size(), 2u);
  ASSERT_TRUE(errors[0].failure.has_value());
  EXPECT_EQ(errors[0].failure->getErrorMessage(), "current one");
  EXPECT_EQ(errors[0].why, "caught it");
  EXPECT_FALSE(errors[1].failure.has_value());
  EXPECT_TRUE(errors[1].isError);
  EXPECT_EQ(textFromEventDict(errors[1]), "no exception here");
}

// callWithLogger runs f with the context and arguments; an exception is
// logged with that system and not propagated (test_log.test_callWithLogger).
TEST_F(LogTest, CallWithLogger) {
  testing::EventLoggingObserver logs;
  Named proto("PoetryProtocol,0,127.0.0.1");
  int sum = 0;
  callWithLogger(
      proto,
      [&](int a, int b) {
        sum = a + b;
        msg("inside");
      },
      40, 2);
  EXPECT_EQ(sum, 42);
  EXPECT_NO_THROW(callWithLogger(proto, [] { throw std::runtime_error("bad poem"); }));
  EXPECT_EQ(currentLoggingContext(), nullptr);
  auto events = logs.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].system, "PoetryProtocol,0,127.0.0.1");
  EXPECT_TRUE(events[1].isError);
  EXPECT_EQ(events[1].system, "PoetryProtocol,0,127.0.0.1");
  EXPECT_THAT(textFromEventDict(events[1]), StartsWith("Unhandled Error\n"));
  EXPECT_THAT(textFromEventDict(events[1]), HasSubstr("std::runtime_error: bad poem"));
}

// Observers added with addObserver see legacy and structured events; after
// removeObserver they see nothing; unknown handles are ignored.
TEST_F(LogTest, AddAndRemoveObserver) {
  std::vector<std::string> texts;
  ObserverHandle h = addObserver([&](const LogEvent& e) { texts.push_back(textFromEventDict(e)); });
  msg("legacy");
  logger::Logger("structured").info("new {style}", logger::field("style", "style"));
  removeObserver(h);
  removeObserver(h);
  removeObserver(ObserverHandle{123456});
  msg("unseen");
  EXPECT_THAT(texts, ElementsAre("legacy", "new style"));
}

// textFromEventDict: structured format, message parts, and "" for an event
// without text (Twisted returns None).
TEST_F(LogTest, TextFromEventDict) {
  LogEvent structured;
  structured.format = "{a}+{b}";
  structured.fields = {logger::field("a", 1), logger::field("b", 2)};
  EXPECT_EQ(textFromEventDict(structured), "1+2");
  LogEvent parts;
  parts.message = {"several", "parts"};
  EXPECT_EQ(textFromEventDict(parts), "several parts");
  EXPECT_EQ(textFromEventDict(LogEvent{}), "");
}

// startLogging(stream): "Log opened." as a classic line, then messages;
// events logged before it are replayed first (test_log.StartLoggingTests).
TEST_F(LogTest, StartLoggingReplaysAndWritesLines) {
  std::ostringstream out;
  msg("before start");
  ObserverHandle h = startLogging(out);
  msg("two\nlines");
  Named ctx("Ctx");
  {
    LoggingContextScope scope(&ctx);
    msg("with system");
  }
  removeObserver(h);
  msg("after stop");
  std::istringstream in(out.str());
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  ASSERT_EQ(lines.size(), 5u) << out.str();
  const std::string ts = kTimestamp;
  EXPECT_TRUE(matches(lines[0], ts + R"( \[-\] before start)")) << lines[0];
  EXPECT_TRUE(matches(lines[1], ts + R"( \[-\] Log opened\.)")) << lines[1];
  EXPECT_TRUE(matches(lines[2], ts + R"( \[-\] two)")) << lines[2];
  EXPECT_EQ(lines[3], "\tlines");
  EXPECT_TRUE(matches(lines[4], ts + R"( \[Ctx\] with system)")) << lines[4];
}

// An error logged after startLogging is written with its traceback, each
// continuation line tabbed.
TEST_F(LogTest, StartLoggingWritesErrors) {
  std::ostringstream out;
  ObserverHandle h = startLogging(out);
  err(Failure(std::runtime_error("written"), std::source_location()), "it failed");
  removeObserver(h);
  EXPECT_THAT(out.str(), HasSubstr("] it failed\n\tTraceback (most recent call last):\n\t"
                                   "Failure: std::runtime_error: written\n\t\n"));
}

// Structured events get "{namespace}#{level}" as their system in the text.
TEST_F(LogTest, StartLoggingStructuredSystem) {
  std::ostringstream out;
  ObserverHandle h = startLogging(out);
  logger::Logger("app.Server").warn("careful");
  removeObserver(h);
  EXPECT_THAT(out.str(), HasSubstr(" [app.Server#warn] careful\n"));
}

// startLogging(LogFile) writes the same lines through the log file.
TEST_F(LogTest, StartLoggingToLogFile) {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("twisted_test_log_" + std::to_string(::getpid()) + "_" +
                                   std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  fs::create_directories(dir);
  {
    LogFile file("app.log", dir);
    ObserverHandle h = startLogging(file);
    msg("into the file");
    removeObserver(h);
    std::vector<std::string> lines = file.getCurrentLog().readLines(10);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_THAT(lines[0], HasSubstr("[-] Log opened.\n"));
    EXPECT_THAT(lines[1], HasSubstr("[-] into the file\n"));
  }
  fs::remove_all(dir);
}

// Calling startLogging twice warns that the primary target was selected twice.
TEST_F(LogTest, StartLoggingTwiceWarns) {
  std::ostringstream first, second;
  ObserverHandle a = startLogging(first);
  ObserverHandle b = startLogging(second);
  removeObserver(a);
  removeObserver(b);
  EXPECT_THAT(first.str(), HasSubstr("Warning: primary log target selected twice at <"));
}

// startLoggingWithObserver begins logging to any observer.
TEST_F(LogTest, StartLoggingWithObserver) {
  std::vector<std::string> texts;
  ObserverHandle h =
      startLoggingWithObserver([&](const LogEvent& e) { texts.push_back(textFromEventDict(e)); });
  msg("x");
  removeObserver(h);
  EXPECT_THAT(texts, ElementsAre("Log opened.", "x"));
}

// The seed's customization step: subclass FileLogObserver, override emit.
class UpperCaseObserver : public FileLogObserver {
 public:
  using FileLogObserver::FileLogObserver;
  ~UpperCaseObserver() override { stop(); }
  void emit(const LogEvent& event) override {
    std::string text = textFromEventDict(event);
    for (char& c : text)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    write(text + "\n");
  }
};

TEST_F(LogTest, FileLogObserverSubclass) {
  std::ostringstream out;
  {
    UpperCaseObserver observer(out);
    observer.start();
    observer.start();  // no-op
    msg("shout");
    observer.stop();
    msg("silent");
  }
  EXPECT_EQ(out.str(), "SHOUT\n");
}

// The base FileLogObserver writes classic lines; timeFormat is adjustable.
TEST_F(LogTest, FileLogObserverDefaultEmit) {
  std::ostringstream out;
  FileLogObserver observer(out);
  EXPECT_EQ(observer.timeFormat(), "%Y-%m-%dT%H:%M:%S%z");
  observer.setTimeFormat("TIME");
  EXPECT_EQ(observer.formatTime(0), "TIME");
  observer.start();
  Named ctx("Sys");
  LoggingContextScope scope(&ctx);
  msg("a\nb");
  observer.stop();
  EXPECT_EQ(out.str(), "TIME [Sys] a\n\tb\n");
}

// A log file that cannot be written (here /dev/full: ENOSPC) drops the
// observer with one line on stderr; logging goes on without it.
TEST_F(LogTest, FileLogObserverDropsItselfWhenWritingFails) {
  std::unique_ptr<LogFile> full = LogFile::fromFullPath("/dev/full");
  FileLogObserver observer(*full);
  observer.start();
  ::testing::internal::CaptureStderr();
  EXPECT_NO_THROW(msg("a"));
  EXPECT_NO_THROW(msg("b"));
  std::string captured = ::testing::internal::GetCapturedStderr();
  observer.stop();
  EXPECT_THAT(captured, StartsWith("twisted.python.log.FileLogObserver: cannot write the log ("));
  EXPECT_THAT(captured, HasSubstr("No space left on device"));
  EXPECT_EQ(std::count(captured.begin(), captured.end(), '\n'), 1);
}

// Before logging begins, errors are echoed to stderr so nothing is lost.
TEST_F(LogTest, ErrorsBeforeStartLoggingGoToStderr) {
  ::testing::internal::CaptureStderr();
  msg("not echoed");
  err(Failure(std::runtime_error("echoed")), "early failure");
  std::string captured = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(captured, StartsWith("early failure\n\tTraceback (most recent call last):\n\t"
                                   "Failure: std::runtime_error: echoed\n"));
  EXPECT_THAT(captured, Not(HasSubstr("not echoed")));
}

// Many threads logging at once: every message arrives exactly once, each
// line whole, with the system of the thread's own context.
TEST_F(LogTest, MultiThreadedLogging) {
  std::ostringstream out;
  testing::EventLoggingObserver logs;
  ObserverHandle h = startLogging(out);
  constexpr int kThreads = 4, kMessages = 300;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([t] {
      Named ctx("worker" + std::to_string(t));
      LoggingContextScope scope(&ctx);
      for (int i = 0; i < kMessages; ++i) {
        if (i % 50 == 0)
          err(Failure(std::runtime_error("e" + std::to_string(i))), "periodic");
        else
          msg("m " + std::to_string(t) + " " + std::to_string(i));
      }
    });
  for (auto& t : threads)
    t.join();
  removeObserver(h);
  EXPECT_EQ(logs.size(), static_cast<std::size_t>(kThreads * kMessages + 1));  // + Log opened.
  EXPECT_EQ(logs.flushLoggedErrors().size(), static_cast<std::size_t>(kThreads * kMessages / 50));
  const std::regex msgRe(std::string(kTimestamp) + R"( \[worker(\d)\] m (\d) (\d+))");
  std::istringstream in(out.str());
  std::set<std::string> seen;
  int messages = 0;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, msgRe)) continue;
    EXPECT_EQ(m[1], m[2]) << line;
    EXPECT_TRUE(seen.insert(m[2].str() + " " + m[3].str()).second) << line;
    ++messages;
  }
  EXPECT_EQ(messages, kThreads * (kMessages - kMessages / 50));
}

}  // namespace
}  // namespace twisted::python::log
