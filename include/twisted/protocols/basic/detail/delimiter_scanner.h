// Finds successive delimiters in one run of bytes, for the line parsers.
//
// Why it exists: a parser that calls memchr (or string_view::find) once per
// line makes each search start where the previous one ended, so the CPU can
// fetch a line's bytes only after it has found the previous line's end: a
// chain of memory latencies once the input is out of cache, and a library
// call per line. This scanner instead compares 64 bytes at a time against the
// delimiter's last byte and keeps the resulting bit mask, so the lines of one
// block are found with a few bit operations and the next block's address does
// not depend on what the previous block held.
#pragma once

#include <twisted/export.h>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace twisted::protocols::basic::detail {

/// Walks one fixed run of bytes from delimiter to delimiter (see above).
class TWISTED_API DelimiterScanner {
 public:
  static constexpr std::size_t npos = std::string_view::npos;

  /// Scans `haystack` for `delimiter`; both must outlive the scanner and
  /// stay unchanged while it is used.
  DelimiterScanner(std::string_view haystack, std::string_view delimiter) noexcept
      : data_(haystack.data()),
        size_(haystack.size()),
        delim_(delimiter.data()),
        d_(delimiter.size()),
        last_(d_ != 0 ? delimiter[d_ - 1] : '\0') {}

  /// Where the first delimiter starting at or after `from` starts, or npos:
  /// string_view::find(delimiter, from). Successive calls must pass
  /// non-decreasing `from` values (what a parser walking forward does); the
  /// bytes scanned are then each compared once.
  std::size_t find(std::size_t from) noexcept {
    if (d_ == 0 || from >= size_ || size_ - from < d_) return npos;
    std::size_t i = from + d_ - 1;  // the first place the last byte can be
    if (i < block_ || i - block_ >= kBlock) {
      load(i);
    } else {
      mask_ &= ~std::uint64_t{0} << (i - block_);  // drop the positions before i
    }
    for (;;) {
      while (mask_ != 0) {
        std::size_t at = block_ + static_cast<std::size_t>(std::countr_zero(mask_));
        if (matchesBefore(at)) return at + 1 - d_;
        mask_ &= mask_ - 1;
      }
      std::size_t next = block_ + kBlock;
      if (next >= size_) return npos;
      load(next);
    }
  }

  /// True if `s` still equals the delimiter scanned for (a callback may
  /// assign a new one); inline, as a library memcmp per line costs more.
  bool sameDelimiter(std::string_view s) const noexcept {
    if (s.size() != d_) return false;
    if (d_ == 2) return s[0] == delim_[0] && s[1] == delim_[1];
    for (std::size_t k = 0; k < d_; ++k) {
      if (s[k] != delim_[k]) return false;
    }
    return true;
  }

 private:
  static constexpr std::size_t kBlock = 64;

  // mask_ := the positions of last_ in [at, at + 64) (clipped to the end).
  void load(std::size_t at) noexcept {
    block_ = at;
    const char* p = data_ + at;
    const std::size_t n = size_ - at;
#if defined(__SSE2__)
    if (n >= kBlock) {
      // Ask for the bytes a few blocks ahead now: the hardware prefetcher
      // alone does not keep up with a parser this fast on a cold buffer.
      __builtin_prefetch(  // (an address, not a pointer past the end)
          reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(p) + 32 * kBlock));
      const __m128i v = _mm_set1_epi8(last_);
      auto bits = [&](std::size_t k) {
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
        return static_cast<std::uint64_t>(
                   static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, v))))
               << (16 * k);
      };
      mask_ = bits(0) | bits(1) | bits(2) | bits(3);
      return;
    }
#endif
    std::uint64_t m = 0;
    const std::size_t end = n < kBlock ? n : kBlock;
    for (std::size_t k = 0; k < end; ++k)
      m |= static_cast<std::uint64_t>(p[k] == last_) << k;
    mask_ = m;
  }

  // The last byte of the delimiter is at `at`: do the bytes before it match?
  bool matchesBefore(std::size_t at) const noexcept {
    if (d_ == 2) return data_[at - 1] == delim_[0];  // "\r\n": one compare
    const char* p = data_ + at + 1 - d_;
    for (std::size_t k = 0; k + 1 < d_; ++k) {
      if (p[k] != delim_[k]) return false;
    }
    return true;
  }

  const char* data_;
  std::size_t size_;
  const char* delim_;
  std::size_t d_;
  char last_;
  std::size_t block_ = npos;  // the start of the block mask_ describes
  std::uint64_t mask_ = 0;    // positions of last_ in that block not yet ruled out
};

}  // namespace twisted::protocols::basic::detail
