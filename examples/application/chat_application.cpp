// The chat server of examples/tcp/chat_server.cpp, written as Twisted
// programs are today: an Application holding a StreamServerEndpointService
// made from an endpoint string (strports::service / serverFromString), run
// by startApplication, so SIGTERM (or Ctrl-C) stops the services cleanly
// before the reactor exits.
//
// Usage: chat_application [DESCRIPTION]   (default "tcp:8123"; e.g.
// "tcp:0:interface=127.0.0.1" picks a free port, "unix:/tmp/chat.sock").
// Prints the port it listens on. Try it with `nc -C localhost 8123`.
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <twisted/application/app.h>
#include <twisted/application/service.h>
#include <twisted/application/strports.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>
#include <twisted/protocols/basic/line_receiver.h>

using twisted::internet::Address;
using twisted::internet::Factory;
using twisted::internet::Protocol;
using twisted::internet::reactor;
using twisted::protocols::basic::LineReceiver;
using twisted::python::Failure;
namespace service = twisted::application::service;
namespace strports = twisted::application::strports;
namespace defer = twisted::internet::defer;

class Chat;
using Users = std::map<std::string, Chat*, std::less<>>;

class Chat : public LineReceiver {
 public:
  explicit Chat(Users& users) : users_(users) {}
  void connectionMade() override { sendLine("What's your name?"); }
  void connectionLost(const Failure&) override {
    if (!name_.empty()) users_.erase(name_);
  }
  void lineReceived(std::string_view line) override {
    if (name_.empty()) {
      if (users_.contains(line)) return sendLine("Name taken, please choose another.");
      sendLine("Welcome, " + std::string(line) + "!");
      name_ = line;
      users_[name_] = this;
      return;
    }
    std::string message = "<" + name_ + "> " + std::string(line);
    for (auto& [name, user] : users_)
      if (user != this) user->sendLine(message);
  }

 private:
  Users& users_;
  std::string name_;
};

class ChatFactory : public Factory {
 public:
  std::unique_ptr<Protocol> buildProtocol(const Address&) override {
    return std::make_unique<Chat>(users_);
  }

 private:
  Users users_;
};

// A service of our own: says goodbye when the application stops.
class Announcer : public service::Service {
 public:
  defer::Deferred<void> stopService() override {
    std::printf("Chat service stopping.\n");
    std::fflush(stdout);
    return Service::stopService();
  }
};

int main(int argc, char** argv) {
  const char* description = argc > 1 ? argv[1] : "tcp:8123";
  auto app = std::make_shared<service::Application>("chat");
  std::make_shared<Announcer>()->setServiceParent(app);
  auto chat = strports::service(description, std::make_shared<ChatFactory>());
  chat->setName("chat");
  chat->setServiceParent(app);

  try {
    twisted::application::app::startApplication(app, reactor(), 10.0);
  } catch (const std::exception& e) {  // e.g. the port is taken
    std::fprintf(stderr, "chat_application: %s\n", e.what());
    return 1;
  }
  if (auto port = chat->port()) {
    std::printf("Chat server listening on port %d.\n", twisted::internet::portOf(port->getHost()));
    std::fflush(stdout);
  }
  reactor().run();  // SIGTERM / SIGINT: stop -> services stopped -> run() returns
  std::printf("Chat application stopped (running: %s).\n", app->running() ? "yes" : "no");
}
