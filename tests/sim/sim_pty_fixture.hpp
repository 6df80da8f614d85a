#pragma once
// The Simulator over a real pty with libmodbus as the master, on manual time: the fixture of
// the pty integration tests (simulator_integration_test.cpp, simulator_control_test.cpp).
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <modbus.h>
#include <unistd.h>

#include <phil/sim/simulator.hpp>

#include "sim_manual_time.hpp"
#include "sim_modbus.hpp"
#include "sim_test_support.hpp"

namespace phil::sim {

inline constexpr int kC1 = 0x1000;
inline constexpr int kC2 = 0x1020;

// NOLINTNEXTLINE(cert-err58-cpp): a literal; a test binary that cannot allocate it fails at once
inline const std::string kFleet = R"(utc_offset: "+08:00"
buses:
  - id: bus1
    port: vbus/bus1
    boxes:
      - address: 1
        model: adf300l-iii
        circuits:
          1: {load: {constant: 1200}, balance: "20.00"}
          2: {load: {constant: 800}, balance: "0.00"}
)";

class simSimulatorOverPty : public ::testing::Test {
 protected:
  simSimulatorOverPty()
      : run_dir_(std::filesystem::temp_directory_path() /
                 ("phil_sim_it_" + std::to_string(::getpid()) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name())),
        time_(testing::at("2026-03-01T00:00:00+08:00")) {
    std::filesystem::remove_all(run_dir_);
    const auto doc = yaml::Document::load_string(kFleet, "fleet.yaml");
    SimulatorOptions options;
    options.run_dir = run_dir_.string();
    options.trace = [this](const std::string& line) {
      std::lock_guard lock(trace_mu_);
      trace_.push_back(line);
    };
    sim_ = std::make_unique<Simulator>(parse_fleet(doc.root(), testing::profiles_dir()), time_,
                                       options);
    sim_->start();
  }
  ~simSimulatorOverPty() override {
    master_.reset();
    sim_.reset();
    std::filesystem::remove_all(run_dir_);
  }

  modbus_t* master() {
    if (!master_) {
      master_.reset(modbus_new_rtu(sim_->endpoint("bus1").c_str(), 9600, 'N', 8, 1));
      if (!master_) {
        ADD_FAILURE() << "modbus_new_rtu failed";
        return nullptr;
      }
      modbus_set_slave(master_.get(), 1);
      modbus_set_response_timeout(master_.get(), 1, 0);
      if (modbus_connect(master_.get()) != 0) {
        ADD_FAILURE() << "modbus_connect: " << modbus_strerror(errno);
      }
    }
    return master_.get();
  }

  std::vector<std::uint16_t> read(int address, int count) {
    std::vector<std::uint16_t> out(static_cast<std::size_t>(count));
    const int n = modbus_read_registers(master(), address, count, out.data());
    if (n != count) {
      ADD_FAILURE() << "read " << address << ": " << modbus_strerror(errno);
      return {};
    }
    return out;
  }

  static std::int64_t u32(const std::vector<std::uint16_t>& w, std::size_t at) {
    return w.size() < at + 2 ? -1 : (std::int64_t{w[at]} << 16) | w[at + 1];
  }

  std::filesystem::path run_dir_;
  testing::ManualTime time_;
  std::unique_ptr<Simulator> sim_;
  Modbus master_;
  std::mutex trace_mu_;
  std::vector<std::string> trace_;
};

}  // namespace phil::sim
