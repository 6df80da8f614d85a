// The Simulator over a real pty, with libmodbus as the master: what a head-end sees.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <modbus.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <phil/sim/control.hpp>
#include <phil/sim/line.hpp>
#include <phil/sim/rtu.hpp>
#include <phil/sim/simulator.hpp>

#include "sim_manual_time.hpp"
#include "sim_pty_fixture.hpp"
#include "sim_test_support.hpp"

namespace phil::sim {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using testing::ManualTime;

TEST_F(simSimulatorOverPty, PublishesTheBusAsASymlinkToAPtyAndRemovesItOnStop) {
  const fs::path link = sim_->endpoint("bus1");
  EXPECT_EQ(link, run_dir_ / "vbus" / "bus1");
  EXPECT_EQ(sim_->transport("bus1"), "pty");
  ASSERT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(fs::read_symlink(link).string().rfind("/dev/pts/", 0), 0U);
  sim_->stop();
  EXPECT_FALSE(fs::exists(fs::symlink_status(link)));
  sim_->start();  // and serves again, replacing nothing stale
  EXPECT_TRUE(fs::is_symlink(link));
}

TEST_F(simSimulatorOverPty, ReadsTheMeasurementBlockAndSeesTimePass) {
  auto w = read(kC1, 25);
  ASSERT_EQ(w.size(), 25U);
  EXPECT_EQ(u32(w, 0x00), 0);
  EXPECT_EQ(u32(w, 0x0C), 1200);
  EXPECT_EQ(u32(w, 0x10), 2000);
  EXPECT_EQ(w[0x12], 1);

  time_.advance(hours(1));  // the sim advances to now() before answering
  w = read(kC1, 25);
  EXPECT_EQ(u32(w, 0x00), 120);        // 1200 Wh
  EXPECT_EQ(u32(w, 0x10), 2000 - 72);  // 1.2 kWh x 0.6 yuan
  const auto view = sim_->circuit("bus1", 1, 1);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->energy_wh, 1200);
  EXPECT_EQ(view->balance_fen, 1928);
  EXPECT_GE(sim_->frames_answered("bus1"), 2U);
}

TEST_F(simSimulatorOverPty, CreditIsAcceptedOnceAndARetryIsExceptionFour) {
  auto w = read(kC2, 25);
  ASSERT_EQ(w.size(), 25U);
  EXPECT_EQ(w[0x12], 0);  // no balance: relay open
  EXPECT_EQ(w[0x14], 0);

  const std::uint16_t credit[] = {1, 0, 5000};  // count 1, 50.00 yuan
  ASSERT_EQ(modbus_write_registers(master(), kC2 + 0x14, 3, credit), 3) << modbus_strerror(errno);
  w = read(kC2, 25);
  EXPECT_EQ(u32(w, 0x10), 5000);
  EXPECT_EQ(w[0x12], 1);  // relay closed
  EXPECT_EQ(w[0x14], 1);
  EXPECT_EQ(u32(w, 0x17), 5000);

  errno = 0;
  EXPECT_EQ(modbus_write_registers(master(), kC2 + 0x14, 3, credit), -1);
  EXPECT_EQ(errno, EMBXSFAIL) << modbus_strerror(errno);
  EXPECT_EQ(read(kC2, 25), w);  // nothing changed
  const auto view = sim_->circuit("bus1", 1, 2);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->purchase_count, 1);
  EXPECT_EQ(view->purchase_total_fen, 5000);
}

TEST_F(simSimulatorOverPty, ModeWriteWithFunctionSixIsEchoed) {
  ASSERT_EQ(modbus_write_register(master(), kC1 + 0x13, 2), 1) << modbus_strerror(errno);
  EXPECT_EQ(sim_->circuit("bus1", 1, 1)->mode, Mode::kForcedOff);
  EXPECT_FALSE(sim_->circuit("bus1", 1, 1)->relay_closed);
  errno = 0;
  EXPECT_EQ(modbus_write_register(master(), kC1 + 0x13, 7), -1);
  EXPECT_EQ(errno, EMBXILVAL);
}

TEST_F(simSimulatorOverPty, UnmappedAddressIsExceptionTwo) {
  std::uint16_t out[2] = {};
  errno = 0;
  EXPECT_EQ(modbus_read_registers(master(), 0x3000, 2, out), -1);
  EXPECT_EQ(errno, EMBXILADD);
}

TEST_F(simSimulatorOverPty, ABoxThatIsNotOnTheBusNeverAnswers) {
  modbus_t* ctx = master();
  modbus_set_response_timeout(ctx, 0, 300'000);
  modbus_set_slave(ctx, 9);
  std::uint16_t out[1] = {};
  errno = 0;
  EXPECT_EQ(modbus_read_registers(ctx, kC1, 1, out), -1);
  EXPECT_EQ(errno, ETIMEDOUT);
  modbus_set_slave(ctx, 1);
  EXPECT_EQ(read(kC1, 2).size(), 2U);  // the bus still works afterwards
}

TEST_F(simSimulatorOverPty, TraceShowsFramesWithTheirDecoding) {
  ASSERT_EQ(read(kC1, 25).size(), 25U);
  std::lock_guard lock(trace_mu_);
  ASSERT_EQ(trace_.size(), 2U);
  EXPECT_NE(trace_[0].find("2026-03-01T00:00:00+08:00 bus1 <- 01 03 10 00 00 19"),
            std::string::npos)
      << trace_[0];
  EXPECT_NE(trace_[0].find("addr 1 fc 03 read start 0x1000 count 25"), std::string::npos);
  EXPECT_NE(trace_[1].find("bus1 -> 01 03 32"), std::string::npos) << trace_[1];
}

TEST_F(simSimulatorOverPty, AdvanceToStepsTheModelsWithoutAClient) {
  time_.advance(hours(2));
  sim_->advance_to(time_.now());
  EXPECT_EQ(sim_->circuit("bus1", 1, 1)->energy_wh, 2400);
  EXPECT_FALSE(sim_->circuit("bus1", 1, 37).has_value());
  EXPECT_FALSE(sim_->circuit("bus9", 1, 1).has_value());
  LoadSpec idle;
  EXPECT_TRUE(sim_->set_load("bus1", 1, 1, idle));
  time_.advance(hours(2));
  sim_->advance_to(time_.now());
  EXPECT_EQ(sim_->circuit("bus1", 1, 1)->energy_wh, 2400);
  EXPECT_FALSE(sim_->set_load("bus1", 2, 1, idle));
}

// Raw bytes on the pty, for what libmodbus never sends: partial frames, bad CRCs, broadcasts.
class RawPort {
 public:
  explicit RawPort(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_NOCTTY)) {
    if (fd_ < 0) return;
    termios tio{};
    ::tcgetattr(fd_, &tio);
    ::cfmakeraw(&tio);
    ::tcsetattr(fd_, TCSANOW, &tio);
  }
  ~RawPort() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawPort(const RawPort&) = delete;
  RawPort& operator=(const RawPort&) = delete;
  bool ok() const { return fd_ >= 0; }

  void send(std::vector<std::uint8_t> frame, bool with_crc = true) {
    if (with_crc) rtu::append_crc(frame);
    ASSERT_EQ(::write(fd_, frame.data(), frame.size()), static_cast<ssize_t>(frame.size()));
  }
  /// Up to `want` bytes, or what has arrived when `timeout` is over.
  std::vector<std::uint8_t> receive(std::size_t want, std::chrono::milliseconds timeout) {
    std::vector<std::uint8_t> out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < want) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      std::uint8_t buf[300];
      const ssize_t n = ::read(fd_, buf, std::min(sizeof buf, want - out.size()));
      if (n <= 0) break;
      out.insert(out.end(), buf, buf + n);
    }
    return out;
  }

 private:
  int fd_;
};

TEST_F(simSimulatorOverPty, APartialFrameIsDiscardedAfterSilenceAndTheNextFrameIsAnswered) {
  RawPort port(sim_->endpoint("bus1"));
  ASSERT_TRUE(port.ok());
  port.send({0x01, 0x03, 0x10}, false);
  // Far longer than the 20 ms silence, so the partial frame is gone before the next one.
  EXPECT_TRUE(port.receive(1, std::chrono::milliseconds(300)).empty());
  port.send({0x01, 0x03, 0x10, 0x00, 0x00, 0x02});
  const auto reply = port.receive(9, std::chrono::seconds(2));
  ASSERT_EQ(reply.size(), 9U);
  EXPECT_EQ(reply[1], 0x03);
  EXPECT_EQ(reply[2], 4);
}

TEST_F(simSimulatorOverPty, ABadCrcGetsNoReply) {
  RawPort port(sim_->endpoint("bus1"));
  ASSERT_TRUE(port.ok());
  port.send({0x01, 0x03, 0x10, 0x00, 0x00, 0x02, 0x12, 0x34}, false);
  EXPECT_TRUE(port.receive(1, std::chrono::milliseconds(300)).empty());
  EXPECT_EQ(sim_->frames_answered("bus1"), 0U);
  port.send({0x01, 0x03, 0x10, 0x00, 0x00, 0x02});  // the line is listened to again
  EXPECT_EQ(port.receive(9, std::chrono::seconds(2)).size(), 9U);
}

TEST_F(simSimulatorOverPty, AnUnknownFunctionIsExceptionOne) {
  RawPort port(sim_->endpoint("bus1"));
  ASSERT_TRUE(port.ok());
  port.send({0x01, 0x2B, 0x0E, 0x01, 0x00});
  std::vector<std::uint8_t> expected{0x01, 0xAB, 0x01};
  rtu::append_crc(expected);
  EXPECT_EQ(port.receive(expected.size(), std::chrono::seconds(2)), expected);
}

TEST_F(simSimulatorOverPty, ABroadcastWriteIsExecutedAndNotAnswered) {
  RawPort port(sim_->endpoint("bus1"));
  ASSERT_TRUE(port.ok());
  port.send({0x00, 0x06, 0x10, 0x13, 0x00, 0x02});  // circuit 1 mode: forced-off
  EXPECT_TRUE(port.receive(1, std::chrono::milliseconds(300)).empty());
  EXPECT_EQ(sim_->circuit("bus1", 1, 1)->mode, Mode::kForcedOff);
  EXPECT_EQ(sim_->frames_answered("bus1"), 0U);
}

class simSimulatorStartup : public ::testing::Test {
 protected:
  simSimulatorStartup()
      : run_dir_(fs::temp_directory_path() /
                 ("phil_sim_start_" + std::to_string(::getpid()) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name())),
        time_(testing::at("2026-03-01T00:00:00+08:00")) {
    fs::remove_all(run_dir_);
    fs::create_directories(run_dir_ / "vbus");
  }
  ~simSimulatorStartup() override { fs::remove_all(run_dir_); }

  std::unique_ptr<Simulator> make() {
    const auto doc = yaml::Document::load_string(kFleet, "fleet.yaml");
    SimulatorOptions options;
    options.run_dir = run_dir_.string();
    return std::make_unique<Simulator>(parse_fleet(doc.root(), testing::profiles_dir()), time_,
                                       options);
  }

  fs::path run_dir_;
  ManualTime time_;
};

TEST_F(simSimulatorStartup, AStaleSymlinkFromAnEarlierRunIsReplaced) {
  const fs::path link = run_dir_ / "vbus" / "bus1";
  fs::create_symlink("/dev/pts/does-not-exist", link);
  auto sim = make();
  sim->start();
  EXPECT_EQ(fs::read_symlink(link).string().rfind("/dev/pts/", 0), 0U);
  EXPECT_NE(fs::read_symlink(link), fs::path("/dev/pts/does-not-exist"));
}

TEST_F(simSimulatorStartup, ARealFileInTheWayIsAnErrorNamingTheBusAndIsLeftAlone) {
  const fs::path path = run_dir_ / "vbus" / "bus1";
  { std::ofstream(path) << "keep me"; }
  auto sim = make();
  try {
    sim->start();
    ADD_FAILURE() << "start() did not throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bus bus1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a symlink"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_regular_file(path));
  sim->stop();  // nothing started: a no-op
  EXPECT_TRUE(fs::is_regular_file(path));
}

FaultSpec fault(FaultSpec::Kind kind, int address = 0) {
  FaultSpec f;
  f.kind = kind;
  f.bus = "bus1";
  f.address = address;
  f.start_relative = true;
  return f;
}

TEST_F(simSimulatorOverPty, BoxSilentFaultTimesOutUntilItEndsInSimTime) {
  ASSERT_EQ(read(kC1, 2).size(), 2U);
  FaultSpec f = fault(FaultSpec::Kind::kBoxSilent, 1);
  f.duration = std::chrono::minutes(10);
  const auto id = sim_->inject_fault(f);
  EXPECT_GT(id, 0U);
  modbus_set_response_timeout(master(), 0, 300'000);
  std::uint16_t out[2] = {};
  errno = 0;
  EXPECT_EQ(modbus_read_registers(master(), kC1, 2, out), -1);
  EXPECT_EQ(errno, ETIMEDOUT);
  time_.advance(std::chrono::minutes(10));  // the fault has run its course
  modbus_flush(master());
  EXPECT_EQ(modbus_read_registers(master(), kC1, 2, out), 2) << modbus_strerror(errno);
  {
    std::lock_guard lock(trace_mu_);
    EXPECT_TRUE(std::any_of(trace_.begin(), trace_.end(), [](const std::string& l) {
      return l.find("[fault box_silent: box 1 deaf]") != std::string::npos;
    }));
  }
}

TEST_F(simSimulatorOverPty, CorruptCrcAndTruncatedRepliesFailAtTheMasterAndClearRestores) {
  const auto id = sim_->inject_fault(fault(FaultSpec::Kind::kCorruptCrc));
  modbus_set_response_timeout(master(), 0, 300'000);
  std::uint16_t out[2] = {};
  errno = 0;
  EXPECT_EQ(modbus_read_registers(master(), kC1, 2, out), -1);
  EXPECT_EQ(errno, EMBBADCRC) << modbus_strerror(errno);
  EXPECT_TRUE(sim_->clear_fault(id));
  EXPECT_FALSE(sim_->clear_fault(id));
  (void)sim_->inject_fault(fault(FaultSpec::Kind::kTruncate));
  modbus_flush(master());
  errno = 0;
  EXPECT_EQ(modbus_read_registers(master(), kC1, 2, out), -1);
  sim_->clear_faults();
  usleep(100'000);
  modbus_flush(master());
  EXPECT_EQ(modbus_read_registers(master(), kC1, 2, out), 2) << modbus_strerror(errno);
}

TEST_F(simSimulatorOverPty, DroppedRequestsAreNotExecutedButDroppedRepliesAre) {
  (void)sim_->inject_fault(fault(FaultSpec::Kind::kDropRequest));
  modbus_set_response_timeout(master(), 0, 200'000);
  EXPECT_EQ(modbus_write_register(master(), kC1 + 0x13, 2), -1);
  EXPECT_EQ(sim_->circuit("bus1", 1, 1)->mode, Mode::kPrepaid);  // never reached the box
  sim_->clear_faults();
  (void)sim_->inject_fault(fault(FaultSpec::Kind::kDropReply));
  EXPECT_EQ(modbus_write_register(master(), kC1 + 0x13, 2), -1);
  EXPECT_EQ(sim_->circuit("bus1", 1, 1)->mode, Mode::kForcedOff);  // executed, reply lost
}

TEST_F(simSimulatorOverPty, ProbabilityDropsAboutThatShareOfFramesDeterministically) {
  FaultSpec f = fault(FaultSpec::Kind::kDropReply);
  f.probability_permille = 500;
  f.seed = 11;
  (void)sim_->inject_fault(f);
  modbus_set_response_timeout(master(), 0, 100'000);
  int ok = 0;
  std::uint16_t out[1] = {};
  for (int i = 0; i < 40; ++i) {
    if (modbus_read_registers(master(), kC1, 1, out) == 1) ++ok;
    modbus_flush(master());
  }
  EXPECT_GT(ok, 8);
  EXPECT_LT(ok, 32);
}

TEST_F(simSimulatorOverPty, PowerLossStopsMeteringAtItsExactInstantAndSilencesTheBox) {
  FaultSpec f = fault(FaultSpec::Kind::kPowerLoss, 1);
  f.start_after = std::chrono::minutes(30);
  f.duration = std::chrono::hours(1);
  (void)sim_->inject_fault(f);
  time_.advance(std::chrono::minutes(45));
  sim_->advance_to(time_.now());
  EXPECT_EQ(sim_->circuit("bus1", 1, 1)->energy_wh, 600);  // 1200 W for 30 min, then nothing
  modbus_set_response_timeout(master(), 0, 200'000);
  std::uint16_t out[1] = {};
  EXPECT_EQ(modbus_read_registers(master(), kC1, 1, out), -1);
  time_.advance(std::chrono::minutes(105));  // power back at 1:30, now 3:00
  sim_->advance_to(time_.now());
  EXPECT_EQ(sim_->circuit("bus1", 1, 1)->energy_wh, 600 + 1200);
}

TEST_F(simSimulatorOverPty, MeterReplacementGivesANewSerialAndZeroCounters) {
  time_.advance(std::chrono::hours(1));
  const auto before = read(0x200E, 3);
  ASSERT_TRUE(sim_->replace_meter("bus1", 1, 1));
  EXPECT_FALSE(sim_->replace_meter("bus1", 1, 99));
  const auto after = read(0x200E, 3);
  ASSERT_EQ(after.size(), 3U);
  EXPECT_EQ(after[0], before[0] + 0x1000);  // 300... -> 400...
  EXPECT_EQ(sim_->circuit("bus1", 1, 1)->energy_wh, 0);
  EXPECT_EQ(sim_->circuit("bus1", 1, 1)->balance_fen, 0);
}

TEST_F(simSimulatorOverPty, InjectingOnAnUnknownBusOrBoxThrowsWithTheName) {
  FaultSpec f = fault(FaultSpec::Kind::kBoxSilent, 1);
  f.bus = "bus9";
  EXPECT_THROW((void)sim_->inject_fault(f), std::invalid_argument);
  EXPECT_THROW((void)sim_->inject_fault(fault(FaultSpec::Kind::kBoxSilent, 0)),
               std::invalid_argument);
  EXPECT_THROW((void)sim_->inject_fault(fault(FaultSpec::Kind::kPowerLoss, 77)),
               std::invalid_argument);
}

TEST_F(simSimulatorOverPty, ControlCommandsInjectListAndClearFaults) {
  EXPECT_EQ(control_command(*sim_, "fault drop_reply bus1 probability=0.5 duration=10m"),
            "OK fault 1\n");
  EXPECT_THAT(control_command(*sim_, "fault power_loss bus7"), ::testing::HasSubstr("ERROR"));
  EXPECT_THAT(control_command(*sim_, "fault cosmic_ray bus1"), ::testing::HasSubstr("ERROR"));
  EXPECT_THAT(control_command(*sim_, "fault delay bus1 delay=soon"),
              ::testing::HasSubstr("ERROR bad value for delay"));
  const std::string status = control_command(*sim_, "status");
  EXPECT_THAT(status,
              ::testing::HasSubstr("c1 balance 20.00 relay closed mode prepaid power 1200"));
  EXPECT_THAT(status, ::testing::HasSubstr("fault 1 drop_reply bus bus1"));
  EXPECT_EQ(control_command(*sim_, "clear 1"), "OK\n");
  EXPECT_THAT(control_command(*sim_, "clear 1"), ::testing::HasSubstr("ERROR no fault 1"));
  EXPECT_EQ(control_command(*sim_, "replace bus1 1 2"), "OK\n");
  EXPECT_THAT(control_command(*sim_, "launch"), ::testing::HasSubstr("ERROR unknown command"));
}

// A plain energy meter (profiles/energy-meter.yaml) beside an ADF300 box on one pty bus: both
// answer libmodbus, and the meter's energy goes on accumulating where a prepaid circuit with
// the same load and no money is tripped.
TEST(simEnergyMeterOverPty, AnEnergyMeterAnswersBesideABoxAndMetersWithoutStopping) {
  const fs::path run_dir =
      fs::temp_directory_path() / ("phil_sim_em_" + std::to_string(::getpid()));
  fs::remove_all(run_dir);
  const auto doc = yaml::Document::load_string(R"(buses:
  - id: bus1
    port: vbus/bus1
    boxes:
      - {address: 1, model: adf300l-i, circuits: {1: {load: {constant: 1000}}}}
      - {address: 2, model: em-1p, circuits: {1: {load: {constant: 1000}}}}
)",
                                               "fleet.yaml");
  ManualTime time(testing::at("2026-03-01T00:00:00+08:00"));
  SimulatorOptions options;
  options.run_dir = run_dir.string();
  Simulator sim(parse_fleet(doc.root(), testing::profiles_dir()), time, options);
  sim.start();
  const Modbus master(modbus_new_rtu(sim.endpoint("bus1").c_str(), 9600, 'N', 8, 1));
  ASSERT_TRUE(master);
  modbus_set_response_timeout(master.get(), 1, 0);
  ASSERT_EQ(modbus_connect(master.get()), 0) << modbus_strerror(errno);
  const auto read = [&](int slave, int address, int count) {
    std::vector<std::uint16_t> out(static_cast<std::size_t>(count));
    modbus_set_slave(master.get(), slave);
    if (modbus_read_registers(master.get(), address, count, out.data()) != count) {
      ADD_FAILURE() << "slave " << slave << " read " << address << ": " << modbus_strerror(errno);
      return std::vector<std::uint16_t>{};
    }
    return out;
  };
  time.advance(hours(3));
  const auto energy = read(2, 0x4000, 2);  // em-1p energy_total: 3 kWh
  ASSERT_EQ(energy.size(), 2U);
  EXPECT_EQ((std::int64_t{energy[0]} << 16) | energy[1], 300);
  EXPECT_EQ(read(2, 0x2000, 1), std::vector<std::uint16_t>{2200});  // voltage 220.0 V
  const auto box = read(1, kC1, 2);  // the box's circuit, no money: never drew
  ASSERT_EQ(box.size(), 2U);
  EXPECT_EQ((std::int64_t{box[0]} << 16) | box[1], 0);
  // The energy meter refuses a write where it meters (exception 02).
  modbus_set_slave(master.get(), 2);
  const std::uint16_t zero[2] = {0, 0};
  EXPECT_EQ(modbus_write_registers(master.get(), 0x4000, 2, zero), -1);
  EXPECT_EQ(errno, EMBXILADD);
  EXPECT_THAT(control_command(sim, "status"),
              ::testing::HasSubstr("c1 energy meter power 1000 W energy 3000 Wh"));
  fs::remove_all(run_dir);
}

TEST_F(simSimulatorOverPty, NoiseFaultSendsSeededBytesBeforeAnIntactReply) {
  FaultSpec f = fault(FaultSpec::Kind::kNoise);
  f.noise_bytes = 4;
  f.seed = 3;
  (void)sim_->inject_fault(f);
  RawPort port(sim_->endpoint("bus1"));
  ASSERT_TRUE(port.ok());
  port.send({0x01, 0x03, 0x10, 0x00, 0x00, 0x02});
  const auto got = port.receive(4 + 9, std::chrono::seconds(2));
  ASSERT_EQ(got.size(), 13U);
  std::vector<std::uint8_t> reply(got.begin() + 4, got.end());
  const std::vector<std::uint8_t> body(reply.begin(), reply.end() - 2);
  auto expected = body;
  rtu::append_crc(expected);
  EXPECT_EQ(reply, expected);  // the reply itself is intact
  EXPECT_EQ(reply[0], 0x01);
  // A master that frames from the first byte sees garbage.
  modbus_set_response_timeout(master(), 0, 300'000);
  std::uint16_t out[2] = {};
  EXPECT_EQ(modbus_read_registers(master(), kC1, 2, out), -1);
}

TEST_F(simSimulatorOverPty, DelayFaultHoldsTheReplyForItsWallTime) {
  FaultSpec f = fault(FaultSpec::Kind::kDelay);
  f.delay = std::chrono::milliseconds(300);
  (void)sim_->inject_fault(f);
  RawPort port(sim_->endpoint("bus1"));
  ASSERT_TRUE(port.ok());
  const auto sent = std::chrono::steady_clock::now();
  port.send({0x01, 0x03, 0x10, 0x00, 0x00, 0x02});
  EXPECT_TRUE(port.receive(1, std::chrono::milliseconds(150)).empty());
  EXPECT_EQ(port.receive(9, std::chrono::seconds(3)).size(), 9U);
  EXPECT_GE(std::chrono::steady_clock::now() - sent, std::chrono::milliseconds(300));
}

TEST_F(simSimulatorOverPty, BusSilentFaultHearsNothingUntilCleared) {
  const auto id = sim_->inject_fault(fault(FaultSpec::Kind::kBusSilent));
  modbus_set_response_timeout(master(), 0, 300'000);
  errno = 0;
  EXPECT_EQ(modbus_write_register(master(), kC1 + 0x13, 2), -1);
  EXPECT_EQ(errno, ETIMEDOUT);
  EXPECT_EQ(sim_->circuit("bus1", 1, 1)->mode, Mode::kPrepaid);  // nobody heard the write
  std::uint16_t out[1] = {};
  EXPECT_EQ(modbus_read_registers(master(), kC1, 1, out), -1);
  EXPECT_EQ(sim_->frames_answered("bus1"), 0U);
  ASSERT_TRUE(sim_->clear_fault(id));
  modbus_flush(master());
  EXPECT_EQ(modbus_read_registers(master(), kC1, 1, out), 1) << modbus_strerror(errno);
}

TEST_F(simSimulatorOverPty, ClockDriftFaultMovesTheBoxClockReadOverTheLine) {
  const auto clock = [&] { return u32(read(0x0004, 2), 0); };
  const std::int64_t before = clock();
  FaultSpec f = fault(FaultSpec::Kind::kClockDrift, 1);
  f.drift_ppm = 1000;  // 3.6 s an hour fast
  f.duration = std::chrono::hours(2);
  (void)sim_->inject_fault(f);
  time_.advance(std::chrono::hours(1));
  EXPECT_EQ(clock(), before + 3600 + 3);  // 3.6 s, whole seconds
  time_.advance(std::chrono::hours(2));   // the drift stopped after 2 h: 7.2 s gained
  EXPECT_EQ(clock(), before + std::int64_t{3} * 3600 + 7);
}

// Line pacing on a real pty at 9600 8N1 with a 5 ms turnaround.
class simPacedLine : public ::testing::Test {
 protected:
  simPacedLine()
      : run_dir_(fs::temp_directory_path() /
                 ("phil_sim_paced_" + std::to_string(::getpid()) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name())),
        time_(testing::at("2026-03-01T00:00:00+08:00")) {
    fs::remove_all(run_dir_);
    const auto doc = yaml::Document::load_string(
        replaced(kFleet, "    port: vbus/bus1\n",
                 "    port: vbus/bus1\n    pacing: {turnaround: 5ms}\n"),
        "fleet.yaml");
    SimulatorOptions options;
    options.run_dir = run_dir_.string();
    sim_ = std::make_unique<Simulator>(parse_fleet(doc.root(), testing::profiles_dir()), time_,
                                       options);
    sim_->start();
  }
  ~simPacedLine() override {
    sim_.reset();
    fs::remove_all(run_dir_);
  }
  static std::string replaced(std::string text, const std::string& from, const std::string& to) {
    return testing::replaced(std::move(text), from, to);
  }

  fs::path run_dir_;
  ManualTime time_;
  std::unique_ptr<Simulator> sim_;
};

TEST_F(simPacedLine, ReplyWaitsTheInterFrameGapAndTakesItsWireTime) {
  using Clock = std::chrono::steady_clock;
  const auto line = line_timing(9600, Parity::kNone, 1);
  RawPort port(sim_->endpoint("bus1"));
  ASSERT_TRUE(port.ok());
  for (int round = 0; round < 3; ++round) {
    const auto sent = Clock::now();
    port.send({0x01, 0x03, 0x10, 0x00, 0x00, 0x0A});  // 8 bytes; reply 5 + 20 = 25 bytes
    std::vector<Clock::time_point> arrivals;          // one per byte
    std::size_t received = 0;
    for (int i = 0; i < 100 && received < 25; ++i) {
      received += port.receive(1, std::chrono::milliseconds(100)).size();
      if (arrivals.size() < received) arrivals.push_back(Clock::now());
    }
    ASSERT_EQ(received, 25U);
    // The request took 8 characters on the wire; the reply starts t3.5 + 5 ms after its end.
    const auto request_end = sent + line.frame(8);
    const auto gap = arrivals.front() - request_end;
    EXPECT_GE(gap, line.t35 + std::chrono::milliseconds(5));
    // 25 characters at 1.04 ms: the last arrives no earlier than 24 character times after the
    // first could have been sent; bounds generous for a loaded machine.
    const auto total = arrivals.back() - sent;
    EXPECT_GE(total, line.frame(8) + line.t35 + std::chrono::milliseconds(5) + line.frame(24));
    EXPECT_LT(total, std::chrono::milliseconds(800));
    // Character by character, not in one burst (a quarter of the wire time: a loaded machine
    // may start late and catch up).
    EXPECT_GE(arrivals.back() - arrivals.front(), line.frame(24) / 4);
  }
}

TEST_F(simPacedLine, RequestsFromTheSameLineAreServedOneAtATime) {
  using Clock = std::chrono::steady_clock;
  const auto line = line_timing(9600, Parity::kNone, 1);
  RawPort port(sim_->endpoint("bus1"));
  ASSERT_TRUE(port.ok());
  std::vector<std::uint8_t> two{0x01, 0x03, 0x10, 0x00, 0x00, 0x0A};
  rtu::append_crc(two);
  const auto first = two;
  two.insert(two.end(), first.begin(), first.end());
  const auto sent = Clock::now();
  port.send(two, false);
  EXPECT_EQ(port.receive(50, std::chrono::seconds(3)).size(), 50U);
  // The second reply waits for the first to end, then t3.5: the replies never overlap.
  EXPECT_GE(Clock::now() - sent, line.frame(8) + line.t35 + std::chrono::milliseconds(5) +
                                     line.frame(25) + line.t35 + line.frame(24));
}

}  // namespace
}  // namespace phil::sim
