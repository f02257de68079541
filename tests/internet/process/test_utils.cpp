// twisted.internet.utils (getProcessOutput, getProcessValue,
// getProcessOutputAndValue) on every reactor backend, against real programs:
// stdout, errortoo, the stderr errback and its processEnded, exit codes
// 0..255, deaths by signal, stdin bytes, a big output, env and path, a
// missing executable. Twisted's own: twisted/test/test_iutils.py.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/utils.h>
#include <twisted/logger/log_event.h>
#include <twisted/python/log.h>

#include "internet/reactor_fixture.h"

namespace {

using namespace twisted::internet;
using twisted::python::Failure;
namespace utils = twisted::internet::utils;

class UtilsTest : public testing_internal::RealReactorTest {
 protected:
  // Runs the reactor until `d` has fired; its result, or its Failure.
  template <class T>
  std::variant<T, Failure> wait(defer::Deferred<T> d) {
    std::optional<std::variant<T, Failure>> result;
    d.addCallbacks([&](T v) { result.emplace(std::in_place_index<0>, std::move(v)); },
                   [&](Failure f) { result.emplace(std::in_place_index<1>, std::move(f)); });
    spinUntil([&] { return result.has_value(); }, 60);
    return std::move(*result);
  }
  template <class T>
  T value(defer::Deferred<T> d) {
    auto res = wait(std::move(d));
    if (auto* f = std::get_if<Failure>(&res)) {
      ADD_FAILURE() << "errback: " << f->getErrorMessage();
      return T{};
    }
    return std::get<0>(std::move(res));
  }
  template <class T>
  Failure failure(defer::Deferred<T> d) {
    auto res = wait(std::move(d));
    if (auto* f = std::get_if<Failure>(&res)) return *f;
    ADD_FAILURE() << "callback instead of errback";
    return Failure(std::runtime_error("no failure"));
  }
  // processEnded's Deferred<void>: its Failure.
  Failure failure(defer::Deferred<void> d) {
    return failure(d.addCallback([] { return 0; }));
  }
};

std::vector<std::string> sh(std::string script) {
  return {"-c", std::move(script)};
}

TEST_P(UtilsTest, OutputIsStdoutAndArgv0IsTheExecutable) {
  EXPECT_EQ(value(utils::getProcessOutput("/bin/sh", sh("printf '%s|' \"$0\" \"$@\"; exit 3"), {},
                                          {}, *r)),
            "/bin/sh|");
  EXPECT_EQ(value(utils::getProcessOutput("/bin/echo", {"a", "b c"}, {}, {}, *r)), "a b c\n");
}

TEST_P(UtilsTest, OutputAfterDeathBySignalIsStillTheOutput) {
  EXPECT_EQ(value(utils::getProcessOutput("/bin/sh", sh("echo hi; kill -9 $$"), {}, {}, *r)),
            "hi\n");
}

TEST_P(UtilsTest, ErrortooCollectsStderrToo) {
  // The same bytes on both: the order of two pipes is not defined.
  EXPECT_EQ(
      value(utils::getProcessOutput("/bin/sh", sh("printf foo; printf foo >&2"), {}, {}, *r, true)),
      "foofoo");
}

TEST_P(UtilsTest, StderrErrbacksAndProcessEndedGivesProcessDone) {
  Failure f = failure(utils::getProcessOutput(
      "/bin/sh", sh("printf out1; printf 'it'\"'\"'s\\n\\001' >&2"), {}, {}, *r));
  ASSERT_TRUE(f.check<utils::UnexpectedErrorOutput>()) << f.getErrorMessage();
  ASSERT_TRUE(f.check<std::runtime_error>());
  const auto* e = f.valueAs<utils::UnexpectedErrorOutput>();
  EXPECT_EQ(e->text, "it's\n\x01");
  EXPECT_EQ(f.getErrorMessage(), "got stderr: b\"it's\\n\\x01\"");
  // stdout that came before stderr: all of it or none (two pipes: no order).
  EXPECT_TRUE(e->output.empty() || e->output == "out1") << e->output;
  auto ended = e->processEnded;
  Failure endReason = failure(ended);
  EXPECT_TRUE(endReason.check<error::ProcessDone>()) << endReason.getErrorMessage();
}

TEST_P(UtilsTest, StderrClosesThePipesSoAWritingChildDiesOfSIGPIPE) {
  // After its stderr the child waits for EOF on stdin (the pipes closing),
  // then writes to stdout until it dies.
  Failure f = failure(utils::getProcessOutput(
      "/bin/sh", sh("echo err >&2; read x; while :; do echo more; done"), {}, {}, *r));
  const auto* e = f.valueAs<utils::UnexpectedErrorOutput>();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->text, "err\n");
  auto ended = e->processEnded;
  Failure endReason = failure(ended);
  const auto* t = endReason.valueAs<error::ProcessTerminated>();
  ASSERT_NE(t, nullptr) << endReason.getErrorMessage();
  EXPECT_EQ(t->signal, SIGPIPE);
}

TEST_P(UtilsTest, ValueIsTheExitCode) {
  for (int code : {0, 1, 2, 127, 128, 255})
    EXPECT_EQ(
        value(utils::getProcessValue("/bin/sh", sh("exit " + std::to_string(code)), {}, {}, *r)),
        code);
}

TEST_P(UtilsTest, ValueAfterDeathBySignalIsNone) {
  auto v = wait(utils::getProcessValue("/bin/sh", sh("kill -TERM $$"), {}, {}, *r));
  ASSERT_EQ(v.index(), 0u);
  EXPECT_FALSE(std::get<0>(v).has_value());
}

TEST_P(UtilsTest, OutputAndValue) {
  auto [out, err, code] = value(utils::getProcessOutputAndValue(
      "/bin/sh", sh("echo 'hello world!'; echo 'goodbye world!' >&2; exit 1"), {}, {}, *r));
  EXPECT_EQ(out, "hello world!\n");
  EXPECT_EQ(err, "goodbye world!\n");
  EXPECT_EQ(code, 1);
}

TEST_P(UtilsTest, OutputAndValueAfterDeathBySignalErrbacksWithOutputs) {
  Failure f = failure(utils::getProcessOutputAndValue(
      "/bin/sh", sh("echo 'stdout bytes'; echo 'stderr bytes' >&2; kill -KILL $$"), {}, {}, *r));
  const auto* e = f.valueAs<utils::ProcessEndedBySignal>();
  ASSERT_NE(e, nullptr) << f.getErrorMessage();
  EXPECT_EQ(e->out, "stdout bytes\n");
  EXPECT_EQ(e->err, "stderr bytes\n");
  EXPECT_EQ(e->signal, SIGKILL);
  EXPECT_EQ(f.getErrorMessage(), "process ended by signal 9");
}

TEST_P(UtilsTest, StdinBytesAreWrittenThenStdinClosed) {
  auto res = value(utils::getProcessOutputAndValue("/bin/cat", {}, {}, {}, *r,
                                                   std::string("These are\0 the bytes.", 21)));
  EXPECT_EQ(res.out, std::string("These are\0 the bytes.", 21));
  EXPECT_EQ(res.err, "");
  EXPECT_EQ(res.code, 0);
}

TEST_P(UtilsTest, WithoutStdinBytesStdinStaysOpen) {
  // The child ends only at EOF on stdin, which never comes while it runs:
  // the Deferred is still waiting when the timeout (not a measure, only a
  // way out) cancels it. Destroying the reactor then closes the pipe.
  Failure f =
      failure(utils::getProcessOutputAndValue("/bin/sh", sh("read x; echo never"), {}, {}, *r)
                  .addTimeout(0.3, *r));
  EXPECT_TRUE(f.check<defer::TimeoutError>()) << f.getErrorMessage();
}

TEST_P(UtilsTest, BigOutputIsByteExact) {
  // 8 MiB of a pattern from python, compared with the same pattern here.
  std::string expected(8 << 20, '\0');
  for (std::size_t i = 0; i < expected.size(); ++i)
    expected[i] = static_cast<char>((i * 7 + i / 4096) % 251);
  auto out = value(utils::getProcessOutput(
      "/usr/bin/python3",
      {"-c",
       "import sys\n"
       "n = 8 << 20\n"
       "sys.stdout.buffer.write(bytes((i * 7 + i // 4096) % 251 for i in range(n)))\n"},
      {}, {}, *r));
  EXPECT_EQ(out.size(), expected.size());
  EXPECT_TRUE(out == expected);
}

TEST_P(UtilsTest, EnvIsExactlyTheGivenOneAndEmptyByDefault) {
  EXPECT_EQ(value(utils::getProcessOutput("/usr/bin/env", {}, {}, {}, *r)), "");
  EXPECT_EQ(value(utils::getProcessOutput("/usr/bin/env", {}, {{"A", "1"}, {"B", "two"}}, {}, *r)),
            "A=1\nB=two\n");
  ::setenv("TWISTED_UTILS_TEST", "inherited", 1);
  auto out =
      value(utils::getProcessOutput("/usr/bin/env", {}, process::parentEnvironment(), {}, *r));
  EXPECT_NE(out.find("TWISTED_UTILS_TEST=inherited\n"), std::string::npos);
}

TEST_P(UtilsTest, PathIsTheWorkingDirectory) {
  EXPECT_EQ(value(utils::getProcessOutput("/bin/pwd", {}, {}, "/usr/lib", *r)), "/usr/lib\n");
  EXPECT_EQ(value(utils::getProcessValue("/bin/sh", sh("test \"$(pwd)\" = /tmp"), {}, "/tmp", *r)),
            0);
  EXPECT_EQ(value(utils::getProcessOutputAndValue("/bin/pwd", {}, {}, "/usr", *r)).out, "/usr\n");
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
  EXPECT_EQ(value(utils::getProcessOutput("/bin/pwd", {}, {}, {}, *r)), std::string(cwd) + "\n");
}

TEST_P(UtilsTest, MissingExecutable) {
  // As Twisted: the failed exec is reported on the child's stderr, exit 1.
  Failure f = failure(utils::getProcessOutput("/nonexistent/x", {}, {}, {}, *r));
  const auto* e = f.valueAs<utils::UnexpectedErrorOutput>();
  ASSERT_NE(e, nullptr) << f.getErrorMessage();
  EXPECT_NE(e->text.find("/nonexistent/x"), std::string::npos) << e->text;
  auto ended = e->processEnded;
  Failure endReason = failure(ended);
  const auto* t = endReason.valueAs<error::ProcessTerminated>();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->exitCode, 1);

  EXPECT_EQ(value(utils::getProcessValue("/nonexistent/x", {}, {}, {}, *r)), 1);
  auto res = value(utils::getProcessOutputAndValue("/nonexistent/x", {}, {}, {}, *r));
  EXPECT_EQ(res.out, "");
  EXPECT_NE(res.err.find("/nonexistent/x"), std::string::npos) << res.err;
  EXPECT_EQ(res.code, 1);
}

TEST_P(UtilsTest, UnwatchedProcessEndedIsLoggedAsUnhandled) {
  // Nobody adds an errback to processEnded: when the child has ended its
  // ProcessDone is an unhandled error, logged as Twisted does. (It is logged
  // while the process is destroyed: that must not touch the dying process.)
  std::vector<std::string> formats;
  auto handle = twisted::python::log::addObserver(
      [&](const twisted::logger::LogEvent& e) { formats.push_back(e.format); });
  bool errbacked = false;
  std::size_t ends = 0;
  utils::getProcessOutput("/bin/sh", sh("echo e >&2"), {}, {}, *r)
      .addErrback([&](const Failure& f) {
        errbacked = f.check<utils::UnexpectedErrorOutput>();
        return std::string();
      });
  spinUntil([&] {
    ends = std::count(formats.begin(), formats.end(), "Unhandled error in Deferred:");
    return ends > 0;
  });
  twisted::python::log::removeObserver(handle);
  EXPECT_TRUE(errbacked);
  EXPECT_EQ(ends, 1u);
}

TWISTED_INSTANTIATE_BACKENDS(UtilsTest);

}  // namespace
