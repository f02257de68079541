// libFuzzer target: Int8StringReceiver (see int_n_string_fuzz.h).
#include <cstddef>
#include <cstdint>

#include <twisted/protocols/basic/int_n_string_receiver.h>

#include "int_n_string_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return twisted_fuzz::fuzzIntNStringReceiver<twisted::protocols::basic::Int8StringReceiver>(data,
                                                                                             size);
}
