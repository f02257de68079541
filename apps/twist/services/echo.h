// `twist echo`: twisted.protocols.wire.Echo with bounded memory.
#pragma once

#include <twisted/application/internet/stream_server_endpoint_service.h>
#include <twisted/protocols/wire.h>

namespace twisted::twist {

/// wire::Echo whose transport is its own streaming producer: once more than
/// the transport's high-water mark (64 KiB) waits for a client that sends
/// but does not read, reading stops until the buffer drains, so such a
/// client costs a bounded amount of memory. Twisted's Echo (and its `twist`)
/// buffers without limit. Nothing is ever owed, so drain() closes the
/// connection at once (after what is buffered has been sent).
///
/// Mirrors: twisted.protocols.wire.Echo, plus
/// transport.registerProducer(transport, True).
class BoundedEcho : public protocols::wire::Echo, public application::internet::IDrainableProtocol {
 public:
  void connectionMade() override;
  void drain() override { transport->loseConnection(); }
};

}  // namespace twisted::twist

#include <deque>
#include <string>

#include <twisted/internet/interfaces/ireactor_time.h>

namespace twisted::twist {

/// `twist echo --delay SECONDS`: writes back each chunk it receives
/// `delay` seconds after it came, a stand-in for a server whose responses
/// take time (and a way to test graceful drain). While more than 64 KiB
/// waits to be echoed, reading pauses. On drain() it echoes what is still
/// due, then closes the connection.
///
/// No Twisted equivalent (Twisted's echo answers at once).
class DelayedEcho : public internet::Protocol, public application::internet::IDrainableProtocol {
 public:
  DelayedEcho(internet::IReactorTime& clock, double delay) : clock_(clock), delay_(delay) {}
  void dataReceived(std::string_view data) override;
  void connectionLost(const python::Failure& reason) override;
  void drain() override;

 private:
  void echoDue();
  internet::IReactorTime& clock_;
  double delay_;
  struct Due {
    internet::DelayedCall call;
    std::string data;
  };
  std::deque<Due> due_;
  std::size_t dueBytes_ = 0;
  bool paused_ = false, draining_ = false;
};

}  // namespace twisted::twist
