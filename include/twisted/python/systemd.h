// twisted.python.systemd: the sockets a service manager passed us
// (systemd's socket activation, the sd_listen_fds protocol).
#pragma once

#include <twisted/export.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace twisted::python {

/// The descriptors inherited from systemd (or systemd-socket-activate, or
/// any supervisor speaking its protocol): LISTEN_FDS consecutive descriptors
/// from 3, valid only when LISTEN_PID is this process's id (so a child that
/// inherited the environment by accident takes none).
///
/// Mirrors: twisted.python.systemd.ListenFDs (no libsystemd needed).
class TWISTED_API ListenFDs {
 public:
  /// The first inherited descriptor (SD_LISTEN_FDS_START).
  static constexpr int kStart = 3;

  /// Mirrors: ListenFDs(descriptors).
  explicit ListenFDs(std::vector<int> descriptors) : descriptors_(std::move(descriptors)) {}

  /// Reads the process environment: if LISTEN_PID is getpid() and LISTEN_FDS
  /// a count, the descriptors are kStart .. kStart + count - 1. They are
  /// made close-on-exec and LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES are
  /// removed from the environment (as sd_listen_fds(1) does), so children
  /// inherit neither. Anything else (unset, another process's id, not a
  /// number) gives no descriptors. Not thread-safe (it edits the environment).
  /// Mirrors: ListenFDs.fromEnvironment().
  static ListenFDs fromEnvironment();

  /// The same rules applied to `environ` (nothing is changed): for tests.
  /// Mirrors: ListenFDs.fromEnvironment(environ, start).
  static ListenFDs fromEnvironment(const std::map<std::string, std::string>& environ,
                                   int start = kStart);

  /// The descriptors, in order. Mirrors: ListenFDs.inheritedDescriptors().
  const std::vector<int>& inheritedDescriptors() const noexcept { return descriptors_; }

 private:
  std::vector<int> descriptors_;
};

}  // namespace twisted::python
