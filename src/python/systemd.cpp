#include <twisted/python/systemd.h>

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <climits>
#include <cstdlib>

namespace twisted::python {
namespace {

std::optional<long> number(const std::string* text) {
  if (!text) return std::nullopt;
  long value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return value;
}

std::vector<int> descriptors(const std::string* pid, const std::string* fds, int start) {
  std::optional<long> owner = number(pid);
  std::optional<long> count = number(fds);
  // A count beyond the descriptor space is a corrupt environment, not a
  // request for billions of descriptors.
  if (!owner || *owner != ::getpid() || !count || *count < 0 || *count > INT_MAX - start) return {};
  std::vector<int> out;
  for (int i = 0; i < *count; ++i)
    out.push_back(start + i);
  return out;
}

}  // namespace

ListenFDs ListenFDs::fromEnvironment(const std::map<std::string, std::string>& environ, int start) {
  auto find = [&](const char* name) -> const std::string* {
    auto it = environ.find(name);
    return it == environ.end() ? nullptr : &it->second;
  };
  return ListenFDs(descriptors(find("LISTEN_PID"), find("LISTEN_FDS"), start));
}

ListenFDs ListenFDs::fromEnvironment() {
  auto get = [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  std::optional<std::string> pid = get("LISTEN_PID");
  std::optional<std::string> fds = get("LISTEN_FDS");
  std::vector<int> found = descriptors(pid ? &*pid : nullptr, fds ? &*fds : nullptr, kStart);
  if (!found.empty()) {
    // sd_listen_fds(1): ours alone, not our children's.
    for (int fd : found) {
      int flags = ::fcntl(fd, F_GETFD);
      if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
  }
  return ListenFDs(std::move(found));
}

}  // namespace twisted::python
