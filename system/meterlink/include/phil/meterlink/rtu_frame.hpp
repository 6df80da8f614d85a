#pragma once
// Modbus-RTU framing on the master's side, for transports that carry raw RTU frames over a byte
// stream that does not keep frame boundaries (a transparent serial server on TCP: one reply may
// arrive in many segments, or glued to late bytes of an earlier one). Pure: no I/O.
//
// A reply is recognised by its length (known from the function code and, for reads, the byte
// count) and its CRC. Bytes that cannot start the expected reply (another slave's address, a
// function code we did not send, a frame whose CRC fails) are dropped one at a time, so the
// assembler resynchronises on the next valid frame instead of giving up.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace phil::meterlink {

/// CRC-16/MODBUS of `bytes` (polynomial 0xA001 reflected, initial 0xFFFF). On the wire the low
/// byte goes first.
std::uint16_t rtu_crc(std::span<const std::uint8_t> bytes);

/// FC03 request: read `count` holding registers from `start` on `slave` (CRC appended).
std::vector<std::uint8_t> rtu_read_request(std::uint8_t slave, std::uint16_t start,
                                           std::uint16_t count);
/// FC10 request: write `values` from `start` on `slave` (CRC appended).
std::vector<std::uint8_t> rtu_write_request(std::uint8_t slave, std::uint16_t start,
                                            std::span<const std::uint16_t> values);

/// Length in bytes of an RTU frame on the wire (for wire-time budgets): FC03 request 8, FC03
/// reply 5 + 2 x count, FC10 request 9 + 2 x count, FC10 reply 8.
constexpr std::size_t rtu_read_request_bytes() {
  return 8;
}
constexpr std::size_t rtu_read_reply_bytes(std::size_t count) {
  return 5 + 2 * count;
}
constexpr std::size_t rtu_write_request_bytes(std::size_t count) {
  return 9 + 2 * count;
}
constexpr std::size_t rtu_write_reply_bytes() {
  return 8;
}

/// A complete, CRC-checked reply to the request being waited for.
struct RtuReply {
  std::uint8_t function = 0;             ///< as received (bit 7 set: exception)
  std::uint8_t exception_code = 0;       ///< exception replies only
  std::vector<std::uint16_t> registers;  ///< FC03 replies: the registers read
  std::uint16_t start = 0;               ///< FC10 replies: echoed start
  std::uint16_t count = 0;               ///< FC10 replies: echoed count
  bool is_exception() const { return (function & 0x80U) != 0; }
};

/// Reassembles the reply to one request from a byte stream delivered in arbitrary pieces.
class RtuReplyAssembler {
 public:
  /// Expects the reply of `slave` to `function` (3 or 0x10); an exception reply (function |
  /// 0x80) is accepted too.
  RtuReplyAssembler(std::uint8_t slave, std::uint8_t function);

  /// Appends received bytes. Returns the reply once complete (later bytes are ignored until
  /// reset); nullopt while more bytes are needed.
  std::optional<RtuReply> feed(std::span<const std::uint8_t> bytes);
  /// Frames of the expected shape that failed their CRC, and bytes dropped while resynchronising
  /// (a garbled line shows up here, for the error message).
  int crc_errors() const { return crc_errors_; }
  std::size_t bytes_dropped() const { return dropped_; }

 private:
  /// Expected length of a frame starting at buf_[off], 0 if no reply can start there, nullopt if
  /// more bytes are needed to tell.
  std::optional<std::size_t> frame_length(std::size_t off) const;

  std::uint8_t slave_;
  std::uint8_t function_;
  std::vector<std::uint8_t> buf_;
  std::optional<RtuReply> done_;
  int crc_errors_ = 0;
  std::size_t dropped_ = 0;
};

}  // namespace phil::meterlink
