// Seed 002 "Log": log.startLogging(LogFile("example.log", dir,
// rotateLength=100)). The log file rotates every ~100 bytes while messages
// are written; then the resulting files are listed and printed.
//
// Usage: logging_logfile [DIRECTORY]   (default: a new temporary directory,
// removed at the end; a directory given on the command line is kept)
#include <stdlib.h>

#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>

#include <twisted/python/log.h>
#include <twisted/python/logfile.h>

namespace fs = std::filesystem;
namespace log = twisted::python::log;
using twisted::python::LogFile;
using twisted::python::LogReader;

namespace {

void printFile(const std::string& title, LogReader reader) {
  std::cout << "== " << title << '\n';
  for (auto lines = reader.readLines(); !lines.empty(); lines = reader.readLines())
    for (const std::string& line : lines)
      std::cout << "   " << line;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path directory;
  bool temporary = false;
  if (argc > 1) {
    directory = argv[1];
    fs::create_directories(directory);
  } else {
    std::string pattern = (fs::temp_directory_path() / "twisted_logfile_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::cerr << "cannot create a temporary directory\n";
      return 1;
    }
    directory = pattern;
    temporary = true;
  }

  try {
    LogFile logFile("example.log", directory, /*rotateLength=*/100);
    log::ObserverHandle observer = log::startLogging(logFile);
    for (int i = 1; i <= 8; ++i)
      log::msg("message number " + std::to_string(i));
    // Stop logging before the LogFile goes away.
    log::removeObserver(observer);

    std::cout << "Log files in " << directory.string() << ":\n";
    // Oldest first: the highest number is the oldest rotated file.
    auto rotated = logFile.listLogs();
    for (auto it = rotated.rbegin(); it != rotated.rend(); ++it)
      printFile("example.log." + std::to_string(*it), logFile.getLog(*it));
    printFile("example.log (current)", logFile.getCurrentLog());
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  }

  if (temporary) {
    std::error_code ignored;
    fs::remove_all(directory, ignored);
  }
  return 0;
}
