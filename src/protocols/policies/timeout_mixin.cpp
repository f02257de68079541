// TimeoutMixin. Test: tests/protocols/test_policies.cpp
#include <twisted/protocols/policies/timeout_mixin.h>

#include <stdexcept>

#include <twisted/internet/error.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>

namespace twisted::protocols::policies {

TimeoutMixin::~TimeoutMixin() {
  if (timeoutCall_.active()) timeoutCall_.cancel();
}

void TimeoutMixin::resetTimeout() {
  if (timeoutCall_ && timeoutCall_.active() && timeOut) timeoutCall_.reset(*timeOut);
}

std::optional<double> TimeoutMixin::setTimeout(std::optional<double> period) {
  std::optional<double> prev = timeOut;
  timeOut = period;
  if (timeoutCall_) {
    if (!period) {
      // Twisted ignores AlreadyCalled/AlreadyCancelled here.
      if (timeoutCall_.active()) timeoutCall_.cancel();
      timeoutCall_ = {};
    } else if (timeoutCall_.active()) {
      timeoutCall_.reset(*period);
    }
  } else if (period) {
    internet::IReactorTime& c =
        clock ? *clock : static_cast<internet::IReactorTime&>(internet::reactor());
    timeoutCall_ = c.callLater(*period, [this] { timedOut(); });
  }
  return prev;
}

void TimeoutMixin::timedOut() {
  timeoutCall_ = {};
  timeoutConnection();
}

void TimeoutMixin::timeoutConnection() {
  auto* p = dynamic_cast<internet::BaseProtocol*>(this);
  if (!p) throw std::logic_error("TimeoutMixin::timeoutConnection: not a protocol; override it");
  if (p->transport) p->transport->loseConnection();
}

}  // namespace twisted::protocols::policies
