// The input buffer shared by the framing parsers of twisted.protocols.basic.
//
// Why it exists: Twisted's parsers rebuild their buffer for each message
// (`line, self._buffer = self._buffer.split(...)`), which makes a chunk of n
// lines cost O(chunk x lines). This buffer instead parses straight from the
// chunk given to dataReceived when nothing is buffered, walks it with an
// offset, and copies only the unparsed tail once, when dataReceived returns.
//
// It also makes callbacks safe: while a parser is inside a user callback
// (lineReceived, stringReceived ...) the bytes it is parsing are never moved
// or freed, so the string_view given to the callback stays valid even if the
// callback feeds more data (setLineMode(extra), a nested dataReceived), clears
// the buffer, switches mode or closes the connection. Data fed from inside a
// callback is queued and parsed after the bytes already buffered, in order.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace twisted::protocols::basic::detail {

class ReceiveBuffer {
 public:
  /// Starts parsing `data`: returns false (and queues `data`) if a parse is
  /// already under way further up the stack, as Twisted's _busyReceiving does.
  bool enter(std::string_view data) {
    if (busy_) {
      pending_.append(data);
      return false;
    }
    busy_ = true;
    if (pos_ == stored_.size()) {
      // Nothing buffered: parse the caller's bytes in place (valid for the
      // whole dataReceived call).
      stored_.clear();
      pos_ = 0;
      cur_ = data;
      external_ = true;
    } else {
      stored_.append(data);
      cur_ = stored_;
      external_ = false;
    }
    return true;
  }

  /// Ends the parse: keeps the unparsed bytes (and anything queued) for next time.
  void leave() {
    std::string_view tail = unparsed();  // while busy_: a view of cur_
    busy_ = false;
    if (external_) {
      stored_.assign(tail);  // cur_ is the caller's chunk: copy the tail once
      pos_ = 0;
    } else if (pos_ == stored_.size()) {
      stored_.clear();
      pos_ = 0;
    } else if (pos_ >= stored_.size() / 2) {
      // Compact only when the dead prefix is at least as big as what moves,
      // so compaction is amortised O(1) per byte.
      stored_.erase(0, pos_);
      pos_ = 0;
    }
    stored_.append(pending_);
    pending_.clear();
    cur_ = {};
    external_ = false;
  }

  /// Moves bytes queued by callbacks behind the unparsed ones. Call it only
  /// when no view handed to a callback is alive (between callbacks).
  void absorbPending() {
    if (pending_.empty()) return;
    if (external_) {
      stored_.assign(unparsed());
      pos_ = 0;
      external_ = false;
    }
    stored_.append(pending_);
    pending_.clear();
    cur_ = stored_;
  }

  /// The bytes not parsed yet (not counting queued ones).
  std::string_view unparsed() const noexcept {
    return busy_ ? cur_.substr(pos_) : std::string_view(stored_).substr(pos_);
  }
  std::size_t size() const noexcept { return unparsed().size(); }
  bool empty() const noexcept { return size() == 0; }
  /// Marks `n` unparsed bytes as parsed (their storage stays valid until leave()).
  void consume(std::size_t n) noexcept { pos_ += n; }

  /// Removes and returns everything unparsed, queued bytes included.
  std::string take() {
    std::string all(unparsed());
    all.append(pending_);
    clear();
    return all;
  }
  /// Drops everything unparsed and queued.
  void clear() noexcept {
    pos_ += size();
    pending_.clear();
    if (!busy_) {
      stored_.clear();
      pos_ = 0;
    }
  }
  /// Replaces everything unparsed and queued by `bytes`. Like
  /// absorbPending(), only between callbacks.
  void reset(std::string_view bytes) {
    std::string kept(bytes);
    stored_.swap(kept);
    pos_ = 0;
    pending_.clear();
    external_ = false;
    if (busy_) cur_ = stored_;
  }
  /// Bytes queued by callbacks during this parse.
  bool hasPending() const noexcept { return !pending_.empty(); }
  bool busy() const noexcept { return busy_; }

  /// RAII for enter()/leave().
  class Scope {
   public:
    explicit Scope(ReceiveBuffer& b) : b_(b) {}
    ~Scope() { b_.leave(); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    ReceiveBuffer& b_;
  };

 private:
  std::string stored_;    // owned bytes: the tail of earlier chunks
  std::string pending_;   // bytes fed from inside callbacks
  std::string_view cur_;  // what is being parsed: stored_ or the caller's chunk
  std::size_t pos_ = 0;   // parsed prefix of cur_ (of stored_ when idle)
  bool busy_ = false;
  bool external_ = false;  // cur_ is the caller's chunk, not stored_
};

}  // namespace twisted::protocols::basic::detail
