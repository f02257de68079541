// The code snippets of docs/clients.md, verbatim, so the guide cannot drift
// from what compiles. The doc's functions take the reactor as a parameter;
// here they run on an independent reactor (makeReactor) against a server on
// 127.0.0.1, with a safety bound.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <twisted/protocols/basic.h>
#include <twisted/testing/fake_resolver.h>
#include <twisted/testing/memory_reactor.h>

// docs/clients.md, top.
#include <twisted/internet/client_creator.h>               // ClientCreator
#include <twisted/internet/error.h>                        // ConnectionRefusedError, ...
#include <twisted/internet/protocol.h>                     // ClientFactory
#include <twisted/internet/reactor.h>                      // reactor(), makeReactor
#include <twisted/internet/reconnecting_client_factory.h>  // ReconnectingClientFactory
using namespace twisted::internet;
using twisted::python::Failure;

namespace doc_examples {

// The server of the examples: answers each line with "echo: " + line.
class EchoServer : public twisted::protocols::basic::LineReceiver {
  void lineReceived(std::string_view line) override { sendLine("echo: " + std::string(line)); }
};

// --- "ClientCreator" ----------------------------------------------------------

class Greeter : public twisted::protocols::basic::LineReceiver {
 public:
  void sendGreeting(std::string_view name) { sendLine("hello " + std::string(name)); }
  void lineReceived(std::string_view line) override { answer.callback(std::string(line)); }
  defer::Deferred<std::string> answer;  // the first line back
};

void greetWithCallbacks(ReactorBase& reactor, int port) {
  ClientCreator<Greeter> creator(reactor);
  creator.connectTCP("127.0.0.1", port, /*timeout=*/5)
      .addCallback([](Greeter* g) {
        g->sendGreeting("world");  // connectionMade has run
        return g->answer.addCallback([g](std::string answer) {
          g->transport->loseConnection();
          return answer;
        });
      })
      .addCallbacks([&reactor](const std::string&) { reactor.stop(); },
                    [&reactor](const Failure&) { reactor.stop(); });
}

defer::Deferred<std::string> greet(ReactorBase& reactor, int port) {
  ClientCreator<Greeter> creator(reactor);
  Greeter* g = co_await creator.connectTCP("127.0.0.1", port, /*timeout=*/5);
  g->sendGreeting("world");
  std::string answer = co_await g->answer;
  g->transport->loseConnection();  // g is valid until its connectionLost
  co_return answer;
}

// --- "ClientFactory" ------------------------------------------------------------

class GreeterFactory : public ClientFactory {
 public:
  explicit GreeterFactory(ReactorBase& reactor) : reactor_(reactor) { setProtocol<Greeter>(); }

  void clientConnectionFailed(IConnector&, const Failure& reason) override {
    failure = reason.getErrorMessage();  // refused, timed out, DNS lookup failed ...
    reactor_.stop();
  }
  void clientConnectionLost(IConnector&, const Failure&) override { reactor_.stop(); }

  std::string failure;

 private:
  ReactorBase& reactor_;
};

// --- "ReconnectingClientFactory" --------------------------------------------------

class Watcher : public ReconnectingClientFactory {
 public:
  explicit Watcher(ReactorBase& reactor) {
    setProtocol<Greeter>();
    clock = &reactor;  // where retries are scheduled; default: reactor()
    initialDelay = 0.5;
    factor = 2;
    maxDelay = 30;
    maxRetries = 10;  // give up after 10 failed attempts in a row
  }
  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override {
    resetDelay();  // connected: the next outage starts the back-off over
    ++connections;
    return ReconnectingClientFactory::buildProtocol(addr);
  }
  int connections = 0;
};

// The doc's program lines: compiled, not run (they use the global reactor,
// which one test process can run once).
void programs() {
  reactor().connectTCP("127.0.0.1", 8000, std::make_shared<GreeterFactory>(reactor()));
  reactor().connectTCP("db.internal", 5432, std::make_shared<Watcher>(reactor()));
}

// ---------------------------------------------------------------------------

class ClientsDoc : public ::testing::Test {
 protected:
  ClientsDoc() : r(makeReactor("default")) {
    serverPort = r->listenTCP(0, Factory::forProtocol<EchoServer>(), 50, "127.0.0.1");
    portNumber = portOf(serverPort->getHost());
    guard = r->callLater(10, [this] {
      ADD_FAILURE() << "reactor still running after the safety bound";
      r->stop();
    });
  }
  ~ClientsDoc() override {
    if (guard.active()) guard.cancel();
  }
  std::unique_ptr<ReactorBase> r;
  std::shared_ptr<IListeningPort> serverPort;
  int portNumber = 0;
  DelayedCall guard;
};

TEST_F(ClientsDoc, ClientCreatorCallbacks) {
  greetWithCallbacks(*r, portNumber);
  r->run();
  EXPECT_TRUE(guard.active());
}

TEST_F(ClientsDoc, ClientCreatorCoroutine) {
  std::optional<std::string> answer;
  greet(*r, portNumber).addBoth([&](defer::Outcome<std::string> o) {
    if (o.succeeded()) answer = o.value();
    r->stop();
  });
  r->run();
  EXPECT_EQ(answer, "echo: hello world");
}

TEST_F(ClientsDoc, ClientCreatorRefused) {
  std::optional<Failure> failure;
  serverPort->stopListening().addCallback([&] {  // nobody listens on portNumber now
    greet(*r, portNumber).addBoth([&](defer::Outcome<std::string> o) {
      if (!o.succeeded()) failure = o.failure();
      r->stop();
    });
  });
  r->run();
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<error::ConnectionRefusedError>());
}

TEST_F(ClientsDoc, ClientFactoryRefused) {
  auto factory = std::make_shared<GreeterFactory>(*r);
  serverPort->stopListening().addCallback([&] { r->connectTCP("127.0.0.1", portNumber, factory); });
  r->run();
  EXPECT_EQ(factory->failure, "Connection was refused by other side: 111: Connection refused.");
}

TEST_F(ClientsDoc, ConnectTimeoutCoversTheLookup) {
  auto resolver = std::make_shared<twisted::testing::FakeResolver>();
  resolver->holdAnswers = true;  // a DNS server that never answers
  r->installResolver(resolver);
  auto factory = std::make_shared<GreeterFactory>(*r);
  r->connectTCP("slow.example", portNumber, factory, /*timeout=*/0.05);
  r->run();
  EXPECT_EQ(factory->failure, "User timeout caused connection failure.");
}

TEST_F(ClientsDoc, BindAddress) {
  // A server that records where its client comes from.
  class Recorder : public Protocol {
   public:
    explicit Recorder(std::string* peer) : peer_(peer) {}
    void connectionMade() override { *peer_ = hostOf(transport->getPeer()); }

   private:
    std::string* peer_;
  };
  std::string peer;
  auto recorderPort = r->listenTCP(0, Factory::forProtocol<Recorder>(&peer), 50, "127.0.0.1");
  ReactorBase& reactor = *r;
  int port = portOf(recorderPort->getHost());
  auto factory = std::make_shared<GreeterFactory>(reactor);
  auto connector = reactor.connectTCP("127.0.0.1", port, factory, /*timeout=*/5,
                                      std::pair<std::string, int>{"127.0.0.2", 0});
  r->callLater(0.2, [&] { connector->disconnect(); });  // GreeterFactory stops the reactor
  r->run();
  EXPECT_EQ(factory->failure, "");
  EXPECT_EQ(peer, "127.0.0.2");
}

TEST_F(ClientsDoc, ReconnectingFactoryReconnects) {
  // A server that hangs up on each client at once.
  class HangUp : public Protocol {
    void connectionMade() override { transport->loseConnection(); }
  };
  auto hangUpPort = r->listenTCP(0, Factory::forProtocol<HangUp>(), 50, "127.0.0.1");
  auto watcher = std::make_shared<Watcher>(*r);
  watcher->initialDelay = watcher->delay = 0.01;  // keep the test fast
  watcher->noisy = false;
  r->connectTCP("127.0.0.1", portOf(hangUpPort->getHost()), watcher);
  auto poll = std::make_shared<std::function<void()>>();
  *poll = [&, poll] {
    if (watcher->connections >= 3) {
      watcher->stopTrying();
      r->stop();
    } else {
      r->callLater(0.01, *poll);
    }
  };
  r->callLater(0.01, *poll);
  r->run();
  EXPECT_GE(watcher->connections, 3);
  EXPECT_FALSE(watcher->continueTrying);
  *poll = nullptr;
}

TEST(ClientsDocBackoff, Delays) {
  // docs/clients.md's back-off table: the defaults, jitter off.
  twisted::testing::MemoryReactorClock clock;
  auto f = std::make_shared<ReconnectingClientFactory>();
  f->clock = &clock;
  f->jitter = 0;
  f->noisy = false;
  f->setProtocol<Protocol>();
  auto c = clock.connectTCP("h", 1, f);
  std::vector<int> delays;
  for (int i = 0; i < 10; ++i) {
    f->clientConnectionFailed(*c, Failure(error::ConnectionRefusedError()));
    delays.push_back(static_cast<int>(f->delay + 0.5));
  }
  EXPECT_EQ(delays, (std::vector<int>{3, 7, 20, 55, 148, 403, 1097, 2981, 3600, 3600}));

  f->resetDelay();
  EXPECT_EQ(f->delay, 1.0);
  EXPECT_EQ(f->retries, 0);

  f->maxRetries = 2;
  f->clientConnectionFailed(*c, Failure(error::ConnectionRefusedError()));
  f->clientConnectionFailed(*c, Failure(error::ConnectionRefusedError()));
  EXPECT_TRUE(f->callID().active());
  clock.advance(f->delay);  // the second retry runs
  f->clientConnectionFailed(*c, Failure(error::ConnectionRefusedError()));
  EXPECT_FALSE(f->callID().active()) << "a third retry exceeds maxRetries";

  f->resetDelay();
  f->clientConnectionFailed(*c, Failure(error::ConnectionRefusedError()));
  EXPECT_TRUE(f->callID().active());
  f->stopTrying();
  EXPECT_FALSE(f->callID().active());
  EXPECT_FALSE(f->continueTrying);
}

}  // namespace doc_examples
