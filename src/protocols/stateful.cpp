#include <stdexcept>
#include <utility>

#include <twisted/protocols/stateful.h>

namespace twisted::protocols::stateful {

void StatefulProtocol::dataReceived(std::string_view data) {
  if (!buffer_.enter(data)) return;
  protocols::basic::detail::ReceiveBuffer::Scope scope(buffer_);
  if (!state_) state_ = getInitialState();
  for (;;) {
    buffer_.absorbPending();
    std::string_view rest = buffer_.unparsed();
    const std::size_t size = state_->size;
    if (rest.size() < size) {
      if (buffer_.extend()) continue;
      return;
    }
    if (!state_->handler) throw std::logic_error(logPrefix() + ": state without a handler");
    buffer_.consume(size);
    // Copy the handler: it may replace the state (and so itself) while running.
    Handler handler = state_->handler;
    std::optional<State> next = handler(rest.substr(0, size));
    if (transport != nullptr && transport->disconnecting()) return;
    if (next) state_ = std::move(*next);
    // A zero-size state that keeps itself would loop forever: wait for data.
    if (state_->size == 0 && !next) return;
  }
}

}  // namespace twisted::protocols::stateful
