// twisted.python.logfile. Mirrors the cases of Twisted's test_logfile.py
// that apply: writing, appending, size and manual rotation, maxRotatedFiles,
// listLogs/getLog/LogReader, permissions, reopen, errors, DailyLogFile with a
// rigged clock; plus rotation under load (every line exactly once) and
// concurrent writers.
#include <twisted/python/logfile.h>  // first: the header is self-contained

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace twisted::python {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Day boundaries in UTC for the DailyLogFile tests (POSIX TZ string, no tz
// database needed).
class ScopedUtc {
 public:
  ScopedUtc() {
    if (const char* old = ::getenv("TZ")) previous_ = old;
    ::setenv("TZ", "UTC0", 1);
    ::tzset();
  }
  ~ScopedUtc() {
    if (previous_)
      ::setenv("TZ", previous_->c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }

 private:
  std::optional<std::string> previous_;
};

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

fs::perms modeOf(const fs::path& p) {
  return fs::status(p).permissions() & fs::perms::mask;
}

// A fresh temporary directory per test, removed afterwards.
class LogFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir = fs::temp_directory_path() /
          ("twisted_test_logfile_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    path = dir / name;
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir, ec);
  }

  fs::path suffixed(const std::string& suffix) const {
    return fs::path(path.string() + "." + suffix);
  }

  std::string name = "test.log";
  fs::path dir;
  fs::path path;
};

// Writes land in directory/name, unbuffered (test_logfile.testWriting).
TEST_F(LogFileTest, Writing) {
  LogFile log(name, dir);
  EXPECT_EQ(log.path(), path);
  EXPECT_EQ(log.name(), name);
  EXPECT_EQ(log.directory(), dir);
  log.write("123");
  log.write("456");
  EXPECT_EQ(readFile(path), "123456");  // visible before flush()
  log.flush();
  EXPECT_EQ(log.size(), 6u);
}

// Size is counted in bytes, not characters (Twisted counts characters).
TEST_F(LogFileTest, SizeCountsBytes) {
  LogFile log(name, dir);
  log.write("\xc3\xa9t\xc3\xa9");  // "été": 3 characters, 5 bytes
  EXPECT_EQ(log.size(), 5u);
}

// Rotation happens before a write once size >= rotateLength; empty writes
// can rotate; rotate() works at any size (test_logfile.test_rotation).
TEST_F(LogFileTest, Rotation) {
  LogFile log(name, dir, 10);
  log.write("123");
  log.write("4567890");
  log.write(std::string(11, '1'));
  EXPECT_TRUE(fs::exists(suffixed("1")));
  EXPECT_FALSE(fs::exists(suffixed("2")));
  log.write("");
  EXPECT_TRUE(fs::exists(suffixed("1")));
  EXPECT_TRUE(fs::exists(suffixed("2")));
  EXPECT_FALSE(fs::exists(suffixed("3")));
  log.write("3");
  EXPECT_FALSE(fs::exists(suffixed("3")));
  log.rotate();  // manual
  EXPECT_TRUE(fs::exists(suffixed("3")));
  EXPECT_FALSE(fs::exists(suffixed("4")));
  log.close();
  EXPECT_THAT(log.listLogs(), ElementsAre(1u, 2u, 3u));
  // Oldest content has the highest number.
  EXPECT_EQ(readFile(suffixed("3")), "1234567890");
  EXPECT_EQ(readFile(suffixed("2")), std::string(11, '1'));
  EXPECT_EQ(readFile(suffixed("1")), "3");
  EXPECT_EQ(readFile(path), "");
}

// rotateLength 0 never rotates automatically.
TEST_F(LogFileTest, RotateLengthZeroDisablesRotation) {
  LogFile log(name, dir, 0);
  for (int i = 0; i < 100; ++i)
    log.write("0123456789");
  EXPECT_FALSE(log.shouldRotate());
  EXPECT_THAT(log.listLogs(), IsEmpty());
  EXPECT_EQ(log.size(), 1000u);
}

// Opening an existing file appends and takes its size (test_logfile.testAppend).
TEST_F(LogFileTest, Append) {
  {
    LogFile log(name, dir);
    log.write("0123456789");
  }
  LogFile log(name, dir);
  EXPECT_EQ(log.size(), 10u);
  log.write("abc");
  EXPECT_EQ(log.size(), 13u);
  EXPECT_EQ(readFile(path), "0123456789abc");
}

// maxRotatedFiles keeps only name.1 .. name.N (test_logfile.test_maxNumberOfLog).
TEST_F(LogFileTest, MaxRotatedFiles) {
  LogFile log(name, dir, 10, std::nullopt, 3);
  std::string contents;
  for (int i = 0; i < 6; ++i) {
    const std::string block(10, static_cast<char>('a' + i));
    log.write(block);
  }
  EXPECT_THAT(log.listLogs(), ElementsAre(1u, 2u, 3u));
  EXPECT_FALSE(fs::exists(suffixed("4")));
  EXPECT_EQ(readFile(path), std::string(10, 'f'));
  EXPECT_EQ(readFile(suffixed("1")), std::string(10, 'e'));
  EXPECT_EQ(readFile(suffixed("3")), std::string(10, 'c'));
}

// LogReader reads lines with their newlines, in chunks; readLines(0) gives
// nothing; getLog(n) reads name.n (test_logfile.testLogReader).
TEST_F(LogFileTest, LogReader) {
  LogFile log(name, dir);
  log.write("abc\n");
  log.write("def\n");
  log.rotate();
  log.write("ghi\n");
  log.write("no newline");
  std::vector<unsigned> logs = log.listLogs();
  ASSERT_THAT(logs, ElementsAre(1u));
  LogReader old = log.getLog(1);
  EXPECT_THAT(old.readLines(0), IsEmpty());
  EXPECT_THAT(old.readLines(1), ElementsAre("abc\n"));
  EXPECT_THAT(old.readLines(), ElementsAre("def\n"));
  EXPECT_THAT(old.readLines(), IsEmpty());
  old.close();
  EXPECT_THAT(old.readLines(), IsEmpty());
  LogReader current = log.getCurrentLog();
  EXPECT_THAT(current.readLines(), ElementsAre("ghi\n", "no newline"));
  EXPECT_THROW(log.getLog(2), std::invalid_argument);
  try {
    log.getLog(7);
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "no such logfile exists");
  }
}

// listLogs ignores suffixes that are not numbers, and .0
// (test_logfile.test_listLogsWithBadlyNamedFiles / IgnoresZeroSuffixedFiles).
TEST_F(LogFileTest, ListLogsIgnoresBadNames) {
  LogFile log(name, dir);
  for (const char* s : {"1", "bad", "0", "2x", "-3", "10", "1.gz", ""})
    std::ofstream(suffixed(s)) << "x";
  std::ofstream(dir / "other.log.4") << "x";
  EXPECT_THAT(log.listLogs(), ElementsAre(1u, 10u));
}

// Opening in a missing directory throws system_error naming the path and
// the error (test_logfile.test_nonExistentDir).
TEST_F(LogFileTest, MissingDirectoryThrows) {
  try {
    LogFile log(name, dir / "missing");
    FAIL() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
    EXPECT_THAT(e.what(), HasSubstr((dir / "missing" / name).string()));
    EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
  }
  EXPECT_THROW(LogReader(dir / "nope"), std::system_error);
}

// fromFullPath splits the path (test_logfile.test_fromFullPath).
TEST_F(LogFileTest, FromFullPath) {
  auto log = LogFile::fromFullPath(path, 10, fs::perms(0640), 2);
  EXPECT_EQ(log->name(), name);
  EXPECT_EQ(log->directory(), dir);
  EXPECT_EQ(log->rotateLength(), 10u);
  EXPECT_EQ(log->defaultMode(), fs::perms(0640));
  EXPECT_EQ(log->maxRotatedFiles(), 2u);
  auto daily = DailyLogFile::fromFullPath(dir / "daily.log");
  EXPECT_EQ(daily->path(), dir / "daily.log");
}

// Without defaultMode a new file gets 0666 & ~umask (test_defaultPermissions).
TEST_F(LogFileTest, DefaultPermissions) {
  const mode_t mask = ::umask(022);
  ::umask(mask);
  LogFile log(name, dir);
  EXPECT_EQ(static_cast<mode_t>(modeOf(path)), static_cast<mode_t>(0666 & ~mask));
  EXPECT_FALSE(log.defaultMode().has_value());
}

// defaultMode is applied to the file and to files rotation creates
// (test_specifiedPermissions / testModePreservation).
TEST_F(LogFileTest, SpecifiedPermissionsSurviveRotation) {
  LogFile log(name, dir, 1000000, fs::perms(0604));
  EXPECT_EQ(modeOf(path), fs::perms(0604));
  log.write("x");
  log.rotate();
  EXPECT_EQ(modeOf(path), fs::perms(0604));
  EXPECT_EQ(modeOf(suffixed("1")), fs::perms(0604));
}

// An existing file's mode is kept for the files rotation creates.
TEST_F(LogFileTest, ExistingModePreserved) {
  std::ofstream(path) << "old";
  fs::permissions(path, fs::perms(0640));
  LogFile log(name, dir);
  EXPECT_EQ(log.defaultMode(), fs::perms(0640));
  log.rotate();
  EXPECT_EQ(modeOf(path), fs::perms(0640));
}

// reopen() picks up a file moved away by an external tool (test_reopen).
TEST_F(LogFileTest, Reopen) {
  LogFile log(name, dir);
  log.write("hello1");
  fs::rename(path, dir / "save.log");
  log.reopen();
  log.write("hello2");
  EXPECT_EQ(readFile(path), "hello2");
  EXPECT_EQ(readFile(dir / "save.log"), "hello1");
  EXPECT_EQ(log.size(), 6u);
}

// After close(), writing is an error and closed() says so.
TEST_F(LogFileTest, WriteAfterCloseThrows) {
  LogFile log(name, dir);
  EXPECT_FALSE(log.closed());
  log.close();
  EXPECT_TRUE(log.closed());
  EXPECT_THROW(log.write("x"), std::logic_error);
  EXPECT_THROW(log.rotate(), std::logic_error);
  log.reopen();
  EXPECT_NO_THROW(log.write("x"));
}

// Without write permission on the directory, rotate() silently does nothing
// and writes go on to the same file (test_logfile.test_rotatePermission...).
TEST_F(LogFileTest, RotateWithoutPermissionDoesNothing) {
  LogFile log(name, dir, 10);
  log.write("0123456789");
  fs::permissions(dir, fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                  fs::perm_options::remove);
  if (::access(dir.c_str(), W_OK) == 0) GTEST_SKIP() << "running with permission override (root)";
  log.write("more");
  log.rotate();
  EXPECT_THAT(log.listLogs(), IsEmpty());
  EXPECT_EQ(readFile(path), "0123456789more");
}

// Many lines through a small rotateLength: every line is present exactly
// once across the rotated files, and in order.
TEST_F(LogFileTest, RotationLosesNoLine) {
  constexpr int kLines = 2000;
  {
    LogFile log(name, dir, 256);
    for (int i = 0; i < kLines; ++i)
      log.write("line " + std::to_string(i) + "\n");
  }
  LogFile log(name, dir, 256);
  std::vector<unsigned> logs = log.listLogs();
  ASSERT_GT(logs.size(), 10u);
  std::vector<std::string> all;
  for (auto it = logs.rbegin(); it != logs.rend(); ++it) {
    LogReader r = log.getLog(*it);
    for (auto chunk = r.readLines(100); !chunk.empty(); chunk = r.readLines(100))
      all.insert(all.end(), chunk.begin(), chunk.end());
  }
  LogReader current = log.getCurrentLog();
  for (auto chunk = current.readLines(100); !chunk.empty(); chunk = current.readLines(100))
    all.insert(all.end(), chunk.begin(), chunk.end());
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kLines));
  for (int i = 0; i < kLines; ++i)
    EXPECT_EQ(all[i], "line " + std::to_string(i) + "\n");
  // No file grew past rotateLength by more than one write.
  for (unsigned n : logs)
    EXPECT_LT(fs::file_size(suffixed(std::to_string(n))), 256u + 16u);
}

// Several threads writing through one rotating LogFile: each line lands
// whole, exactly once.
TEST_F(LogFileTest, ConcurrentWritersWithRotation) {
  constexpr int kThreads = 4, kLines = 500;
  LogFile log(name, dir, 1024);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&log, t] {
      for (int i = 0; i < kLines; ++i)
        log.write("thread " + std::to_string(t) + " line " + std::to_string(i) + "\n");
    });
  for (auto& t : threads)
    t.join();
  std::map<std::string, int> counts;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::istringstream in(readFile(entry.path()));
    for (std::string line; std::getline(in, line);)
      ++counts[line];
  }
  ASSERT_EQ(counts.size(), static_cast<std::size_t>(kThreads * kLines));
  for (const auto& [line, n] : counts)
    EXPECT_EQ(n, 1) << line;
  EXPECT_GT(log.listLogs().size(), 5u);
}

// --- DailyLogFile ------------------------------------------------------------

// suffix() is Y_M_D unpadded; toDate() is the local date.
TEST_F(LogFileTest, DailySuffix) {
  ScopedUtc utc;
  EXPECT_EQ(DailyLogFile::suffix(Date{2024, 1, 5}), "2024_1_5");
  EXPECT_EQ(DailyLogFile::suffix(0.0), "1970_1_1");
  EXPECT_EQ(DailyLogFile::toDate(86400 * 31 + 5), (Date{1970, 2, 1}));
  EXPECT_LT((Date{2023, 12, 31}), (Date{2024, 1, 1}));
}

// Writes land in the file; lastDate follows the clock.
TEST_F(LogFileTest, DailyWriting) {
  ScopedUtc utc;
  double now = 0;
  DailyLogFile log(name, dir, std::nullopt, [&now] { return now; });
  EXPECT_EQ(log.lastDate(), (Date{1970, 1, 1}));
  log.write("123");
  log.write("456");
  EXPECT_EQ(readFile(path), "123456");
}

// Rotation at the first write of a new day, to name.<date of the last
// write>; at most once per day (test_logfile.DailyLogFileTests.test_rotation).
TEST_F(LogFileTest, DailyRotation) {
  ScopedUtc utc;
  double now = 0;
  DailyLogFile log(name, dir, std::nullopt, [&now] { return now; });
  std::vector<fs::path> days;
  for (int d = 0; d < 3; ++d)
    days.push_back(suffixed(DailyLogFile::suffix(d * 86400.0)));
  log.write("123");
  now = 43200;  // 1970-01-01 12:00
  log.write("4567890");
  now = 86400;  // 1970-01-02 00:00
  log.write(std::string(11, '1'));
  EXPECT_TRUE(fs::exists(days[0]));
  EXPECT_FALSE(fs::exists(days[1]));
  now = 172800;  // 1970-01-03 00:00
  log.write("");
  EXPECT_TRUE(fs::exists(days[0]));
  EXPECT_TRUE(fs::exists(days[1]));
  EXPECT_FALSE(fs::exists(days[2]));
  now = 259199;  // 1970-01-03 23:59:59
  log.write("3");
  EXPECT_FALSE(fs::exists(days[2]));
  EXPECT_EQ(readFile(days[0]), "1234567890");
  EXPECT_EQ(readFile(days[1]), std::string(11, '1'));
  EXPECT_EQ(readFile(path), "3");
}

// An injected date function decides the day, whatever the time zone (as
// Twisted's tests override DailyLogFile.toDate): here a "day" is 10 seconds.
TEST_F(LogFileTest, DailyRotationWithAnInjectedDateFunction) {
  double now = 0;
  auto tenSecondDays = [](double t) { return Date{2000, 1, 1 + static_cast<int>(t / 10)}; };
  DailyLogFile log(
      name, dir, std::nullopt, [&now] { return now; }, tenSecondDays);
  EXPECT_EQ(log.today(), (Date{2000, 1, 1}));
  EXPECT_EQ(log.dateOf(25), (Date{2000, 1, 3}));
  log.write("first");
  now = 12;
  log.write("second");
  EXPECT_EQ(readFile(suffixed("2000_1_1")), "first");
  EXPECT_EQ(readFile(path), "second");
  EXPECT_EQ(log.lastDate(), (Date{2000, 1, 2}));
  EXPECT_EQ(log.getLog(5).readLines(), std::vector<std::string>{"first"});
}

// If the dated file already exists, no rotation happens and writes go on.
TEST_F(LogFileTest, DailyRotationSkipsExistingDatedFile) {
  ScopedUtc utc;
  double now = 0;
  DailyLogFile log(name, dir, std::nullopt, [&now] { return now; });
  log.write("day one\n");
  std::ofstream(suffixed("1970_1_1")) << "already there\n";
  now = 86400;
  EXPECT_TRUE(log.shouldRotate());
  log.write("day two\n");
  EXPECT_EQ(readFile(path), "day one\nday two\n");
  EXPECT_EQ(readFile(suffixed("1970_1_1")), "already there\n");
  EXPECT_FALSE(log.shouldRotate());  // the write moved lastDate on
}

// A clock stepping back does not move lastDate back.
TEST_F(LogFileTest, DailyClockGoingBackwards) {
  ScopedUtc utc;
  double now = 86400 * 10;
  DailyLogFile log(name, dir, std::nullopt, [&now] { return now; });
  log.write("a");
  now = 86400 * 9;
  log.write("b");
  EXPECT_EQ(log.lastDate(), DailyLogFile::toDate(86400 * 10));
  EXPECT_FALSE(fs::exists(suffixed(DailyLogFile::suffix(86400 * 9.0))));
}

// getLog(unixtime): the current log for lastDate, a dated file otherwise,
// invalid_argument if missing (test_logfile.test_getLog).
TEST_F(LogFileTest, DailyGetLog) {
  ScopedUtc utc;
  double now = 0;
  DailyLogFile log(name, dir, std::nullopt, [&now] { return now; });
  log.write("first day\n");
  now = 86400;
  log.write("second day\n");
  EXPECT_THAT(log.getLog(86400 + 5).readLines(), ElementsAre("second day\n"));
  EXPECT_THAT(log.getLog(100).readLines(), ElementsAre("first day\n"));
  EXPECT_THROW(log.getLog(86400 * 5), std::invalid_argument);
}

// An existing file dates from its mtime when opened.
TEST_F(LogFileTest, DailyLastDateFromExistingFileMtime) {
  ScopedUtc utc;
  std::ofstream(path) << "old\n";
  const auto stamp = fs::file_time_type::clock::now() - std::chrono::hours(24 * 3);
  fs::last_write_time(path, stamp);
  DailyLogFile log(name, dir);
  const auto sys = std::chrono::file_clock::to_sys(stamp);
  const double mtime = std::chrono::duration<double>(sys.time_since_epoch()).count();
  EXPECT_EQ(log.lastDate(), DailyLogFile::toDate(mtime));
  EXPECT_TRUE(log.shouldRotate());
  log.write("new\n");
  EXPECT_EQ(readFile(suffixed(DailyLogFile::suffix(mtime))), "old\n");
  EXPECT_EQ(readFile(path), "new\n");
}

}  // namespace
}  // namespace twisted::python
