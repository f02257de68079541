// Helpers shared by the framing fuzz targets: split a fuzz input into a few
// parameter bytes, a chunking and the stream itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace twisted_fuzz {

// Reads parameter bytes off the front of the input (0 when exhausted).
class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}
  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    auto b = static_cast<std::uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// Chunk sizes drawn from a tiny LCG seeded by `seed` (0 = one chunk).
inline std::vector<std::string_view> chunk(std::string_view stream, std::uint8_t seed) {
  std::vector<std::string_view> chunks;
  if (seed == 0) {
    chunks.push_back(stream);
    return chunks;
  }
  std::uint32_t state = seed;
  while (!stream.empty()) {
    state = state * 1103515245u + 12345u;
    // Mostly 0..8 bytes (empty chunks too), sometimes up to 1500 so that
    // messages straddle big chunks (ReceiveBuffer's windowed join).
    std::size_t size = (state >> 28) == 0 ? (state >> 8) % 1500 : (state >> 16) % 9;
    size = size < stream.size() ? size : stream.size();
    chunks.push_back(stream.substr(0, size));
    stream.remove_prefix(size);
  }
  return chunks;
}

// A failed invariant: abort so libFuzzer (and the replay test) report it.
inline void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace twisted_fuzz
