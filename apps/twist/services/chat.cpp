#include "chat.h"

#include <utility>

#include "../service.h"

namespace twisted::twist {

Chat::Chat(Users& users) : users_(users) {
  // Accept bare "\n" too: the trailing "\r" of a "\r\n" line is stripped in
  // lineReceived(). LineReceiver then counts that "\r" as part of the line,
  // so allow one byte more here and check the stripped line's length there.
  delimiter = "\n";
  MAX_LENGTH = kMaxLineLength + 1;
}

void Chat::connectionMade() {
  transport->registerProducer(&sendq_, true);
  sendqRegistered_ = true;
  say("What's your name?");
}

void Chat::unregisterSendQueue() {
  if (std::exchange(sendqRegistered_, false)) transport->unregisterProducer();
}

void Chat::lineLengthExceeded(std::string_view line) {
  unregisterSendQueue();
  LineReceiver::lineLengthExceeded(line);
}

void Chat::drain() {
  unregisterSendQueue();
  transport->loseConnection();
}

void Chat::connectionLost(const python::Failure& reason) {
  sendqRegistered_ = false;  // the transport forgets its producer
  LineReceiver::connectionLost(reason);
  auto it = users_.find(name_);
  if (state_ == State::CHAT && it != users_.end() && it->second == this) {
    users_.erase(it);
    python::log::msg(name_ + " left");
    broadcast("* " + name_ + " left");
  }
}

void Chat::lineReceived(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > kMaxLineLength) {
    lineLengthExceeded(line);
    return;
  }
  if (state_ == State::GETNAME)
    handle_GETNAME(line);
  else
    handle_CHAT(line);
}

void Chat::handle_GETNAME(std::string_view name) {
  if (name.empty()) {
    say("Please choose a non-empty name.");
    return;
  }
  if (users_.contains(name)) {
    say("Name taken, please choose another.");
    return;
  }
  name_ = name;
  say("Welcome, " + name_ + "!");
  users_.emplace(name_, this);
  state_ = State::CHAT;
  python::log::msg(name_ + " joined");
  broadcast("* " + name_ + " joined");
}

void Chat::handle_CHAT(std::string_view message) {
  broadcast("<" + name_ + "> " + std::string(message));
}

void Chat::broadcast(std::string_view line) {
  for (auto& [name, protocol] : users_)
    if (protocol != this) protocol->say(line);
}

void Chat::say(std::string_view line) {
  if (sendqExceeded_) return;
  if (sendq_.full) {
    sendq_.queued += line.size() + 2;
    if (sendq_.queued > kSendQLimit) {
      sendqExceeded_ = true;
      python::log::msg((name_.empty() ? std::string("(no name)") : name_) +
                       ": sendq exceeded (over " + std::to_string(kSendQLimit) +
                       " bytes waiting), disconnecting");
      // Drop what is buffered: a close would wait for a reader that does not read.
      unregisterSendQueue();
      transport->abortConnection();
      return;
    }
  }
  std::string out;
  out.reserve(line.size() + 2);
  out.append(line).append("\r\n");
  transport->write(out);
}

std::unique_ptr<internet::Protocol> ChatFactory::buildProtocol(const internet::Address&) {
  auto p = std::make_unique<Chat>(users);
  p->factory = this;
  return p;
}

namespace {

class ChatService : public ListeningServiceMaker {
 public:
  std::string tapname() const override { return "chat"; }
  std::string description() const override {
    return "A chat server: users choose a name, then every line is relayed to the others "
           "(connect with `nc localhost 8123`)";
  }
  std::optional<std::string> defaultListen() const override { return "tcp:8123"; }
  std::shared_ptr<internet::Factory> makeFactory() override {
    return std::make_shared<ChatFactory>();
  }
};

}  // namespace

std::unique_ptr<ServiceMaker> makeChatService() {
  return std::make_unique<ChatService>();
}

}  // namespace twisted::twist
