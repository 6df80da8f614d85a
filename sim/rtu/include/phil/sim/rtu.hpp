#pragma once
// Modbus-RTU framing for a slave: CRC-16, an incremental request decoder and response encoders.
// PURE: no I/O, no threads, no clock; the caller feeds received bytes and signals line silence.
//
// Wire format (Modbus over serial line V1.02): address, function, data, CRC-16 (poly 0xA001
// reflected, init 0xFFFF) sent LOW byte first. Register values and addresses are big-endian.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace phil::sim::rtu {

/// Largest RTU frame on the wire (address + 253 PDU bytes + CRC).
inline constexpr std::size_t kMaxFrame = 256;
/// Most registers in one FC03/FC04 read, and in one FC10 write (Modbus limits).
inline constexpr int kMaxReadRegisters = 125;
inline constexpr int kMaxWriteRegisters = 123;
/// Address 0 is a broadcast: slaves execute writes and never reply.
inline constexpr std::uint8_t kBroadcast = 0;

inline constexpr std::uint8_t kReadHolding = 0x03;
inline constexpr std::uint8_t kReadInput = 0x04;
inline constexpr std::uint8_t kWriteSingle = 0x06;
inline constexpr std::uint8_t kWriteMultiple = 0x10;

enum class Exception : std::uint8_t {
  kIllegalFunction = 0x01,     ///< function code not supported
  kIllegalDataAddress = 0x02,  ///< address not mapped or not accessible that way
  kIllegalDataValue = 0x03,    ///< quantity or value not acceptable
  kDeviceFailure = 0x04,       ///< the request was understood but refused (e.g. a bad credit)
};

/// CRC-16/MODBUS of `bytes`. On the wire the low byte goes first.
std::uint16_t crc16(std::span<const std::uint8_t> bytes);
/// Appends the CRC of `frame`, low byte first.
void append_crc(std::vector<std::uint8_t>& frame);

/// One request frame with a good CRC.
struct Request {
  std::uint8_t address = 0;
  std::uint8_t function = 0;
  std::uint16_t start = 0;            ///< first register (FC03/04/06/10)
  std::uint16_t count = 0;            ///< registers read or written (FC06: 1)
  std::vector<std::uint16_t> values;  ///< FC06: the value; FC10: `count` values
  /// Set when the frame is intact but the request is not acceptable: unknown function (01),
  /// quantity out of 1..125 / 1..123 or FC10 byte count != 2 x quantity (03). The slave answers
  /// with this exception (unless broadcast).
  std::optional<Exception> error;
  std::vector<std::uint8_t> frame;  ///< the bytes received, CRC included
};

/// Incremental decoder of the requests a slave receives.
///
/// Frames are delimited by their length, known from the function code for FC03/04/06 (8 bytes)
/// and FC10 (9 + byte count), and by line silence for anything else. A frame with a bad CRC is
/// dropped silently, as a real device does, and every byte up to the next silence() is
/// discarded with it (the decoder cannot know where the next frame starts). A partial frame is
/// discarded at silence(). Nothing here throws; any byte sequence is acceptable input.
class RequestDecoder {
 public:
  /// Bytes received from the line, in order.
  void feed(std::span<const std::uint8_t> bytes);
  /// The line has been quiet longer than the inter-frame gap: ends the current frame. A frame of
  /// an unknown function code (whose length only silence tells) becomes a request with error 01
  /// if its CRC is good; any other partial frame is discarded.
  void silence();
  /// The next complete request, oldest first.
  std::optional<Request> next();

  /// Frames dropped for a bad CRC, and partial frames discarded at silence.
  std::uint64_t bad_crc() const { return bad_crc_; }
  std::uint64_t discarded() const { return discarded_; }
  /// Bytes held for an incomplete frame.
  std::size_t pending() const { return buffer_.size(); }
  /// True when silence() would change nothing: no partial frame held and not discarding the
  /// rest of a burst after a bad CRC.
  bool idle() const { return buffer_.empty() && !discarding_; }

 private:
  void parse();
  /// The full length of the frame at the head of buffer_: 0 = unknown function (length by
  /// silence), nullopt = not enough bytes yet to tell.
  std::optional<std::size_t> frame_length() const;
  void take(std::size_t length, bool by_silence);

  std::vector<std::uint8_t> buffer_;
  std::deque<Request> ready_;
  bool discarding_ = false;
  std::uint64_t bad_crc_ = 0;
  std::uint64_t discarded_ = 0;
};

/// FC03/FC04 response: address, function, byte count, values (big-endian), CRC.
std::vector<std::uint8_t> encode_read_response(std::uint8_t address, std::uint8_t function,
                                               std::span<const std::uint16_t> values);
/// FC06 response: the request echoed (address, 06, register, value, CRC).
std::vector<std::uint8_t> encode_write_single_response(std::uint8_t address, std::uint16_t start,
                                                       std::uint16_t value);
/// FC10 response: address, 0x10, start, quantity, CRC.
std::vector<std::uint8_t> encode_write_multiple_response(std::uint8_t address, std::uint16_t start,
                                                         std::uint16_t count);
/// Exception response: address, function | 0x80, code, CRC.
std::vector<std::uint8_t> encode_exception(std::uint8_t address, std::uint8_t function,
                                           Exception code);

/// "01 03 10 00 00 19 80 C0": bytes in upper-case hex separated by spaces.
std::string to_hex(std::span<const std::uint8_t> bytes);
/// One-line decoding of a request for traces, e.g.
/// "addr 1 fc 03 read start 0x1000 count 25" or "addr 1 fc 41 -> exception 01".
std::string describe(const Request& request);
/// One-line decoding of a response frame this library encoded, e.g. "addr 1 fc 03 25 registers"
/// or "addr 1 fc 10 exception 04".
std::string describe_response(std::span<const std::uint8_t> frame);

}  // namespace phil::sim::rtu
