// StatefulProtocol: a protocol that reads fixed-size pieces, each handled by
// the current state.
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>

#include <twisted/internet/protocol.h>
#include <twisted/protocols/basic/detail/receive_buffer.h>

namespace twisted::protocols::stateful {

/// Reads the stream as a sequence of fixed-size pieces: the current state
/// says how many bytes it wants and which handler gets them; the handler
/// returns the next state, or nothing to keep the current one:
///
///     class Header : public StatefulProtocol {
///       State getInitialState() override { return {[this](auto d) { return header(d); }, 4}; }
///       std::optional<State> header(std::string_view d) { ...; return State{body, n}; }
///     };
///
/// Processing stops when the transport is disconnecting after a handler.
/// The first state comes from getInitialState() on the first data (Twisted
/// asks in makeConnection, which is not virtual here). O(chunk) per chunk.
///
/// Mirrors: twisted.protocols.stateful.StatefulProtocol.
class TWISTED_API StatefulProtocol : public internet::Protocol {
 public:
  struct State;
  /// Gets exactly `size` bytes (valid during the call); returns the next
  /// state or std::nullopt to stay in this one.
  using Handler = std::function<std::optional<State>(std::string_view)>;
  /// Mirrors the (callable, nbytes) pairs of StatefulProtocol.
  struct State {
    /// Called with the next `size` bytes (see Handler).
    Handler handler;
    /// How many bytes the handler wants.
    std::size_t size = 0;
  };

  /// The first state. Mirrors StatefulProtocol.getInitialState.
  virtual State getInitialState() = 0;
  /// Hands each complete piece to the current state's handler.
  /// Mirrors StatefulProtocol.dataReceived.
  void dataReceived(std::string_view data) override;

 private:
  protocols::basic::detail::ReceiveBuffer buffer_;
  std::optional<State> state_;
};

}  // namespace twisted::protocols::stateful
