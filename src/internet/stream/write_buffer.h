// The bytes a connection could not send yet: a FIFO of chunks written out
// with writev. Small writes are packed into the last chunk; nothing is
// allocated until something has to wait.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace twisted::internet::stream::detail {

class WriteBuffer {
 public:
  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }

  void append(std::string_view data) {
    if (data.empty()) return;
    if (!chunks_.empty() && chunks_.back().size() + data.size() <= kPackLimit)
      chunks_.back().append(data);
    else
      chunks_.emplace_back(data);
    size_ += data.size();
  }

  /// Fills up to `max` iovecs with the oldest bytes; returns how many.
  int fill(iovec* iov, int max) const noexcept {
    int n = 0;
    for (std::size_t i = head_; i < chunks_.size() && n < max; ++i, ++n) {
      std::size_t skip = i == head_ ? offset_ : 0;
      iov[n].iov_base = const_cast<char*>(chunks_[i].data() + skip);
      iov[n].iov_len = chunks_[i].size() - skip;
    }
    return n;
  }

  /// Drops the first `n` bytes (what the kernel took).
  void consume(std::size_t n) noexcept {
    size_ -= n;
    while (n > 0) {
      std::size_t left = chunks_[head_].size() - offset_;
      if (n < left) {
        offset_ += n;
        return;
      }
      n -= left;
      chunks_[head_].clear();
      chunks_[head_].shrink_to_fit();
      ++head_;
      offset_ = 0;
    }
    if (head_ == chunks_.size() || size_ == 0) {
      chunks_.clear();
      head_ = offset_ = 0;
    } else if (head_ >= 64 && head_ * 2 >= chunks_.size()) {
      chunks_.erase(chunks_.begin(), chunks_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

  /// Takes every chunk; `firstOffset` is set to how much of the first one
  /// was sent already.
  std::vector<std::string> takeChunks(std::size_t& firstOffset) {
    if (head_ > 0)
      chunks_.erase(chunks_.begin(), chunks_.begin() + static_cast<std::ptrdiff_t>(head_));
    firstOffset = offset_;
    std::vector<std::string> out = std::move(chunks_);
    chunks_ = {};
    head_ = offset_ = 0;
    size_ = 0;
    return out;
  }

  void clear() noexcept {
    chunks_.clear();
    chunks_.shrink_to_fit();
    head_ = offset_ = 0;
    size_ = 0;
  }

 private:
  static constexpr std::size_t kPackLimit = 16 * 1024;
  std::vector<std::string> chunks_;
  std::size_t head_ = 0;    // first live chunk
  std::size_t offset_ = 0;  // bytes of chunks_[head_] already sent
  std::size_t size_ = 0;
};

}  // namespace twisted::internet::stream::detail
