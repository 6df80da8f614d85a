#pragma once
// The Modbus master as the rest of the system sees it: FC03 reads and FC10 writes to one slave
// at a time, with results that tell a timeout (nothing or garbage came back: the request or the
// reply may have been lost) from a Modbus exception (the device answered and refused) from any
// other I/O failure. Implementations: RtuMaster (libmodbus, serial line), RtuOverTcpMaster (a
// transparent serial server) and ModbusTcpMaster (a Modbus TCP gateway); the tests' scripted
// FakeMaster lives in tests/support/, outside every production library.
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace phil::meterlink {

enum class LinkErrorKind : std::uint8_t {
  kTimeout,    ///< no (valid) reply in time; the request may or may not have been applied
  kException,  ///< the device answered with a Modbus exception; nothing was applied
  kIo,         ///< the port failed or the reply was malformed; the request may have been applied
};

struct LinkError {
  LinkErrorKind kind = LinkErrorKind::kIo;
  std::uint8_t exception_code = 0;  ///< kException: 1 illegal function .. 11 gateway target
  std::string message;              ///< what, which port and slave
};

template <typename T>
class LinkResult {
 public:
  LinkResult(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  LinkResult(LinkError e) : v_(std::move(e)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const { return std::get<0>(v_); }
  T& value() { return std::get<0>(v_); }
  const LinkError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, LinkError> v_;
};

template <>
class LinkResult<void> {
 public:
  LinkResult() = default;
  LinkResult(LinkError e) : err_(std::move(e)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const LinkError& error() const { return err_; }

 private:
  LinkError err_;
  bool ok_ = true;
};

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
