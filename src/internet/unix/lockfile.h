// twisted.python.lockfile's FilesystemLock, as listenUNIX(wantPID) and
// connectUNIX(checkPID) use it: the lock is a symbolic link named `name`
// whose target is the owner's pid, so a lock whose owner died is seen as
// stale and taken over. Compatible with Twisted's own (both may share a path).
#pragma once

#include <string>

namespace twisted::internet::unix_::detail {

/// Takes the lock `name` for this process. True if taken; `clean` is then
/// false if a dead owner's lock was taken over. False if a live process
/// holds it. @throws std::system_error for other failures (e.g. EACCES).
bool lockFile(const std::string& name, bool* clean);

/// Releases a lock this process holds (does nothing otherwise).
void unlockFile(const std::string& name) noexcept;

/// True if a live process holds the lock `name` (Twisted's isLocked).
bool isLocked(const std::string& name);

}  // namespace twisted::internet::unix_::detail
