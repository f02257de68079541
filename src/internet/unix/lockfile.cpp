#include "internet/unix/lockfile.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <system_error>

namespace twisted::internet::unix_::detail {

namespace {
// The lock's owner, or -1 if it vanished meanwhile (ENOENT).
long owner(const std::string& name) {
  char target[32];
  ssize_t n = ::readlink(name.c_str(), target, sizeof target);
  if (n < 0) {
    if (errno == ENOENT) return -1;
    throw std::system_error(errno, std::generic_category(), "readlink " + name);
  }
  long pid = 0;
  auto [end, ec] = std::from_chars(target, target + n, pid);
  if (ec != std::errc() || end != target + n) return 0;  // not a pid: nobody owns it
  return pid;
}
}  // namespace

bool lockFile(const std::string& name, bool* clean) {
  *clean = true;
  const std::string me = std::to_string(::getpid());
  for (;;) {
    if (::symlink(me.c_str(), name.c_str()) == 0) return true;
    if (errno != EEXIST) throw std::system_error(errno, std::generic_category(), "symlink " + name);
    long pid = owner(name);
    if (pid < 0) continue;  // released meanwhile: try again
    // A live process (EPERM: alive, someone else's) holds it.
    if (pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)) return false;
    // Its owner died: remove it and try again.
    if (::unlink(name.c_str()) != 0 && errno != ENOENT)
      throw std::system_error(errno, std::generic_category(), "unlink " + name);
    *clean = false;
  }
}

void unlockFile(const std::string& name) noexcept {
  try {
    if (owner(name) == ::getpid()) ::unlink(name.c_str());
  } catch (...) {
  }
}

bool isLocked(const std::string& name) {
  bool clean;
  if (!lockFile(name, &clean)) return true;
  unlockFile(name);
  return false;
}

}  // namespace twisted::internet::unix_::detail
