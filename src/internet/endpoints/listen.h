// What every server endpoint's listen() does with the reactor's listen call.
#pragma once

#include <memory>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/interfaces/ireactor_tcp.h>

namespace twisted::internet::endpoints::detail {

/// The port `listenCall()` returns, as an already-fired Deferred; what it
/// throws is the errback. Mirrors defer.execute in Twisted's endpoints.
template <class F>
defer::Deferred<std::shared_ptr<IListeningPort>> listenWith(F&& listenCall) {
  try {
    return defer::succeed(std::shared_ptr<IListeningPort>(listenCall()));
  } catch (...) {
    return defer::fail<std::shared_ptr<IListeningPort>>(python::Failure());
  }
}

}  // namespace twisted::internet::endpoints::detail
