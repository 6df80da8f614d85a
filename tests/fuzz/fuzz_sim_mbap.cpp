// Fuzz target: arbitrary bytes on one connection to the simulator's Modbus TCP gateway, in
// arbitrary segmentation, through the MBAP decoder and the gateway's MBAP <-> RTU conversions.
// Nothing may crash, hang or throw; every frame decoded must fit its header, and the reply
// built for it must echo the transaction and carry a length that matches its size.
//
// Input: byte 0 steers how the rest is cut into chunks (sizes 1..16).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include <phil/sim/mbap.hpp>
#include <phil/sim/rtu.hpp>

namespace {

using namespace phil::sim;

void check(const mbap::Frame& frame) {
  if (frame.pdu.empty() || frame.pdu.size() > mbap::kMaxPdu) std::abort();
  const auto line = mbap::to_rtu(frame);
  if (line.size() != frame.pdu.size() + 3 || line[0] != frame.unit) std::abort();
  // What a slave makes of it, and an answer to it through the gateway.
  rtu::RequestDecoder slave;
  slave.feed(line);
  slave.silence();
  while (auto request = slave.next()) {
    const auto reply =
        rtu::encode_exception(request->address, request->function, rtu::Exception::kDeviceFailure);
    const auto answer = mbap::to_mbap(frame, reply);
    if (!answer) std::abort();  // a well-formed reply from the unit is always forwarded
    const auto& a = *answer;
    if (a.size() != mbap::kHeader + 2) std::abort();
    if (((a[0] << 8) | a[1]) != frame.transaction || a[2] != 0 || a[3] != 0) std::abort();
    if (((a[4] << 8) | a[5]) != static_cast<int>(a.size() - 6) || a[6] != frame.unit) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::uint8_t steer = data[0];
  const std::span<const std::uint8_t> bytes(data + 1, size - 1);
  mbap::Decoder decoder;
  std::size_t at = 0;
  std::size_t decoded = 0;
  while (at < bytes.size()) {
    const std::size_t chunk = std::min<std::size_t>(1 + (steer & 0x0F), bytes.size() - at);
    decoder.feed(bytes.subspan(at, chunk));
    at += chunk;
    steer = static_cast<std::uint8_t>(steer * 37 + 11);
    while (auto frame = decoder.next()) {
      decoded += mbap::kHeader - 1 + frame->pdu.size() + 1;
      check(*frame);
    }
  }
  // Every byte is in a frame, held for an incomplete one, or past a malformed header.
  if (!decoder.malformed() && decoded + decoder.pending() != bytes.size()) std::abort();
  return 0;
}
