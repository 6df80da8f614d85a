#pragma once
// Modbus-RTU master on a serial line (or a pty) through libmodbus.
//
// The port is opened lazily at the first request, so constructing a master (e.g. in prepaidctl)
// never touches the line. After a timeout the input is flushed so a late reply cannot be taken
// for the answer to the next request; after any other I/O failure the port is closed and
// reopened at the next request. Not thread-safe: one bus worker owns one master.
#include <memory>
#include <string>

#include <phil/common/time.hpp>
#include <phil/meterlink/modbus_master.hpp>

namespace phil::meterlink {

struct RtuSettings {
  std::string port;  ///< device path, e.g. /dev/ttyUSB0 or a pty symlink
  int baud = 9600;
  char parity = 'N';  ///< 'N', 'E' or 'O'
  int data_bits = 8;
  int stop_bits = 1;
  Millis response_timeout{500};
};

class RtuMaster final : public ModbusMaster {
 public:
  explicit RtuMaster(RtuSettings settings);
  ~RtuMaster() override;
  RtuMaster(const RtuMaster&) = delete;
  RtuMaster& operator=(const RtuMaster&) = delete;

  LinkResult<std::vector<std::uint16_t>> read_registers(int slave, std::uint16_t start,
                                                        std::uint16_t count) override;
  LinkResult<void> write_registers(int slave, std::uint16_t start,
                                   std::span<const std::uint16_t> values) override;
  void set_response_timeout(std::chrono::milliseconds timeout) override;
  std::string describe() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phil::meterlink
