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
    if (ChatHub* h = hub()) h->release(name_);
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
  ChatHub* h = hub();
  if (h ? !h->claim(name) : users_.contains(name)) {
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
  if (ChatHub* h = hub()) h->relay(*static_cast<ChatFactory*>(factory), std::string(line));
}

ChatHub* Chat::hub() const {
  auto* f = dynamic_cast<ChatFactory*>(factory);
  return f ? f->hub.get() : nullptr;
}

void ChatHub::join(internet::ReactorBase& reactor, ChatFactory& factory) {
  std::lock_guard lock(mutex_);
  peers_.push_back({&reactor, &factory});
}

bool ChatHub::claim(std::string_view name) {
  std::lock_guard lock(mutex_);
  return names_.emplace(name).second;
}

void ChatHub::release(const std::string& name) {
  std::lock_guard lock(mutex_);
  names_.erase(name);
}

void ChatHub::relay(const ChatFactory& from, const std::string& line) {
  std::lock_guard lock(mutex_);
  for (const Peer& peer : peers_)
    if (peer.factory != &from)
      // Runs in the peer's reactor thread; a worker already stopped drops it.
      peer.reactor->callFromThread([f = peer.factory, line] { f->deliver(line); });
}

void ChatFactory::deliver(std::string_view line) {
  for (auto& [name, user] : users)
    user->say(line);
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
  // Called once per worker: every worker's factory joins the one hub.
  std::shared_ptr<internet::Factory> makeFactory() override {
    auto factory = std::make_shared<ChatFactory>();
    factory->hub = hub_;
    hub_->join(serviceReactor(), *factory);
    return factory;
  }

 private:
  std::shared_ptr<ChatHub> hub_ = std::make_shared<ChatHub>();
};

}  // namespace

std::unique_ptr<ServiceMaker> makeChatService() {
  return std::make_unique<ChatService>();
}

}  // namespace twisted::twist
