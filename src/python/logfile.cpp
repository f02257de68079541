// LogFile, DailyLogFile, LogReader. Test: tests/python/test_logfile.cpp
#include <twisted/python/logfile.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>
#include <fmt/std.h>

namespace twisted::python {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void throwErrno(int error, std::string_view what, const fs::path& path) {
  // system_error appends ": <strerror>" to the message.
  throw std::system_error(error, std::generic_category(), fmt::format("{} {}", what, path));
}

fs::path withSuffix(const fs::path& path, std::string_view suffix) {
  fs::path result = path;
  result += ".";
  result += std::string(suffix);
  return result;
}

double mtimeSeconds(const struct stat& st) {
  return static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
}

}  // namespace

// --- LogReader ---------------------------------------------------------------

LogReader::LogReader(const fs::path& path) : file_(std::fopen(path.c_str(), "re")) {
  if (!file_) throwErrno(errno, "cannot open log file", path);
}

std::vector<std::string> LogReader::readLines(std::size_t lines) {
  std::vector<std::string> result;
  if (!file_) return result;
  char* buffer = nullptr;
  std::size_t capacity = 0;
  while (result.size() < lines) {
    const ssize_t n = ::getline(&buffer, &capacity, file_.get());
    if (n < 0) break;
    result.emplace_back(buffer, static_cast<std::size_t>(n));
  }
  std::free(buffer);
  return result;
}

void LogReader::close() noexcept {
  file_.reset();
}

// --- BaseLogFile -------------------------------------------------------------

BaseLogFile::BaseLogFile(std::string name, fs::path directory, std::optional<fs::perms> defaultMode)
    : name_(std::move(name)),
      directory_(std::move(directory)),
      path_(directory_ / name_),
      defaultMode_(defaultMode) {
  // An existing file's permissions become the ones given to the files that
  // rotation creates, so rotating never widens or narrows access.
  struct stat st {};
  if (!defaultMode_ && ::stat(path_.c_str(), &st) == 0)
    defaultMode_ = static_cast<fs::perms>(st.st_mode & 07777);
}

BaseLogFile::~BaseLogFile() {
  closeFileLocked();
}

void BaseLogFile::openFile() {
  std::lock_guard<std::mutex> lock(mutex_);
  openFileLocked();
}

void BaseLogFile::openFileLocked() {
  struct stat before {};
  const bool created = ::stat(path_.c_str(), &before) != 0;
  int fd = -1;
  if (defaultMode_) {
    // Created with no permissions at all, then chmod'ed: the file is never
    // visible with wider access than asked for, and the process-wide umask
    // is left alone (Twisted sets it to 0o777 around the open, which races
    // with other threads).
    fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0);
  } else {
    fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  }
  if (fd < 0) throwErrno(errno, "cannot open log file", path_);
  if (defaultMode_) (void)::fchmod(fd, static_cast<mode_t>(*defaultMode_));  // e.g. /dev/null
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    throwErrno(error, "cannot stat log file", path_);
  }
  fd_ = fd;
  closed_ = false;
  didOpenLocked(static_cast<std::uint64_t>(st.st_size), mtimeSeconds(st), created);
}

void BaseLogFile::closeFileLocked() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool BaseLogFile::canRotateLocked() const {
  return ::access(directory_.c_str(), W_OK) == 0 && ::access(path_.c_str(), W_OK) == 0;
}

void BaseLogFile::didOpenLocked(std::uint64_t, double, bool) {}

void BaseLogFile::didWriteLocked(std::size_t) {}

void BaseLogFile::write(std::string_view data) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) throw std::logic_error(fmt::format("write to closed log file {}", path_));
  if (shouldRotateLocked()) rotateLocked();
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throwErrno(errno, "cannot write to log file", path_);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  didWriteLocked(data.size());
}

void BaseLogFile::rotate() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) throw std::logic_error(fmt::format("rotate of closed log file {}", path_));
  rotateLocked();
}

bool BaseLogFile::shouldRotate() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return shouldRotateLocked();
}

void BaseLogFile::flush() {}

void BaseLogFile::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closeFileLocked();
  closed_ = true;
}

void BaseLogFile::reopen() {
  std::lock_guard<std::mutex> lock(mutex_);
  closeFileLocked();
  closed_ = true;
  openFileLocked();
}

bool BaseLogFile::closed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

LogReader BaseLogFile::getCurrentLog() const {
  return LogReader(path_);
}

// --- LogFile -----------------------------------------------------------------

LogFile::LogFile(std::string name, fs::path directory, std::uint64_t rotateLength,
                 std::optional<fs::perms> defaultMode, std::optional<unsigned> maxRotatedFiles)
    : BaseLogFile(std::move(name), std::move(directory), defaultMode),
      rotateLength_(rotateLength),
      maxRotatedFiles_(maxRotatedFiles) {
  openFile();
}

LogFile::~LogFile() = default;

std::unique_ptr<LogFile> LogFile::fromFullPath(const fs::path& path, std::uint64_t rotateLength,
                                               std::optional<fs::perms> defaultMode,
                                               std::optional<unsigned> maxRotatedFiles) {
  const fs::path full = fs::absolute(path);
  return std::make_unique<LogFile>(full.filename().string(), full.parent_path(), rotateLength,
                                   defaultMode, maxRotatedFiles);
}

bool LogFile::shouldRotateLocked() const {
  return rotateLength_ != 0 && size_ >= rotateLength_;
}

void LogFile::didOpenLocked(std::uint64_t size, double, bool) {
  size_ = size;
}

void LogFile::didWriteLocked(std::size_t bytes) {
  size_ += bytes;
}

std::uint64_t LogFile::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return size_;
}

std::vector<unsigned> LogFile::listLogs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return listLogsLocked();
}

std::vector<unsigned> LogFile::listLogsLocked() const {
  std::vector<unsigned> result;
  const std::string prefix = name() + ".";
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(directory(), ec)) {
    const std::string file = entry.path().filename().string();
    if (file.size() <= prefix.size() || file.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string_view digits = std::string_view(file).substr(prefix.size());
    if (digits.size() > 9 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    const auto n = static_cast<unsigned>(std::stoul(std::string(digits)));
    if (n != 0) result.push_back(n);
  }
  std::sort(result.begin(), result.end());
  return result;
}

LogReader LogFile::getLog(unsigned identifier) const {
  const fs::path file = withSuffix(path(), std::to_string(identifier));
  if (!fs::exists(file)) throw std::invalid_argument("no such logfile exists");
  return LogReader(file);
}

void LogFile::rotateLocked() {
  if (!canRotateLocked()) return;
  std::vector<unsigned> logs = listLogsLocked();
  for (auto it = logs.rbegin(); it != logs.rend(); ++it) {
    const fs::path from = withSuffix(path(), std::to_string(*it));
    if (maxRotatedFiles_ && *it >= *maxRotatedFiles_)
      fs::remove(from);
    else
      fs::rename(from, withSuffix(path(), std::to_string(*it + 1)));
  }
  closeFileLocked();
  std::error_code renamed;
  fs::rename(path(), withSuffix(path(), "1"), renamed);
  // Reopen whatever happened, so that logging goes on.
  openFileLocked();
  if (renamed) throw fs::filesystem_error("cannot rotate log file", path(), renamed);
}

// --- DailyLogFile ------------------------------------------------------------

DailyLogFile::DailyLogFile(std::string name, fs::path directory,
                           std::optional<fs::perms> defaultMode, Clock clock, DateFunction toDate)
    : BaseLogFile(std::move(name), std::move(directory), defaultMode),
      clock_(std::move(clock)),
      toDate_(std::move(toDate)) {
  openFile();
}

DailyLogFile::~DailyLogFile() = default;

std::unique_ptr<DailyLogFile> DailyLogFile::fromFullPath(const fs::path& path,
                                                         std::optional<fs::perms> defaultMode,
                                                         Clock clock, DateFunction toDate) {
  const fs::path full = fs::absolute(path);
  return std::make_unique<DailyLogFile>(full.filename().string(), full.parent_path(), defaultMode,
                                        std::move(clock), std::move(toDate));
}

double DailyLogFile::now() const {
  if (clock_) return clock_();
  return static_cast<double>(std::time(nullptr));
}

Date DailyLogFile::toDate(double unixTime) {
  const auto seconds = static_cast<std::time_t>(std::floor(unixTime));
  std::tm local{};
  if (localtime_r(&seconds, &local) == nullptr)
    throw std::invalid_argument(fmt::format("time {} has no local date", unixTime));
  return Date{local.tm_year + 1900, local.tm_mon + 1, local.tm_mday};
}

Date DailyLogFile::dateOf(double unixTime) const {
  return toDate_ ? toDate_(unixTime) : toDate(unixTime);
}

Date DailyLogFile::today() const {
  return dateOf(now());
}

std::string DailyLogFile::suffix(const Date& date) {
  return fmt::format("{}_{}_{}", date.year, date.month, date.day);
}

std::string DailyLogFile::suffix(double unixTime) {
  return suffix(toDate(unixTime));
}

Date DailyLogFile::lastDate() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lastDate_;
}

LogReader DailyLogFile::getLog(double unixTime) const {
  const Date date = dateOf(unixTime);
  if (date == lastDate()) return getCurrentLog();
  const fs::path file = withSuffix(path(), suffix(date));
  if (!fs::exists(file)) throw std::invalid_argument("no such logfile exists");
  return LogReader(file);
}

bool DailyLogFile::shouldRotateLocked() const {
  return today() > lastDate_;
}

void DailyLogFile::didOpenLocked(std::uint64_t, double mtime, bool created) {
  // A file created just now dates from "today" by our clock (the same as its
  // mtime unless a clock is injected); an existing one from its last write.
  lastDate_ = created ? today() : dateOf(mtime);
}

void DailyLogFile::didWriteLocked(std::size_t) {
  // max(): guards against the clock stepping back to yesterday.
  lastDate_ = std::max(lastDate_, today());
}

void DailyLogFile::rotateLocked() {
  if (!canRotateLocked()) return;
  const fs::path dated = withSuffix(path(), suffix(lastDate_));
  if (fs::exists(dated)) return;
  closeFileLocked();
  std::error_code renamed;
  fs::rename(path(), dated, renamed);
  openFileLocked();
  if (renamed) throw fs::filesystem_error("cannot rotate log file", path(), renamed);
}

}  // namespace twisted::python
