#pragma once
// Modbus masters over TCP, for buses reached through the network instead of a local serial port:
//
//   - ModbusTcpMaster: a Modbus TCP gateway (MBAP header; libmodbus). The unit id of each request
//     is the box's Modbus address, which the gateway forwards on its RS485 side.
//   - RtuOverTcpMaster: a transparent serial server (RTU frames carried unchanged in a TCP
//     stream). TCP keeps no frame boundaries, so replies are reassembled by length and CRC
//     (RtuReplyAssembler); stale bytes from a reply that came too late are discarded before the
//     next request is sent.
//
// Both connect lazily at the first request (constructing one never touches the network) and
// reconnect at the next request after the connection failed. A timeout is reported as kTimeout
// (the request may or may not have been applied), a refused or broken connection as kIo. Not
// thread-safe: one bus worker owns one master.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <phil/common/time.hpp>
#include <phil/meterlink/modbus_master.hpp>

namespace phil::meterlink {

struct TcpSettings {
  std::string host;  ///< name or address of the gateway / serial server
  int port = 502;    ///< 1..65535
  Millis response_timeout{500};
  Millis connect_timeout{2000};  ///< how long one connection attempt may take
};

/// Splits "host:port" (port 1..65535; an IPv6 host in brackets, "[::1]:502"). nullopt if
/// malformed.
std::optional<std::pair<std::string, int>> parse_host_port(std::string_view text);

class ModbusTcpMaster final : public ModbusMaster {
 public:
  explicit ModbusTcpMaster(TcpSettings settings);
  ~ModbusTcpMaster() override;
  ModbusTcpMaster(const ModbusTcpMaster&) = delete;
  ModbusTcpMaster& operator=(const ModbusTcpMaster&) = delete;

  LinkResult<std::vector<std::uint16_t>> read_registers(int slave, std::uint16_t start,
                                                        std::uint16_t count) override;
  LinkResult<void> write_registers(int slave, std::uint16_t start,
                                   std::span<const std::uint16_t> values) override;
  void set_response_timeout(std::chrono::milliseconds timeout) override;
  /// "tcp HOST:PORT".
  std::string describe() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class RtuOverTcpMaster final : public ModbusMaster {
 public:
  explicit RtuOverTcpMaster(TcpSettings settings);
  ~RtuOverTcpMaster() override;
  RtuOverTcpMaster(const RtuOverTcpMaster&) = delete;
  RtuOverTcpMaster& operator=(const RtuOverTcpMaster&) = delete;

  LinkResult<std::vector<std::uint16_t>> read_registers(int slave, std::uint16_t start,
                                                        std::uint16_t count) override;
  LinkResult<void> write_registers(int slave, std::uint16_t start,
                                   std::span<const std::uint16_t> values) override;
  void set_response_timeout(std::chrono::milliseconds timeout) override;
  /// "rtu-over-tcp HOST:PORT".
  std::string describe() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phil::meterlink
