#pragma once
// Timing of an asynchronous serial line as Modbus over serial line V1.02 defines it: a
// character is start bit + 8 data bits + parity bit (if any) + stop bits, so 10 or 11 bits
// (12 with parity and two stop bits); frames are separated by at least t3.5 (3.5 characters,
// fixed at 1750 us above 19200 baud). PURE.
#include <chrono>
#include <cstddef>

namespace phil::sim {

enum class Parity : unsigned char { kNone, kEven, kOdd };

struct LineTiming {
  std::chrono::nanoseconds char_time{0};  ///< one character on the wire
  std::chrono::nanoseconds t35{0};        ///< the inter-frame gap
  /// The wire time of `bytes` characters.
  std::chrono::nanoseconds frame(std::size_t bytes) const {
    return char_time * static_cast<long long>(bytes);
  }
};

/// The timing of a line at `baud` (> 0) with `parity` and `stop_bits` (1 or 2).
constexpr LineTiming line_timing(int baud, Parity parity, int stop_bits) {
  const long long bits = 1 + 8 + (parity == Parity::kNone ? 0 : 1) + stop_bits;
  const std::chrono::nanoseconds ch{bits * 1'000'000'000LL / baud};
  const std::chrono::nanoseconds t35 =
      baud > 19'200 ? std::chrono::nanoseconds(1'750'000) : ch * 7 / 2;
  return LineTiming{ch, t35};
}

}  // namespace phil::sim
