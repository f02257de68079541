// `twist chat`: the seeds' LineReceiver chat server (seed 001 §3.1).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/application/internet/stream_server_endpoint_service.h>
#include <twisted/internet/interfaces/iproducer.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor_base.h>
#include <twisted/protocols/basic/line_receiver.h>

namespace twisted::twist {

/// One chat user's connection. It asks for a name ("What's your name?"),
/// refuses one already taken, then relays each line as "<name> line" to
/// every other user.
///
/// Differences from the seed's Chat: lines may end with "\n" or "\r\n" (so
/// plain `nc` works; replies always end with "\r\n"; either way a line of
/// up to kMaxLineLength bytes is accepted, a longer one closes the
/// connection), empty names are refused, and joins and departures are
/// logged and announced.
///
/// A user who does not read is disconnected once more than kSendQLimit
/// bytes wait for them beyond the transport's high-water mark, with a log
/// line "NAME: sendq exceeded" (IRC servers' "Max SendQ exceeded"), so one
/// stalled reader cannot grow the server. The seed's Chat (and Twisted)
/// buffer without limit.
///
/// A chat connection owes nothing once a line is handled, so drain()
/// (graceful shutdown) closes it once what was written has been sent.
///
/// Mirrors: the Chat(LineReceiver) of Twisted's chat server example.
class ChatFactory;

class Chat : public protocols::basic::LineReceiver,
             public application::internet::IDrainableProtocol {
 public:
  /// The users of the whole server, by name (owned by the factory).
  using Users = std::map<std::string, Chat*, std::less<>>;

  /// The longest line accepted, without its delimiter: LineReceiver's
  /// MAX_LENGTH for "\r\n" lines (MAX_LENGTH itself is one more, for the
  /// "\r" the "\n" delimiter leaves in the line).
  static constexpr std::size_t kMaxLineLength = 16384;

  /// The most bytes a user may have waiting beyond the transport's
  /// high-water mark before being disconnected.
  static constexpr std::size_t kSendQLimit = 1024 * 1024;

  explicit Chat(Users& users);

  void connectionMade() override;
  void connectionLost(const python::Failure& reason) override;
  void lineReceived(std::string_view line) override;
  /// As LineReceiver's (close the connection), unregistering the send
  /// queue's producer first so the close is not held for it.
  void lineLengthExceeded(std::string_view line) override;
  /// Closes the connection (without the send queue holding the close).
  void drain() override;
  std::string logPrefix() const override { return "Chat"; }

 private:
  friend class ChatFactory;
  /// The factory's hub, if it has one (twist builds it so).
  class ChatHub* hub() const;
  void handle_GETNAME(std::string_view name);
  void handle_CHAT(std::string_view message);
  /// Sends `line` to every user but this one.
  void broadcast(std::string_view line);
  /// sendLine with "\r\n" whatever the input delimiter is.
  void say(std::string_view line);

  /// Registered as the transport's streaming producer to learn when its
  /// buffer is above the high-water mark (paused) and when it has drained
  /// (resumed); counts what is written in between.
  struct SendQueue : internet::IPushProducer {
    void pauseProducing() override { full = true; }
    void resumeProducing() override {
      full = false;
      queued = 0;
    }
    void stopProducing() override {}
    bool full = false;
    std::size_t queued = 0;  // bytes written while full
  };
  /// Unregisters sendq_ (once; the transport holds a close for a producer).
  void unregisterSendQueue();

  Users& users_;
  SendQueue sendq_;
  bool sendqRegistered_ = false;
  bool sendqExceeded_ = false;  // disconnected for it: write nothing more
  std::string name_;
  enum class State { GETNAME, CHAT } state_ = State::GETNAME;
};

/// The chat rooms of every `twist --workers` worker joined into one: user
/// names are unique across workers, and a line said on one worker reaches
/// the users of the others through callFromThread on their reactors (each
/// worker's users are touched only by its own thread). The name table is
/// the one piece behind a mutex.
///
/// No Twisted equivalent (one reactor per process there).
class ChatHub {
 public:
  /// Adds a worker's factory, running on `reactor`. Call before the
  /// workers run.
  void join(internet::ReactorBase& reactor, ChatFactory& factory);
  /// Takes `name` for a user; false if someone on any worker has it.
  bool claim(std::string_view name);
  /// Gives `name` back.
  void release(const std::string& name);
  /// Sends `line` to the users of every worker but `from`'s, each in its
  /// own reactor thread.
  void relay(const ChatFactory& from, const std::string& line);

 private:
  struct Peer {
    internet::ReactorBase* reactor;
    ChatFactory* factory;
  };
  std::mutex mutex_;
  std::vector<Peer> peers_;  // fixed once the workers run
  std::set<std::string, std::less<>> names_;
};

/// Builds a Chat per connection, all sharing one user table.
/// Mirrors: the ChatFactory(Factory) of Twisted's chat server example.
class ChatFactory : public internet::ServerFactory {
 public:
  std::unique_ptr<internet::Protocol> buildProtocol(const internet::Address& addr) override;
  std::string logPrefix() const override { return "ChatFactory"; }
  /// Says `line` to every user of this factory (from another worker).
  void deliver(std::string_view line);

  /// Maps user names to their connections.
  Chat::Users users;
  /// Joins this factory's users with other workers' (null: on its own).
  std::shared_ptr<ChatHub> hub;
};

}  // namespace twisted::twist
