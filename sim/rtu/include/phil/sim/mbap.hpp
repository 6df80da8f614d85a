#pragma once
// Modbus TCP (MBAP) framing for the gateway side of a bus: an incremental decoder of the
// requests a Modbus TCP gateway receives, and the conversions MBAP <-> RTU it performs.
// PURE: no I/O, no clock; the caller feeds the bytes of one TCP connection.
//
// MBAP header (Modbus Messaging on TCP/IP V1.0b): transaction id (2), protocol id (2, always 0),
// length (2: unit id + PDU bytes, so 2..254), unit id (1); then the PDU (function + data),
// all big-endian, no CRC. The gateway forwards the PDU on its RTU side as
// [unit id][PDU][CRC] and answers with the slave's reply PDU under the same transaction id.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace phil::sim::mbap {

inline constexpr std::size_t kHeader = 7;    ///< transaction, protocol, length, unit
inline constexpr std::size_t kMaxPdu = 253;  ///< function + up to 252 data bytes
/// The length field counts the unit id and the PDU: 1 + (1..253).
inline constexpr std::uint16_t kMinLength = 2;
inline constexpr std::uint16_t kMaxLength = 1 + kMaxPdu;

/// One request as received: header fields and the PDU (function code first).
struct Frame {
  std::uint16_t transaction = 0;
  std::uint8_t unit = 0;
  std::vector<std::uint8_t> pdu;
};

/// Incremental decoder of one TCP connection's byte stream, from any segmentation.
///
/// A header with a protocol id other than 0 or a length outside 2..254 is malformed: the stream
/// cannot be resynchronised (MBAP has no delimiter), so the decoder stops and reports it; the
/// gateway closes the connection, as real gateways do. Nothing here throws.
class Decoder {
 public:
  /// Bytes received, in order. Ignored once malformed() is set.
  void feed(std::span<const std::uint8_t> bytes);
  /// The next complete request, oldest first.
  std::optional<Frame> next();
  /// Set at the first malformed header, with what was wrong ("protocol id 5", "length 0").
  const std::optional<std::string>& malformed() const { return malformed_; }
  /// Bytes held for an incomplete frame.
  std::size_t pending() const { return buffer_.size(); }

 private:
  std::vector<std::uint8_t> buffer_;
  std::deque<Frame> ready_;
  std::optional<std::string> malformed_;
};

/// The RTU frame the gateway puts on the line for `frame`: unit id, PDU, CRC.
std::vector<std::uint8_t> to_rtu(const Frame& frame);

/// The MBAP reply for the RTU `reply` (as a slave sent it) to `request`: nullopt unless
/// `reply` is exactly one well-formed RTU frame (4..256 bytes, good CRC) from the request's
/// unit, which is what a gateway needs to recognise an answer (a reply corrupted, truncated or
/// preceded by noise on the line gets no answer: the master times out).
std::optional<std::vector<std::uint8_t>> to_mbap(const Frame& request,
                                                 std::span<const std::uint8_t> reply);

/// Encodes a request (for tests and masters): header + PDU.
std::vector<std::uint8_t> encode(const Frame& frame);

}  // namespace phil::sim::mbap
