// Fuzz target: arbitrary bytes from a TCP stream as the reply to an RTU request, cut into
// segments at arbitrary points, fed to the reassembler of RTU over TCP. It must never crash or
// read out of bounds; any reply it returns must be the expected slave's, of the expected
// function (or its exception), with a CRC that checks, and of a consistent size.
// Byte 0: slave; byte 1: bit 0 picks FC03 or FC10; byte 2: segment length (1..256).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include <phil/meterlink/rtu_frame.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::uint8_t slave = data[0];
  const std::uint8_t function = (data[1] & 1U) != 0 ? 0x10 : 0x03;
  const std::size_t segment = std::size_t{data[2]} + 1;
  const std::span<const std::uint8_t> stream(data + 3, size - 3);
  phil::meterlink::RtuReplyAssembler a(slave, function);
  for (std::size_t at = 0; at < stream.size(); at += segment) {
    const auto piece = stream.subspan(at, std::min(segment, stream.size() - at));
    const auto r = a.feed(piece);
    if (!r) continue;
    const bool expected = r->function == function || r->function == (function | 0x80U);
    if (!expected) std::abort();
    if (!r->is_exception() && function == 0x03 &&
        (r->registers.empty() || r->registers.size() > 125)) {
      std::abort();
    }
    break;
  }
  return 0;
}
