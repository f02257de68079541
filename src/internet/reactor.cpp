// Choosing and installing the process-wide reactor. Test: tests/internet/test_default_reactor.cpp
//
// Order of preference (Twisted's twisted.internet.default): an explicit
// install wins; else TWISTED_REACTOR; else epoll, the best backend on Linux
// (O(ready) per wait, no fd limit). poll and select stay available by name.
#include <twisted/internet/reactor.h>

#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>

#include <system_error>

#include <twisted/internet/epoll_reactor.h>
#include <twisted/internet/error.h>
#include <twisted/internet/iouring_reactor.h>
#include <twisted/internet/poll_reactor.h>
#include <twisted/internet/select_reactor.h>
#include <twisted/python/log.h>

namespace twisted::internet {

namespace {
std::mutex g_installLock;
// Deliberately never destroyed: code running during static destruction
// (atexit handlers, other globals) may still reach for the reactor.
ReactorBase* g_reactor = nullptr;
}  // namespace

std::unique_ptr<ReactorBase> makeReactor(std::string_view name, ReactorOptions options) {
  if (name == "default" || name == "epoll" || name.empty())
    return std::make_unique<EPollReactor>(std::move(options));
  if (name == "poll") return std::make_unique<PollReactor>(std::move(options));
  if (name == "select") return std::make_unique<SelectReactor>(std::move(options));
  if (name == "iouring") {
    try {
      return std::make_unique<IOUringReactor>(options);
    } catch (const std::system_error& e) {
      // A kernel before 5.5, a seccomp filter or a container that forbids
      // io_uring: say so once and run on epoll, which every Linux has.
      python::log::msg(std::string("io_uring is not available (") + e.what() +
                       "); using the epoll reactor instead");
      return std::make_unique<EPollReactor>(std::move(options));
    }
  }
  throw std::invalid_argument("Unknown reactor '" + std::string(name) +
                              "' (valid: default, epoll, iouring, poll, select)");
}

void installReactor(std::unique_ptr<ReactorBase> r) {
  std::lock_guard<std::mutex> lock(g_installLock);
  if (g_reactor) throw error::ReactorAlreadyInstalledError();
  g_reactor = r.release();
}

bool reactorInstalled() noexcept {
  std::lock_guard<std::mutex> lock(g_installLock);
  return g_reactor != nullptr;
}

ReactorBase& reactor() {
  std::lock_guard<std::mutex> lock(g_installLock);
  if (!g_reactor) {
    const char* env = std::getenv("TWISTED_REACTOR");
    g_reactor = makeReactor(env ? env : "default").release();
  }
  return *g_reactor;
}

namespace default_ {
void install() {
  installReactor(makeReactor("default"));
}
}  // namespace default_

}  // namespace twisted::internet
