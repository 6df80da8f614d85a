#pragma once
// A master that lends a test's FakeMaster to the System (which owns its masters).
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "support/fake_master.hpp"

namespace phil::test {

/// Hands the System a master that forwards to the test's FakeMaster (which outlives it). With
/// `mu`, each request holds it: the lock a test takes to look at the FakeMaster while bus
/// workers run (FakeSite).
class Borrowed final : public meterlink::ModbusMaster {
 public:
  explicit Borrowed(meterlink::FakeMaster& m, std::mutex* mu = nullptr) : m_(m), mu_(mu) {}
  meterlink::LinkResult<std::vector<std::uint16_t>> read_registers(int slave, std::uint16_t start,
                                                                   std::uint16_t count) override {
    const auto l = lock();
    return m_.read_registers(slave, start, count);
  }
  meterlink::LinkResult<void> write_registers(int slave, std::uint16_t start,
                                              std::span<const std::uint16_t> values) override {
    const auto l = lock();
    return m_.write_registers(slave, start, values);
  }
  std::string describe() const override { return "borrowed fake"; }

 private:
  std::unique_lock<std::mutex> lock() const {
    return mu_ ? std::unique_lock(*mu_) : std::unique_lock<std::mutex>();
  }
  meterlink::FakeMaster& m_;
  std::mutex* mu_;
};

}  // namespace phil::test
