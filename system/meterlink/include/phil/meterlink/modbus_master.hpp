#pragma once
// The Modbus master as the rest of the system sees it: FC03 reads and FC10 writes to one slave
// at a time, with results that say what happened (LinkErrorKind). Implementations: RtuMaster
// (libmodbus, serial line), RtuOverTcpMaster (a transparent serial server) and ModbusTcpMaster (a
// Modbus TCP gateway); the tests' scripted FakeMaster lives in tests/support/, outside every
// production library.
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <phil/common/expected.hpp>

namespace phil::meterlink {

/// What went wrong with a request. Every consumer decides on the kind (a switch or the helpers
/// below), never on the message:
/// - the silent-box rule (service: no further request to the box in this iteration, commands
///   wait for its backoff): kTimeout, kIo and kPortUnavailable; see did_not_answer();
/// - delivery after a failed write: "may have been applied" for kTimeout, kIo and kBadReply, so a
///   credit is decided by reading purchase_count back (never re-issued under a new count) and a
///   setting is written again; "nothing applied" for kException, kEncode and kPortUnavailable;
///   see may_have_applied().
enum class LinkErrorKind : std::uint8_t {
  kTimeout,    ///< no (valid) reply in time; the request may or may not have been applied
  kException,  ///< the device answered with a Modbus exception; nothing was applied
  kIo,         ///< the line failed or the reply was garbled (CRC, wrong slave, connection lost)
               ///< after the request went out; it may have been applied
  /// A well-framed reply from the right slave that is wrong: a wrong register count, values that
  /// do not decode with the profile (e.g. a BCD serial with a nibble above 9). The device is
  /// there and answering, so it is not a silent box; after a write the request may have been
  /// applied (the reply, not the request, is what is wrong), so delivery treats it like a
  /// timeout: a credit is decided by the purchase_count read back, a setting written again.
  kBadReply,
  /// We could not build the request: a value does not fit its register, a circuit or a request
  /// size out of range, the profile lacks the register. Nothing was sent; never a silent box.
  /// Retrying does not help: a command that cannot be encoded fails for an operator.
  kEncode,
  /// The port could not be opened (device path missing, busy, no permission, connection to the
  /// serial server or gateway refused): nothing was sent to any box. The bus reports it once
  /// ("port X missing or busy"), not each box as silent.
  kPortUnavailable,
};

/// The device did not answer properly (timeout, garbled line, port gone): no further request to
/// that box in this iteration. An exception or a bad reply is an answer; an encoding failure never
/// reached the line.
constexpr bool did_not_answer(LinkErrorKind k) {
  switch (k) {
    case LinkErrorKind::kTimeout:
    case LinkErrorKind::kIo:
    case LinkErrorKind::kPortUnavailable:
      return true;
    case LinkErrorKind::kException:
    case LinkErrorKind::kBadReply:
    case LinkErrorKind::kEncode:
      return false;
  }
  return true;
}

/// After a write failed with `k`: may the device have applied it? True for a lost or bad reply
/// (kTimeout, kIo, kBadReply): a credit must then be decided by reading purchase_count, never
/// re-issued under a new count. False when the device refused it (kException) or it never left
/// (kEncode, kPortUnavailable).
constexpr bool may_have_applied(LinkErrorKind k) {
  switch (k) {
    case LinkErrorKind::kTimeout:
    case LinkErrorKind::kIo:
    case LinkErrorKind::kBadReply:
      return true;
    case LinkErrorKind::kException:
    case LinkErrorKind::kEncode:
    case LinkErrorKind::kPortUnavailable:
      return false;
  }
  return true;
}

struct LinkError {
  LinkErrorKind kind = LinkErrorKind::kIo;
  std::uint8_t exception_code = 0;  ///< kException only: 1 illegal function .. 11 gateway target
  std::string message;              ///< what, which port and slave
};

/// The result of a request on the line: the value, or the LinkError in its place (one template
/// for the whole project: phil/common/expected.hpp).
template <typename T>
using LinkResult = phil::Expected<T, LinkError>;

/// Modbus limits of one request (FC03: 125 registers, FC10: 123 registers).
inline constexpr int kMaxReadRegisters = 125;
inline constexpr int kMaxWriteRegisters = 123;

class ModbusMaster {
 public:
  virtual ~ModbusMaster() = default;
  /// FC03 read of `count` (1..125) holding registers from `start` on slave 1..247.
  virtual LinkResult<std::vector<std::uint16_t>> read_registers(int slave, std::uint16_t start,
                                                                std::uint16_t count) = 0;
  /// FC10 write of 1..123 registers from `start`.
  virtual LinkResult<void> write_registers(int slave, std::uint16_t start,
                                           std::span<const std::uint16_t> values) = 0;
  /// For logs: e.g. "rtu /dev/ttyUSB0 9600 8N1".
  virtual std::string describe() const = 0;

  /// FC10 write to address 0 (broadcast): every box on the line executes it and none replies.
  /// Success means the frame went out. The default writes to slave 0 and takes the reply
  /// timeout that follows as success (a transport that cannot send without waiting).
  virtual LinkResult<void> broadcast_write(std::uint16_t start,
                                           std::span<const std::uint16_t> values) {
    auto r = write_registers(0, start, values);
    if (!r && r.error().kind == LinkErrorKind::kTimeout) return {};
    return r;
  }
  /// The response timeout for the following requests (per box, adaptive). Default: ignored.
  virtual void set_response_timeout(std::chrono::milliseconds /*timeout*/) {}
};

}  // namespace phil::meterlink
