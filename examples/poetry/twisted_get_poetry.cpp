// The tutorial's Twisted poetry client with a Deferred (twisted-client-4/
// get-poetry.py, the sequel to seed 004's async client): a PoetryProtocol
// collects the poem and hands it to its PoetryClientFactory when the server
// closes; the factory fires the Deferred that get_poetry() returned, with
// the poem, or with the failure if the connection could not be made.
//
// Usage: twisted_get_poetry [HOST:]PORT ...
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/internet/defer.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>

using twisted::internet::ClientFactory;
using twisted::internet::IConnector;
using twisted::internet::Protocol;
using twisted::internet::reactor;
using twisted::internet::defer::Deferred;
using twisted::python::Failure;

class PoetryClientFactory;

class PoetryProtocol : public Protocol {
 public:
  void dataReceived(std::string_view data) override { poem_ += data; }
  void connectionLost(const Failure&) override { poemReceived(poem_); }
  void poemReceived(const std::string& poem);

 private:
  std::string poem_;
};

class PoetryClientFactory : public ClientFactory {
 public:
  explicit PoetryClientFactory(Deferred<std::string> deferred) : deferred_(std::move(deferred)) {
    setProtocol<PoetryProtocol>();
  }

  void poem_finished(const std::string& poem) {
    // Fire once: take the Deferred out first, as the tutorial does.
    if (auto d = std::exchange(deferred_, std::nullopt)) d->callback(poem);
  }

  void clientConnectionFailed(IConnector&, const Failure& reason) override {
    if (auto d = std::exchange(deferred_, std::nullopt)) d->errback(reason);
  }

 private:
  std::optional<Deferred<std::string>> deferred_;
};

void PoetryProtocol::poemReceived(const std::string& poem) {
  static_cast<PoetryClientFactory*>(factory)->poem_finished(poem);
}

// Download a poem from the given host and port; the Deferred fires with
// the poem once it is complete, or fails if the connection fails.
Deferred<std::string> get_poetry(const std::string& host, int port) {
  Deferred<std::string> d;
  reactor().connectTCP(host, port, std::make_shared<PoetryClientFactory>(d));
  return d;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s [HOST:]PORT ...\n", argv[0]);
    return 2;
  }
  std::vector<std::pair<std::string, int>> addresses;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto colon = arg.rfind(':');
    std::string host = colon == std::string::npos ? "127.0.0.1" : arg.substr(0, colon);
    addresses.emplace_back(host,
                           std::stoi(colon == std::string::npos ? arg : arg.substr(colon + 1)));
  }

  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> poems;
  std::vector<Failure> errors;
  auto got_poem = [&](const std::string& poem) { poems.push_back(poem); };
  auto poem_failed = [&](const Failure& err) {
    std::cerr << "Poem failed: " << err << "\n";
    errors.push_back(err);
  };
  auto poem_done = [&] {
    if (poems.size() + errors.size() == addresses.size()) reactor().stop();
  };
  for (auto& [host, port] : addresses) {
    get_poetry(host, port).addCallbacks(got_poem, poem_failed).addBoth(poem_done);
  }
  reactor().run();

  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  for (const std::string& poem : poems)
    std::cout << poem;
  std::printf("Got %zu poems in %.3fs (%zu failed)\n", poems.size(), elapsed.count(),
              errors.size());
  return errors.empty() ? 0 : 1;
}
