// The process-wide reactor, as `from twisted.internet import reactor` gives it.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <string_view>

#include <twisted/internet/reactor_base.h>

namespace twisted::internet {

/// The process-wide reactor, installed on first use. Which backend: the one
/// installed before with installReactor / <backend>reactor::install(), else
/// the TWISTED_REACTOR environment variable ("epoll", "iouring", "poll",
/// "select", "default"), else epoll. Mirrors: `from twisted.internet import reactor`.
/// @throws std::invalid_argument if TWISTED_REACTOR names no backend.
TWISTED_API ReactorBase& reactor();

/// Makes `r` the process-wide reactor. Mirrors twisted.internet.main.installReactor.
/// @throws error::ReactorAlreadyInstalledError if one is installed already.
TWISTED_API void installReactor(std::unique_ptr<ReactorBase> r);

/// True once a process-wide reactor exists.
TWISTED_API bool reactorInstalled() noexcept;

/// A new, independent reactor of the named backend ("epoll", "iouring",
/// "poll", "select", or "default" for the platform's best: epoll), for tests
/// and for one-loop-per-thread programs. "iouring" falls back to epoll, with
/// one log line saying why, where the kernel refuses io_uring.
/// @throws std::invalid_argument for an unknown name (the message lists the valid ones).
TWISTED_API std::unique_ptr<ReactorBase> makeReactor(std::string_view name = "default",
                                                     ReactorOptions options = {});

namespace default_ {
/// Installs the platform's best reactor (epoll on Linux). Mirrors
/// twisted.internet.default.install.
TWISTED_API void install();
}  // namespace default_

}  // namespace twisted::internet
