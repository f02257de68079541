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

#include <twisted/export.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace twisted::protocols::basic::detail {

class TWISTED_API ReceiveBuffer {
 public:
  /// Starts parsing `data`: returns false (and queues `data`) if a parse is
  /// already under way further up the stack, as Twisted's _busyReceiving does.
  bool enter(std::string_view data) {
    ++generation_;
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
      // A message straddles the chunks: copy only a window of the new chunk
      // behind the buffered tail (extend() widens it); once parsing passes
      // the join, the rest of the chunk is parsed in place.
      joinAt_ = stored_.size();
      std::size_t window = std::min(data.size(), std::max(stored_.size() - pos_, kWindow));
      stored_.append(data.substr(0, window));
      chunk_ = data;
      rest_ = data.substr(window);
      stitching_ = true;
      cur_ = stored_;
      external_ = false;
    }
    return true;
  }

  /// Makes more of the current chunk visible to unparsed(): call it where a
  /// parser would wait for more data; false when everything is visible.
  /// Only between callbacks.
  bool extend() {
    if (!stitching_) return false;
    ++generation_;
    if (switchToChunk()) return true;
    if (rest_.empty()) return false;
    std::size_t window = std::min(rest_.size(), std::max(stored_.size(), kWindow));
    stored_.append(rest_.substr(0, window));  // doubling: amortised O(1) per byte
    rest_.remove_prefix(window);
    cur_ = stored_;
    return true;
  }

  /// Ends the parse: keeps the unparsed bytes (and anything queued) for next time.
  void leave() {
    ++generation_;
    materialize();
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
    if (!stitching_ && pending_.empty()) return;  // nothing to do (the common case)
    ++generation_;
    switchToChunk();
    if (pending_.empty()) return;
    materialize();
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
    if (stitching_) all.append(rest_);
    all.append(pending_);
    clear();
    return all;
  }
  /// Drops everything unparsed and queued.
  void clear() noexcept {
    ++generation_;
    pos_ += size();
    stitching_ = false;
    rest_ = {};
    pending_.clear();
    if (!busy_) {
      stored_.clear();
      pos_ = 0;
    }
  }
  /// Replaces everything unparsed and queued by `bytes`. Like
  /// absorbPending(), only between callbacks.
  void reset(std::string_view bytes) {
    ++generation_;
    std::string kept(bytes);
    stored_.swap(kept);
    pos_ = 0;
    pending_.clear();
    external_ = false;
    stitching_ = false;
    rest_ = {};
    if (busy_) cur_ = stored_;
  }
  /// Changes whenever anything but consume() changes what unparsed() views
  /// (data queued, the buffer cleared, reset or switched): a parser walking a
  /// view of unparsed() checks it after each callback to know the view is
  /// still the buffer.
  std::uint64_t generation() const noexcept { return generation_; }
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
  static constexpr std::size_t kWindow = 512;

  // Past the join: parse the rest of the chunk in place.
  bool switchToChunk() noexcept {
    if (!stitching_ || pos_ < joinAt_) return false;
    pos_ -= joinAt_;
    cur_ = chunk_;
    external_ = true;
    stitching_ = false;
    bool more = !rest_.empty();
    rest_ = {};
    return more;
  }
  // Copies what is left of the chunk behind the buffered bytes.
  void materialize() {
    if (!stitching_) return;
    stored_.append(rest_);
    rest_ = {};
    stitching_ = false;
    cur_ = stored_;
  }

  std::string stored_;    // owned bytes: the tail of earlier chunks
  std::string pending_;   // bytes fed from inside callbacks
  std::string_view cur_;  // what is being parsed: stored_ or the caller's chunk
  std::size_t pos_ = 0;   // parsed prefix of cur_ (of stored_ when idle)
  bool busy_ = false;
  bool external_ = false;  // cur_ is the caller's chunk, not stored_
  // stored_ holds a tail plus a window of chunk_ starting at joinAt_; rest_
  // is the part of chunk_ not copied yet.
  bool stitching_ = false;
  std::size_t joinAt_ = 0;
  std::string_view chunk_;
  std::string_view rest_;
  std::uint64_t generation_ = 0;
};

}  // namespace twisted::protocols::basic::detail
