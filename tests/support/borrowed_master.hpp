#pragma once
// A master that lends a test's FakeMaster to the System (which owns its masters).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "support/fake_master.hpp"

namespace phil::test {

/// Hands the System a master that forwards to the test's FakeMaster (which outlives it).
class Borrowed final : public meterlink::ModbusMaster {
 public:
  explicit Borrowed(meterlink::FakeMaster& m) : m_(m) {}
  meterlink::LinkResult<std::vector<std::uint16_t>> read_registers(int slave, std::uint16_t start,
                                                                   std::uint16_t count) override {
    return m_.read_registers(slave, start, count);
  }
  meterlink::LinkResult<void> write_registers(int slave, std::uint16_t start,
                                              std::span<const std::uint16_t> values) override {
    return m_.write_registers(slave, start, values);
  }
  std::string describe() const override { return "borrowed fake"; }

 private:
  meterlink::FakeMaster& m_;
};

}  // namespace phil::test
