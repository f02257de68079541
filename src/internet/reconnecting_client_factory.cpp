// ReconnectingClientFactory. Test: tests/internet/test_reconnecting_client_factory.cpp
#include <twisted/internet/reconnecting_client_factory.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>

#include <twisted/internet/error.h>
#include <twisted/internet/reactor.h>
#include <twisted/python/log.h>

#include "internet/stream/connector.h"

namespace twisted::internet {

namespace {

// A strong reference to `c` if it is shared-owned: the pending retry must
// keep the connector alive (nobody else may: a TCP connector that failed is
// held by no one but its caller, who often dropped it). Otherwise a
// non-owning pointer: the caller keeps the connector alive.
std::shared_ptr<IConnector> retain(IConnector& c) {
  if (auto* s = dynamic_cast<std::enable_shared_from_this<IConnector>*>(&c)) {
    if (auto p = s->weak_from_this().lock()) return p;
  }
  if (auto* tcp = dynamic_cast<stream::detail::Connector*>(&c)) {
    if (auto p = tcp->weak_from_this().lock()) return p;
  }
  return std::shared_ptr<IConnector>(std::shared_ptr<void>(), &c);
}

std::string describe(IConnector& c) {
  return "<Connector to " + toString(c.getDestination()) + ">";
}

}  // namespace

ReconnectingClientFactory::ReconnectingClientFactory()
    : normalVariate([](double mean, double stddev) {
        static thread_local std::mt19937_64 engine{std::random_device{}()};
        return std::normal_distribution<double>(mean, stddev)(engine);
      }) {}

ReconnectingClientFactory::~ReconnectingClientFactory() {
  // The pending retry refers to this factory.
  if (scheduled_.active()) scheduled_.cancel();
}

void ReconnectingClientFactory::clientConnectionFailed(IConnector& c, const python::Failure&) {
  if (continueTrying) {
    remember(c);
    retry(&c);
  }
}

void ReconnectingClientFactory::clientConnectionLost(IConnector& c, const python::Failure&) {
  if (continueTrying) {
    remember(c);
    retry(&c);
  }
}

void ReconnectingClientFactory::remember(IConnector& c) {
  std::weak_ptr<IConnector> owned = retain(c);  // empty if not shared-owned
  if (!owned.expired()) {
    connector_ = owned;
    unownedConnector_ = nullptr;
  } else {
    connector_.reset();
    unownedConnector_ = &c;
  }
}

std::shared_ptr<IConnector> ReconnectingClientFactory::connector() const {
  if (unownedConnector_)
    return std::shared_ptr<IConnector>(std::shared_ptr<void>(), unownedConnector_);
  return connector_.lock();
}

void ReconnectingClientFactory::retry(IConnector* c) {
  // Twisted checks continueTrying first and names the argument it was given
  // ("Abandoning None ..." without one), so this never throws after stopTrying().
  if (!continueTrying) {
    if (noisy)
      python::log::msg("Abandoning " + (c ? describe(*c) : std::string("None")) +
                       " on explicit request");
    return;
  }
  std::shared_ptr<IConnector> target;
  if (c) {
    target = retain(*c);
  } else {
    target = connector();
    if (!target) throw std::invalid_argument("no connector to retry");
  }
  ++retries;
  if (maxRetries && retries > *maxRetries) {
    if (noisy) {
      python::log::msg("Abandoning " + describe(*target) + " after " + std::to_string(retries) +
                       " retries.");
    }
    return;
  }
  delay = std::min(delay * factor, maxDelay);
  if (jitter != 0) delay = normalVariate(delay, delay * jitter);
  if (noisy) {
    python::log::msg(describe(*target) + " will retry in " +
                     std::to_string(static_cast<long long>(delay)) + " seconds");
  }
  IReactorTime& when = clock ? *clock : static_cast<IReactorTime&>(reactor());
  // A jittered delay below zero is practically impossible (8 standard
  // deviations), but reactors reject negative delays: clamp.
  callID_ = when.callLater(std::max(delay, 0.0), [this, target] {
    callID_ = {};
    target->connect();
  });
  scheduled_ = callID_;
}

void ReconnectingClientFactory::stopTrying() {
  // The connector may own this factory: keep it alive until we are done.
  std::shared_ptr<IConnector> c = connector();
  if (callID_.active()) callID_.cancel();
  callID_ = {};
  continueTrying = false;
  if (c) {
    try {
      c->stopConnecting();
    } catch (const error::NotConnectingError&) {
    }
  }
}

void ReconnectingClientFactory::resetDelay() {
  delay = initialDelay;
  retries = 0;
  callID_ = {};
  continueTrying = true;
}

}  // namespace twisted::internet
