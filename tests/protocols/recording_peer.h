// A protocol that records what happens to it, with hooks for the test: the
// peer of the in-memory connection tests (test_loopback, test_iosim).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/internet/protocol.h>
#include <twisted/python/failure.h>

namespace twisted::testing_internal {

class Peer : public internet::Protocol {
 public:
  std::function<void(Peer&)> onMade;
  std::function<void(Peer&, std::string_view)> onData;
  std::function<void(Peer&)> onLost;
  std::vector<std::string> chunks;  // every dataReceived, in order
  std::optional<python::Failure> lost;
  int lostCount = 0;
  std::vector<std::string>* order = nullptr;  // shared log of connectionLost calls
  std::string name;

  /// Everything received, joined.
  std::string all() const {
    std::string s;
    for (auto& c : chunks)
      s += c;
    return s;
  }
  void connectionMade() override {
    if (onMade) onMade(*this);
  }
  void dataReceived(std::string_view data) override {
    chunks.emplace_back(data);
    if (onData) onData(*this, data);
  }
  void connectionLost(const python::Failure& reason) override {
    ++lostCount;
    lost = reason;
    if (order) order->push_back(name);
    if (onLost) onLost(*this);
  }
};

}  // namespace twisted::testing_internal
