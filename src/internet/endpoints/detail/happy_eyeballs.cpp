// The happy-eyeballs race. Test: tests/internet/endpoints/test_hostname_endpoint.cpp
#include <twisted/internet/endpoints/detail/happy_eyeballs.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>

#include <twisted/internet/defer/errors.h>
#include <twisted/internet/delayed_call.h>
#include <twisted/internet/error.h>

namespace twisted::internet::endpoints::detail {

std::vector<Address> interleaveFamilies(const std::vector<Address>& addresses) {
  std::vector<Address> v4, v6;
  bool v6First = false, seenAny = false;
  for (const Address& a : addresses) {
    const bool isV6 = std::holds_alternative<IPv6Address>(a);
    if (!isV6 && !std::holds_alternative<IPv4Address>(a)) continue;  // not for TCP
    if (!seenAny) v6First = isV6, seenAny = true;
    (isV6 ? v6 : v4).push_back(a);
  }
  const std::vector<Address>& first = v6First ? v6 : v4;
  const std::vector<Address>& second = v6First ? v4 : v6;
  std::vector<Address> out;
  out.reserve(first.size() + second.size());
  for (std::size_t i = 0; i < std::max(first.size(), second.size()); ++i) {
    if (i < first.size()) out.push_back(first[i]);
    if (i < second.size()) out.push_back(second[i]);
  }
  return out;
}

std::string describeTarget(const RaceTarget& target) {
  const bool ipv6Literal = target.host.find(':') != std::string::npos;
  return (ipv6Literal ? "[" + target.host + "]" : target.host) + ":" + std::to_string(target.port);
}

namespace {

using defer::Deferred;
using defer::Outcome;
using python::Failure;

// One race, on the reactor thread. Every callback it adds holds it; it
// holds the handles it may have to cancel. Those cycles end as the
// Deferreds fire, which stopAll() makes them do.
class Race : public std::enable_shared_from_this<Race> {
 public:
  Race(IReactorTime& clock, AttemptEndpointFactory makeEndpoint, std::shared_ptr<Factory> factory,
       double attemptDelay, RaceTarget target)
      : clock_(clock),
        makeEndpoint_(std::move(makeEndpoint)),
        factory_(std::move(factory)),
        attemptDelay_(attemptDelay),
        target_(std::move(target)) {}

  Deferred<Protocol*> start(Deferred<std::vector<Address>> resolution) {
    std::weak_ptr<Race> weak = weak_from_this();
    // Twisted's canceller: fail with ConnectingCancelledError, then the
    // cleanup that follows any result stops everything else.
    result_ = Deferred<Protocol*>([weak](Deferred<Protocol*>&) {
      if (auto race = weak.lock()) race->cancelled();
    });
    Deferred<Protocol*> result = result_;
    resolution_ = resolution;
    resolution.addBoth([self = shared_from_this()](Outcome<std::vector<Address>> o) {
      self->resolved(std::move(o));
    });
    return result;
  }

 private:
  void resolved(Outcome<std::vector<Address>> o) {
    resolution_.reset();
    if (done_) return;  // cancelled: the CancelledError ends here
    if (o.isFailure()) {
      const Failure& f = o.failure();
      if (f.check<error::DNSLookupError>())
        lose(f);
      else
        lose(Failure(error::DNSLookupError("Couldn't find the hostname '" + target_.host + "' (" +
                                           f.getErrorMessage() + ")")));
      return;
    }
    queue_ = interleaveFamilies(std::move(o).value());
    if (queue_.empty()) {
      lose(Failure(error::DNSLookupError("no results for hostname lookup: " + target_.host)));
      return;
    }
    startNext();
  }

  // Starts the next attempt (or, with none left, sees whether all failed).
  void startNext() {
    if (timer_.active()) timer_.cancel();
    while (!done_ && next_ < queue_.size()) {
      const Address& address = queue_[next_++];
      const int id = ++latestId_;
      Deferred<Protocol*> attempt;
      try {
        std::shared_ptr<IStreamClientEndpoint> endpoint = makeEndpoint_(address);
        attempt = endpoint->connect(factory_);
      } catch (...) {
        lastFailure_ = Failure();
        continue;  // as if it failed at once: try the next one now
      }
      pending_.emplace_back(id, attempt);
      attempt.addBoth([self = shared_from_this(), id](Outcome<Protocol*> o) {
        self->attemptDone(id, std::move(o));
      });
      // An attempt that already finished has moved the race on itself.
      if (!done_ && isPending(id) && next_ < queue_.size()) {
        timer_ =
            clock_.callLater(attemptDelay_, [self = shared_from_this()] { self->startNext(); });
      }
      return;
    }
    checkAllFailed();
  }

  bool isPending(int id) const {
    return std::any_of(pending_.begin(), pending_.end(),
                       [id](const auto& entry) { return entry.first == id; });
  }

  void attemptDone(int id, Outcome<Protocol*> o) {
    std::erase_if(pending_, [id](const auto& entry) { return entry.first == id; });
    if (done_) {
      // A loser: its failure (often the CancelledError we caused) ends
      // here; a connection it made anyway is not wanted.
      if (o.succeeded()) {
        Protocol* p = o.value();
        if (p && p->transport) p->transport->loseConnection();
      }
      return;
    }
    if (o.succeeded()) {
      win(o.value());
      return;
    }
    lastFailure_ = o.failure();
    if (id == latestId_)
      startNext();  // RFC 8305: the next attempt need not wait for the timer
    else
      checkAllFailed();
  }

  void checkAllFailed() {
    if (done_ || !pending_.empty() || next_ < queue_.size()) return;
    lose(lastFailure_
             ? *lastFailure_
             : Failure(error::DNSLookupError("no results for hostname lookup: " + target_.host)));
  }

  void cancelled() {
    if (done_) return;
    lose(Failure(error::ConnectingCancelledError(describeTarget(target_))));
  }

  void win(Protocol* protocol) {
    std::shared_ptr<Race> keep = shared_from_this();  // cancelled callbacks may hold the last
    Deferred<Protocol*> result = stopAll();
    result.callback(protocol);
  }

  void lose(Failure failure) {
    std::shared_ptr<Race> keep = shared_from_this();
    Deferred<Protocol*> result = stopAll();
    result.errback(std::move(failure));
  }

  // Ends the race: stops the timer, cancels the resolution and every
  // pending attempt (before the caller sees the result, as Twisted does),
  // and hands back the caller's Deferred to fire.
  Deferred<Protocol*> stopAll() {
    done_ = true;
    if (timer_.active()) timer_.cancel();
    if (resolution_ && !resolution_->called()) resolution_->cancel();
    resolution_.reset();
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& entry : pending)
      entry.second.cancel();
    return std::exchange(result_, Deferred<Protocol*>());
  }

  IReactorTime& clock_;
  AttemptEndpointFactory makeEndpoint_;
  std::shared_ptr<Factory> factory_;
  double attemptDelay_;
  RaceTarget target_;

  Deferred<Protocol*> result_;
  std::optional<Deferred<std::vector<Address>>> resolution_;
  std::vector<Address> queue_;
  std::size_t next_ = 0;
  int latestId_ = 0;
  std::vector<std::pair<int, Deferred<Protocol*>>> pending_;
  DelayedCall timer_;
  std::optional<Failure> lastFailure_;
  bool done_ = false;
};

}  // namespace

Deferred<Protocol*> happyEyeballs(IReactorTime& clock, Deferred<std::vector<Address>> resolution,
                                  AttemptEndpointFactory makeEndpoint,
                                  std::shared_ptr<Factory> factory, double attemptDelay,
                                  RaceTarget target) {
  auto race = std::make_shared<Race>(clock, std::move(makeEndpoint), std::move(factory),
                                     attemptDelay, std::move(target));
  return race->start(std::move(resolution));
}

}  // namespace twisted::internet::endpoints::detail
