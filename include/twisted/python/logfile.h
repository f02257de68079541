// twisted.python.logfile: log files that rotate by size (LogFile) or by
// date (DailyLogFile), and LogReader to read them back.
#pragma once

#include <twisted/export.h>

#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace twisted::python {

/// Reads lines back from a log file.
///
/// Mirrors: twisted.python.logfile.LogReader.
class TWISTED_API LogReader {
 public:
  /// Opens `path` for reading.
  /// @throws std::system_error (with the path and strerror) if it cannot.
  /// Mirrors: LogReader(name).
  explicit LogReader(const std::filesystem::path& path);

  /// The next (up to) `lines` lines, each with its "\n" (the last line of a
  /// file may lack one); empty at end of file. Mirrors: LogReader.readLines.
  std::vector<std::string> readLines(std::size_t lines = 10);

  /// Closes the file; readLines() then returns nothing. Mirrors: LogReader.close.
  void close() noexcept;

 private:
  struct Closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Closer> file_;
};

/// The common part of rotating log files: a file `directory/name` opened for
/// appending (created if missing), written unbuffered so rotation never loses
/// data, and rotated by the subclass's policy before a write.
///
/// Thread-safe: write(), rotate() and the rest hold one mutex, so each write
/// lands whole in exactly one file.
///
/// Mirrors: twisted.python.logfile.BaseLogFile.
class TWISTED_API BaseLogFile {
 public:
  /// Closes the file.
  virtual ~BaseLogFile();
  BaseLogFile(const BaseLogFile&) = delete;
  BaseLogFile& operator=(const BaseLogFile&) = delete;

  /// Rotates first if shouldRotate(), then appends `data`.
  /// @throws std::logic_error if the file was closed; std::system_error on an
  /// I/O error. Mirrors: BaseLogFile.write.
  void write(std::string_view data);

  /// Rotates now, whatever the policy says. If the directory or the file is
  /// not writable it silently does nothing (logging goes on to the same
  /// file). Mirrors: LogFile.rotate / DailyLogFile.rotate.
  void rotate();

  /// True if the next write() will rotate first. Mirrors: BaseLogFile.shouldRotate.
  bool shouldRotate() const;

  /// No-op kept for the Twisted API: writes are unbuffered. Mirrors: BaseLogFile.flush.
  void flush();

  /// Closes the file; write() then throws. Mirrors: BaseLogFile.close.
  void close();

  /// Closes and reopens the same path (after an external tool moved the
  /// file away). Mirrors: BaseLogFile.reopen.
  void reopen();

  /// True after close(). Mirrors: BaseLogFile.closed.
  bool closed() const;

  /// A reader of the current file. Mirrors: BaseLogFile.getCurrentLog.
  LogReader getCurrentLog() const;

  /// Mirrors: BaseLogFile.name.
  const std::string& name() const noexcept { return name_; }
  /// Mirrors: BaseLogFile.directory.
  const std::filesystem::path& directory() const noexcept { return directory_; }
  /// directory/name. Mirrors: BaseLogFile.path.
  const std::filesystem::path& path() const noexcept { return path_; }
  /// The permissions given to (re)created files: the constructor's
  /// defaultMode, else those of the file found at construction, else none
  /// (the process umask decides). Mirrors: BaseLogFile.defaultMode.
  std::optional<std::filesystem::perms> defaultMode() const noexcept { return defaultMode_; }

 protected:
  /// Does not open the file: the concrete class's constructor calls
  /// openFile() once its own state is ready.
  BaseLogFile(std::string name, std::filesystem::path directory,
              std::optional<std::filesystem::perms> defaultMode);

  /// Opens (or creates) the file. @throws std::system_error.
  void openFile();

  // Policy hooks, all called with the mutex held.
  /// True if the next write should rotate first.
  virtual bool shouldRotateLocked() const = 0;
  /// Performs a rotation (see canRotateLocked()).
  virtual void rotateLocked() = 0;
  /// The file was (re)opened; `size` is its length, `mtime` its modification
  /// time in seconds since the epoch, `created` whether opening created it.
  virtual void didOpenLocked(std::uint64_t size, double mtime, bool created);
  /// `bytes` were appended.
  virtual void didWriteLocked(std::size_t bytes);

  /// (Re)opens path(); calls didOpenLocked(). @throws std::system_error.
  void openFileLocked();
  /// Closes the descriptor (if open).
  void closeFileLocked() noexcept;
  /// True if both the directory and the file are writable.
  bool canRotateLocked() const;

  /// Guards the file and its state; the *Locked methods must be called with it held.
  mutable std::mutex mutex_;

 private:
  std::string name_;
  std::filesystem::path directory_;
  std::filesystem::path path_;
  std::optional<std::filesystem::perms> defaultMode_;
  int fd_ = -1;
  bool closed_ = true;
};

/// A log file rotated when it reaches `rotateLength` bytes: name.N becomes
/// name.N+1 from the highest N down (those with N >= maxRotatedFiles are
/// deleted instead), name becomes name.1 and a fresh name is opened.
///
/// The size check happens before each write, so a file may exceed
/// rotateLength by one write. rotateLength 0 disables automatic rotation.
///
/// Mirrors: twisted.python.logfile.LogFile.
class TWISTED_API LogFile : public BaseLogFile {
 public:
  /// Opens (or creates) `directory/name`; `defaultMode` is applied to it and
  /// to files created by rotation.
  /// @throws std::system_error (with the path and strerror) if it cannot.
  /// Mirrors: LogFile(name, directory, rotateLength=1000000, defaultMode=None,
  /// maxRotatedFiles=None).
  LogFile(std::string name, std::filesystem::path directory, std::uint64_t rotateLength = 1000000,
          std::optional<std::filesystem::perms> defaultMode = std::nullopt,
          std::optional<unsigned> maxRotatedFiles = std::nullopt);
  /// Closes the file.
  ~LogFile() override;

  /// A LogFile for a full path (made absolute, then split into directory and
  /// name). Mirrors: LogFile.fromFullPath.
  static std::unique_ptr<LogFile> fromFullPath(
      const std::filesystem::path& path, std::uint64_t rotateLength = 1000000,
      std::optional<std::filesystem::perms> defaultMode = std::nullopt,
      std::optional<unsigned> maxRotatedFiles = std::nullopt);

  /// The numbers N of the existing name.N files, ascending (suffixes that are
  /// not all digits, and 0, are ignored). Mirrors: LogFile.listLogs.
  std::vector<unsigned> listLogs() const;

  /// A reader of name.`identifier`.
  /// @throws std::invalid_argument("no such logfile exists") if it is missing.
  /// Mirrors: LogFile.getLog.
  LogReader getLog(unsigned identifier) const;

  /// Bytes in the current file. Mirrors: LogFile.size.
  std::uint64_t size() const;
  /// Mirrors: LogFile.rotateLength.
  std::uint64_t rotateLength() const noexcept { return rotateLength_; }
  /// Mirrors: LogFile.maxRotatedFiles.
  std::optional<unsigned> maxRotatedFiles() const noexcept { return maxRotatedFiles_; }

 protected:
  bool shouldRotateLocked() const override;
  void rotateLocked() override;
  void didOpenLocked(std::uint64_t size, double mtime, bool created) override;
  void didWriteLocked(std::size_t bytes) override;

 private:
  std::vector<unsigned> listLogsLocked() const;

  std::uint64_t rotateLength_;
  std::optional<unsigned> maxRotatedFiles_;
  std::uint64_t size_ = 0;
};

/// A local calendar date, ordered. Mirrors: the (year, month, day) tuples of
/// DailyLogFile.
struct TWISTED_API Date {
  int year = 0;   ///< e.g. 2024
  int month = 0;  ///< 1-12
  int day = 0;    ///< 1-31
  /// Chronological order.
  friend auto operator<=>(const Date&, const Date&) = default;
};

/// A log file rotated when the local date changes: before the first write of
/// a new day, name becomes name.Y_M_D (the date of the last write, unpadded,
/// e.g. "app.log.2024_1_5") and a fresh name is opened. If that dated file
/// already exists, no rotation happens.
///
/// Mirrors: twisted.python.logfile.DailyLogFile.
class TWISTED_API DailyLogFile : public BaseLogFile {
 public:
  /// Returns "now" in seconds since the epoch; injectable for tests.
  using Clock = std::function<double()>;
  /// Returns the date of a time in seconds since the epoch; injectable for
  /// tests that must not depend on the local time zone (Twisted's tests
  /// override DailyLogFile.toDate for that).
  using DateFunction = std::function<Date(double unixTime)>;

  /// Opens (or creates) `directory/name`. `clock` (default: the system
  /// clock) decides what "now" is, `toDate` (default: toDate(), the local
  /// date) which day a time falls on.
  /// @throws std::system_error (with the path and strerror) if it cannot.
  /// Mirrors: DailyLogFile(name, directory, defaultMode=None).
  DailyLogFile(std::string name, std::filesystem::path directory,
               std::optional<std::filesystem::perms> defaultMode = std::nullopt, Clock clock = {},
               DateFunction toDate = {});
  /// Closes the file.
  ~DailyLogFile() override;

  /// A DailyLogFile for a full path. Mirrors: DailyLogFile.fromFullPath.
  static std::unique_ptr<DailyLogFile> fromFullPath(
      const std::filesystem::path& path,
      std::optional<std::filesystem::perms> defaultMode = std::nullopt, Clock clock = {},
      DateFunction toDate = {});

  /// The local date of `unixTime`. Mirrors: DailyLogFile.toDate(t).
  static Date toDate(double unixTime);
  /// The date of `unixTime` by this file's date function (toDate() unless
  /// one was given). Mirrors: self.toDate(t), overridable in Twisted.
  Date dateOf(double unixTime) const;
  /// Today's date according to the clock and the date function.
  /// Mirrors: DailyLogFile.toDate().
  Date today() const;

  /// "Y_M_D", unpadded. Mirrors: DailyLogFile.suffix(tupledate).
  static std::string suffix(const Date& date);
  /// suffix(toDate(unixTime)). Mirrors: DailyLogFile.suffix(unixtime).
  static std::string suffix(double unixTime);

  /// The current log if `unixTime` falls on lastDate(), else a reader of
  /// name.<suffix(unixTime)>.
  /// @throws std::invalid_argument("no such logfile exists") if it is missing.
  /// Mirrors: DailyLogFile.getLog.
  LogReader getLog(double unixTime) const;

  /// The date of the last write; when opened, the date of an existing file's
  /// mtime, or today() for a file that opening created.
  /// Mirrors: DailyLogFile.lastDate.
  Date lastDate() const;

 protected:
  bool shouldRotateLocked() const override;
  void rotateLocked() override;
  void didOpenLocked(std::uint64_t size, double mtime, bool created) override;
  void didWriteLocked(std::size_t bytes) override;

 private:
  double now() const;

  Clock clock_;
  DateFunction toDate_;
  Date lastDate_;
};

}  // namespace twisted::python
