// The code snippets of docs/task-react.md, verbatim, so the guide cannot
// drift from what compiles. The doc's mains use the process-wide reactor
// (task::react(main)); here each runs through task::react(*r, main) on an
// independent reactor (one process can run the global reactor once); the
// doc's main()s are compiled as countdownMain, checkMain and askMain.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/protocols/basic.h>
#include <twisted/testing/event_logging_observer.h>

// docs/task-react.md, top.
#include <twisted/internet/client_creator.h>
#include <twisted/internet/defer.h>
#include <twisted/internet/error.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/task.h>  // task::react, task::deferLater, task::SystemExit
using namespace twisted::internet;

namespace doc_examples {

// --- "A main written as a coroutine" --------------------------------------------

defer::Deferred<void> countdown(ReactorBase& reactor) {
  for (int i = 3; i > 0; --i) {
    std::printf("%d...\n", i);
    co_await task::deferLater(reactor, 0.01);
  }
  std::puts("liftoff");
}

int countdownMain() {
  return task::react(countdown);
}

// --- "Exit codes" -------------------------------------------------------------

defer::Deferred<int> check(ReactorBase& reactor, std::string path) {
  co_await task::deferLater(reactor, 0);
  if (path.empty()) throw task::SystemExit(64);                    // exit code 64
  if (path == "-") throw std::runtime_error("cannot read stdin");  // logged; exit code 1
  co_return 0;
}

int checkMain(int argc, char** argv) {
  return task::react(check, std::string(argc > 1 ? argv[1] : ""));
}

// --- "Clients: co_await the connection" ------------------------------------------

class Greeter : public twisted::protocols::basic::LineReceiver {
 public:
  void lineReceived(std::string_view line) override { answer.callback(std::string(line)); }
  defer::Deferred<std::string> answer;
};

defer::Deferred<int> ask(ReactorBase& reactor, std::string host, int port) {
  ClientCreator<Greeter> creator(reactor);
  Greeter* g = nullptr;
  try {
    g = co_await creator.connectTCP(host, port, /*timeout=*/5);
  } catch (const error::ConnectError& e) {  // refused, timed out, no route ...
    std::fprintf(stderr, "%s\n", e.what());
    co_return 2;
  } catch (const error::DNSLookupError& e) {  // not a ConnectError, as in Twisted
    std::fprintf(stderr, "%s\n", e.what());
    co_return 2;
  }
  g->sendLine("hello");
  std::string answer = co_await g->answer.addTimeout(5, reactor);
  std::printf("%s\n", answer.c_str());
  g->transport->loseConnection();
  co_return 0;
}

int askMain(int argc, char** argv) {
  if (argc != 3) return 64;
  return task::react(ask, std::string(argv[1]), std::stoi(argv[2]));
}

// --- "Servers: run until a signal" -----------------------------------------------

class Echo : public Protocol {
  void dataReceived(std::string_view data) override { transport->write(data); }
};

defer::Deferred<void> serve(ReactorBase& reactor, int port) {
  reactor.listenTCP(port, Factory::forProtocol<Echo>());  // the reactor keeps it listening
  return defer::Deferred<void>();  // never fires: run until SIGINT/SIGTERM, exit code 0
}

// ---------------------------------------------------------------------------

class ReactDoc : public ::testing::Test {
 protected:
  ReactDoc() : r(makeReactor("default")) {
    guard = r->callLater(10, [this] {
      ADD_FAILURE() << "reactor still running after the safety bound";
      r->stop();
    });
  }
  std::unique_ptr<ReactorBase> r;
  DelayedCall guard;
  twisted::testing::EventLoggingObserver logs;
};

TEST_F(ReactDoc, Countdown) {
  ::testing::internal::CaptureStdout();
  int code = task::react(*r, countdown);
  std::fflush(stdout);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "3...\n2...\n1...\nliftoff\n");
  EXPECT_EQ(code, 0);
  EXPECT_FALSE(r->running());
}

TEST_F(ReactDoc, ExitCodes) {
  EXPECT_EQ(task::react(*r, check, std::string("file")), 0);
}

TEST_F(ReactDoc, SystemExit) {
  EXPECT_EQ(task::react(*r, check, std::string("")), 64);
}

TEST_F(ReactDoc, FailureIsLoggedAndGivesOne) {
  EXPECT_EQ(task::react(*r, check, std::string("-")), 1);
  EXPECT_EQ(logs.flushLoggedErrors<std::runtime_error>().size(),
            1u);  // "main function encountered error"
}

TEST_F(ReactDoc, AskAnswered) {
  class Server : public twisted::protocols::basic::LineReceiver {
    void lineReceived(std::string_view line) override { sendLine("you said " + std::string(line)); }
  };
  auto port = r->listenTCP(0, Factory::forProtocol<Server>(), 50, "127.0.0.1");
  ::testing::internal::CaptureStdout();
  int code = task::react(*r, ask, std::string("127.0.0.1"), portOf(port->getHost()));
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "you said hello\n");
  EXPECT_EQ(code, 0);
}

TEST_F(ReactDoc, AskRefused) {
  auto port = r->listenTCP(0, Factory::forProtocol<Echo>(), 50, "127.0.0.1");
  int number = portOf(port->getHost());
  bool closed = false;
  port->stopListening().addCallback([&] { closed = true; });
  while (!closed)
    r->iterate(0.01);
  ::testing::internal::CaptureStderr();
  int code = task::react(*r, ask, std::string("127.0.0.1"), number);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "Connection was refused by other side: 111: Connection refused.\n");
  EXPECT_EQ(code, 2);
}

TEST_F(ReactDoc, ServeUntilStopped) {
  r->callLater(0.05, [this] { r->stop(); });  // what SIGINT/SIGTERM do
  EXPECT_EQ(task::react(*r, serve, 0), 0);
}

// The doc's main()s compile.
TEST(ReactDocMains, Compile) {
  EXPECT_NE(&countdownMain, nullptr);
  EXPECT_NE(&checkMain, nullptr);
  EXPECT_NE(&askMain, nullptr);
}

}  // namespace doc_examples
