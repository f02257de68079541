// Seed 001 §3.1 (src/chat-srv.py): a LineReceiver chat server. Each
// connection is asked for a name; once it has one, every line it sends is
// relayed to the other users as "<name> line". The factory holds the user
// table that all its Chat protocols share.
//
// Usage: chat_server [PORT]   (default 8123, as in the seed; 0 picks a free
// port). Prints the port it listens on. Try it with `nc -C localhost 8123`
// (LineReceiver's delimiter is "\r\n"; `twist chat` also accepts plain "\n").
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>
#include <twisted/protocols/basic/line_receiver.h>

using twisted::internet::Address;
using twisted::internet::Factory;
using twisted::internet::portOf;
using twisted::internet::Protocol;
using twisted::internet::reactor;
using twisted::protocols::basic::LineReceiver;
using twisted::python::Failure;

class Chat;
using Users = std::map<std::string, Chat*, std::less<>>;  // user names to Chat instances

class Chat : public LineReceiver {
 public:
  explicit Chat(Users& users) : users_(users) {}

  void connectionMade() override { sendLine("What's your name?"); }

  void connectionLost(const Failure&) override {
    if (state_ == "CHAT") users_.erase(name_);
  }

  void lineReceived(std::string_view line) override {
    if (state_ == "GETNAME")
      handle_GETNAME(line);
    else
      handle_CHAT(line);
  }

 private:
  void handle_GETNAME(std::string_view name) {
    if (users_.contains(name)) {
      sendLine("Name taken, please choose another.");
      return;
    }
    sendLine("Welcome, " + std::string(name) + "!");
    name_ = name;
    users_[name_] = this;
    state_ = "CHAT";
  }

  void handle_CHAT(std::string_view message) {
    std::string line = "<" + name_ + "> " + std::string(message);
    for (auto& [name, protocol] : users_)
      if (protocol != this) protocol->sendLine(line);
  }

  Users& users_;
  std::string name_;
  std::string state_ = "GETNAME";
};

class ChatFactory : public Factory {
 public:
  std::unique_ptr<Protocol> buildProtocol(const Address&) override {
    return std::make_unique<Chat>(users_);
  }

 private:
  Users users_;
};

int main(int argc, char** argv) {
  int port = argc > 1 ? std::stoi(argv[1]) : 8123;
  auto listening = reactor().listenTCP(port, std::make_shared<ChatFactory>());
  std::printf("Chat server listening on port %d.\n", portOf(listening->getHost()));
  std::fflush(stdout);
  reactor().run();
}
