// The collector side of the System: on-demand reads, one worker per bus running in parallel,
// and stopping between transactions with the outbox left consistent.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include <phil/service/collector.hpp>
#include <phil/service/system.hpp>

#include "support/fake_site.hpp"

namespace phil::service {
namespace {

using domain::MeterId;
using meterlink::FakeMaster;
using meterlink::LinkResult;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};
constexpr Millis kPoll{30 * 60 * 1000};

/// Runs `before` (on the bus worker's thread) ahead of each request, then forwards to `inner`.
class Hooked final : public meterlink::ModbusMaster {
 public:
  Hooked(std::unique_ptr<ModbusMaster> inner, std::function<void(bool write)> before)
      : inner_(std::move(inner)), before_(std::move(before)) {}
  LinkResult<std::vector<std::uint16_t>> read_registers(int slave, std::uint16_t start,
                                                        std::uint16_t count) override {
    if (before_) before_(false);
    return inner_->read_registers(slave, start, count);
  }
  LinkResult<void> write_registers(int slave, std::uint16_t start,
                                   std::span<const std::uint16_t> values) override {
    if (before_) before_(true);
    return inner_->write_registers(slave, start, values);
  }
  std::string describe() const override { return "hooked fake"; }

 private:
  std::unique_ptr<ModbusMaster> inner_;
  std::function<void(bool)> before_;
};

/// The fixture's masters with `before` run ahead of each request.
test::FakeSite::Wrap hooked(std::function<void(bool write)> before) {
  return [before = std::move(before)](std::unique_ptr<meterlink::ModbusMaster> inner) {
    return std::make_unique<Hooked>(std::move(inner), before);
  };
}

class CollectorTest : public ::testing::Test {
 protected:
  CollectorTest() {
    // These specs count the frames of polls and deliveries; clock sync has its own tests.
    site_.config.clock_sync.reset();
    // Both buses on one schedule (cycle spreading has its own test).
    site_.config.spread_cycles = false;
    site_.config.buses[0].port = "/dev/null-bus1";
    BusConfig bus2 = site_.config.buses[0];
    bus2.id = "bus2";
    bus2.port = "/dev/null-bus2";
    site_.config.buses.push_back(bus2);
  }

  /// The site reads a copy of the test profile with `timing` (a YAML flow map) as its timing
  /// block. False if the profile has no place for it.
  bool use_profile_timing(const std::string& timing) {
    std::ifstream in(test::test_profiles_dir() + "/adf300l.yaml");
    std::stringstream text;
    text << in.rdbuf();
    auto yaml = text.str();
    const auto at = yaml.find("\nmax_write:");
    if (at == std::string::npos) return false;
    yaml.insert(at + 1, "timing: " + timing + "\n");
    std::ofstream(site_.dir.file("adf300l.yaml")) << yaml;
    site_.config.profiles_dir = site_.dir.file("");
    return true;
  }
  int reads_of(int slave) const { return site_.requests(FakeMaster::Op::kRead, slave); }

  test::FakeSite site_{kStart};
};

TEST_F(CollectorTest, ReadNowOfAMeterReadsOnlyItsBoxAndKeepsThePollSchedule) {
  site_.start();
  site_.system->run_iterate();  // first cycle: both buses, both boxes
  site_.device.set(2, 5, {.energy_wh = 7'000, .balance_fen = 500});
  site_.clock.advance(Millis(60'000));
  site_.clear_log();
  ASSERT_TRUE(site_.system->read_now("bus1/2/5"));
  EXPECT_EQ(site_.system->next_due("bus1"), site_.clock.now());
  EXPECT_EQ(site_.system->next_due("bus2"), kStart + kPoll);
  site_.system->run_iterate();
  EXPECT_GT(reads_of(2), 0);
  EXPECT_EQ(reads_of(1), 0);
  const auto m = site_.system->meter({"bus1", 2, 5});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->energy_wh, 7'000);
  EXPECT_EQ(m->read_at, site_.clock.now());
  EXPECT_EQ(site_.system->counters("bus1").polls_completed, 1U);  // not a cycle
  EXPECT_EQ(site_.system->next_due("bus1"), kStart + kPoll);
  // Whole bus and one box read on demand too.
  ASSERT_TRUE(site_.system->read_now("bus2"));
  ASSERT_TRUE(site_.system->read_now("bus1/1"));
  EXPECT_EQ(site_.system->next_due(), site_.clock.now());
}

TEST_F(CollectorTest, ASaleMadeWhileABoxsSerialsAreReadWaitsForOneReadAtMost) {
  // At start-up every box's serial numbers are read (several block reads per box); a sale made
  // meanwhile must go out before the next of them, as it does between the blocks of a poll.
  const std::uint16_t kSerialBase = 0x200E;  // profiles/adf300l.yaml: serial, per circuit
  bool sold = false;
  std::size_t sold_at = 0;  // log size when the sale was made
  site_.start(hooked([&](bool) {
    if (sold) return;
    std::size_t n = 0;
    {
      std::lock_guard l(site_.master_mutex);
      const auto& log = site_.master.log();
      if (log.empty() || log.back().slave != 1 || log.back().op != FakeMaster::Op::kRead ||
          log.back().start < kSerialBase) {
        return;
      }
      n = log.size();
    }
    sold = true;  // after box 1's first serial read, before the next request
    sold_at = n;
    ASSERT_TRUE(site_.desk->sale("A1", 1'000, "op"));
  }));
  ASSERT_TRUE(site_.desk->open_account("A1", "", {MeterId{"bus1", 1, 1}}, 0, "op"));
  site_.system->run_iterate();
  ASSERT_TRUE(sold) << "box 1's serial numbers were not read in the first cycle";
  std::lock_guard l(site_.master_mutex);
  const auto& log = site_.master.log();
  std::size_t serial_reads_before_write = 0;
  bool written = false;
  for (std::size_t i = sold_at; i < log.size() && !written; ++i) {
    if (log[i].op == FakeMaster::Op::kWrite && log[i].slave == 1) written = true;
    if (log[i].op == FakeMaster::Op::kRead && log[i].slave == 1 && log[i].start >= kSerialBase)
      ++serial_reads_before_write;
  }
  EXPECT_TRUE(written) << "the credit was not written in the cycle it was sold in";
  // The read already on its way when the sale was made is the one transaction it may wait for.
  EXPECT_LE(serial_reads_before_write, 1U) << "the credit waited behind further serial reads";
  EXPECT_EQ(site_.device.credits_applied(), 1);
}

TEST_F(CollectorTest, ReadNowRefusesWhatIsNotInTheSiteAndQueuesNothing) {
  site_.start();
  site_.system->run_iterate();
  for (const auto* bad : {"bus9", "bus1/3", "bus1/x", "bus1/1/13", "bus1/1/0", ""}) {
    const auto r = site_.system->read_now(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind, domain::ErrorKind::kNotFound) << bad;
  }
  EXPECT_EQ(site_.system->next_due(), kStart + kPoll);
}

TEST_F(CollectorTest, BusesArePolledInParallelByTheirOwnWorkers) {
  // Every request waits until a request of the OTHER bus is under way too (bounded): one
  // worker at a time could never get both in.
  std::mutex m;
  std::condition_variable cv;
  std::set<std::thread::id> inside;
  std::atomic<int> overlapped{0};
  site_.start(hooked([&](bool) {
    std::unique_lock l(m);
    inside.insert(std::this_thread::get_id());
    cv.notify_all();
    if (cv.wait_for(l, std::chrono::seconds(2), [&] { return inside.size() >= 2; })) ++overlapped;
  }));
  Collector collector(*site_.system, site_.clock, {Millis(50), Millis(50)});
  collector.start();
  for (int i = 0; i < 400; ++i) {
    if (site_.system->counters("bus1").polls_completed >= 1 &&
        site_.system->counters("bus2").polls_completed >= 1) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  collector.stop();
  EXPECT_EQ(site_.system->counters("bus1").polls_completed, 1U);
  EXPECT_EQ(site_.system->counters("bus2").polls_completed, 1U);
  EXPECT_GT(overlapped.load(), 0);
  EXPECT_GE(collector.iterations("bus1"), 1U);
}

/// The System's connections leave the write-ahead log to the collector's checkpoint thread: the
/// database file itself (which in WAL mode only a checkpoint writes) grows while the collector
/// runs, not only when the last connection closes.
TEST_F(CollectorTest, TheCheckpointThreadCopiesTheLogIntoTheFileWhileItRuns) {
  site_.start();
  namespace fs = std::filesystem;
  const auto size_at_start = fs::file_size(site_.db);
  Collector::Options options;
  options.max_sleep = Millis(50);
  options.checkpoint_every = Millis(50);
  Collector collector(*site_.system, site_.clock, options);
  collector.start();
  bool grown = false;
  for (int i = 0; i < 400 && !grown; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    grown = site_.system->counters("bus1").polls_completed >= 1 &&
            fs::file_size(site_.db) > size_at_start;
  }
  collector.stop();
  EXPECT_TRUE(grown) << "file " << fs::file_size(site_.db) << " bytes, " << size_at_start
                     << " at start; WAL " << fs::file_size(site_.db + "-wal") << " bytes";
}

TEST_F(CollectorTest, StopFinishesTheCreditInFlightAndARestartDeliversNothingTwice) {
  site_.device.set(1, 1, {.purchase_count = 4});
  std::atomic<bool> in_write{false};
  std::atomic<bool> release{false};
  site_.start(hooked([&](bool write) {
    if (!write) return;
    in_write = true;
    for (int i = 0; i < 300 && !release; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }));
  ASSERT_TRUE(site_.desk->open_account("A1", "", {MeterId{"bus1", 1, 1}}, 0, "op"));
  site_.system->run_iterate();
  ASSERT_TRUE(site_.desk->sale("A1", 1'000, "op"));
  Collector collector(*site_.system, site_.clock, {Millis(50), Millis(50)});
  collector.start();
  for (int i = 0; i < 300 && !in_write; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(in_write);
  std::thread stopper([&] { collector.stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  release = true;  // the write in flight completes; nothing after it starts
  stopper.join();
  EXPECT_EQ(site_.device.credits_applied(), 1);
  const auto cmds = site_.system->commands({"bus1", 1, 1});
  ASSERT_EQ(cmds.size(), 1U);
  ASSERT_TRUE(cmds[0].purchase_count);
  EXPECT_EQ(*cmds[0].purchase_count, 5);
  // Restart: the credit is decided by the meter's count, never written again.
  site_.start();
  site_.step(Millis(10 * 60 * 1000));
  EXPECT_EQ(site_.device.credits_applied(), 1);
  EXPECT_EQ(site_.system->commands({"bus1", 1, 1})[0].state, domain::CommandState::kConfirmed);
  EXPECT_EQ(site_.device.circuit(1, 1).balance_fen, 1'000);
}

TEST_F(CollectorTest, ALineWhereNoBoxAnswersIsOfflineAndRecoveryIsSeen) {
  site_.start();
  site_.master.set_silent(1, true);
  site_.master.set_silent(2, true);  // both buses share the fake: bus2 goes quiet as well
  for (int cycle = 1; cycle <= 3; ++cycle) {
    site_.step(kPoll);
    EXPECT_EQ(site_.system->counters("bus1").line_offline, cycle == 3) << cycle;
    // One timeout per box per cycle, never more.
    EXPECT_EQ(site_.master.timeouts(1), 2 * cycle) << cycle;
  }
  EXPECT_EQ(site_.system->counters("bus1").boxes_offline, 2U);
  site_.master.set_silent(2, false);
  site_.step(kPoll);
  EXPECT_FALSE(site_.system->counters("bus1").line_offline);  // box 2 answers: the line is up
  EXPECT_EQ(site_.system->counters("bus1").boxes_offline, 1U);
  site_.master.set_silent(1, false);
  site_.step(kPoll);
  EXPECT_EQ(site_.system->counters("bus1").boxes_offline, 0U);
  EXPECT_EQ(site_.system->meter({"bus1", 1, 1})->status, domain::MeterStatus::kNotOpened);
}

TEST_F(CollectorTest, BusesWithTheSameIntervalStartTheirCyclesSpreadOverIt) {
  site_.config.spread_cycles = true;
  BusConfig third = site_.config.buses[0];
  third.id = "bus3";
  third.port = "/dev/null-bus3";
  site_.config.buses.push_back(third);
  site_.start();
  site_.system->run_iterate();  // start-up: every bus reads at once
  // Then bus k of 3 polls k/3 into each interval, always at its own slot.
  EXPECT_EQ(site_.system->next_due("bus1"), kStart + kPoll);
  EXPECT_EQ(site_.system->next_due("bus2"), kStart + kPoll + kPoll / 3);
  EXPECT_EQ(site_.system->next_due("bus3"), kStart + kPoll + 2 * kPoll / 3);
  site_.step(kPoll + kPoll / 3);
  EXPECT_EQ(site_.system->counters("bus1").polls_completed, 2U);
  EXPECT_EQ(site_.system->counters("bus2").polls_completed, 2U);
  EXPECT_EQ(site_.system->counters("bus3").polls_completed, 1U);
  EXPECT_EQ(site_.system->next_due("bus2"), kStart + 2 * kPoll + kPoll / 3);
  // bus1 started its cycle a third of an interval late; nothing was missed.
  EXPECT_EQ(site_.system->counters("bus1").worst_start_lateness, kPoll / 3);
  EXPECT_EQ(site_.system->counters("bus1").cycles_missed, 0U);
  // Two intervals later in one step: the slots in between are counted as missed.
  site_.step(2 * kPoll + kPoll / 3);
  EXPECT_EQ(site_.system->counters("bus1").cycles_missed, 1U);
}

TEST_F(CollectorTest, AnAdaptiveTimeoutFollowsTheMeasuredLatencyWithinItsBounds) {
  site_.config.buses.resize(1);
  site_.config.buses[0].response_timeout = Millis(800);
  site_.config.buses[0].response_timeout_set = true;
  site_.config.adaptive_timeout = true;
  site_.start();
  for (int i = 0; i < 4; ++i) {  // 3 reads per box and cycle: 12 replies measured per box
    site_.system->run_iterate();
    site_.clock.advance(kPoll);
  }
  // The fake answers at once: k x p99 is below the floor, so the floor (50 ms) is in force.
  EXPECT_EQ(site_.system->counters("bus1").response_timeout, Millis(50));

  site_.config.adaptive_timeout = false;
  site_.start();
  site_.system->run_iterate();
  EXPECT_EQ(site_.system->counters("bus1").response_timeout, Millis(800));
}

TEST_F(CollectorTest, AnAdaptiveTimeoutIsTheFactorTimesTheP99OfTheMeasuredReplyTimes) {
  site_.config.buses.resize(1);
  site_.config.buses[0].response_timeout = Millis(800);
  site_.config.buses[0].response_timeout_set = true;
  site_.config.adaptive_timeout = true;  // factor 3
  // Every reply takes `reply` on the injected monotonic clock: no real waiting, exact figures.
  domain::ManualMonotonicClock monotonic;
  std::atomic<int> reply_ms{100};
  site_.system = std::make_unique<System>(site_.config, site_.db, site_.clock,
                                          site_.masters(hooked([&](bool write) {
                                            if (!write) monotonic.advance(Millis(reply_ms.load()));
                                          })),
                                          monotonic);
  for (int i = 0; i < 4; ++i) {  // 12 replies measured per box
    site_.system->run_iterate();
    site_.clock.advance(kPoll);
  }
  EXPECT_EQ(site_.system->counters("bus1").response_timeout, Millis(300));
  // Slower replies: 3 x 400 ms is above the configured timeout, which bounds it.
  reply_ms = 400;
  site_.system->run_iterate();
  EXPECT_EQ(site_.system->counters("bus1").response_timeout, Millis(800));
  site_.system.reset();  // before the clock it borrows
}

TEST_F(CollectorTest, TheSilenceAfterAClockSyncBroadcastIsWaitedOnTheInjectedMonotonicClock) {
  ASSERT_TRUE(use_profile_timing("{turnaround: 250ms}"));
  site_.config.buses.resize(1);
  site_.config.clock_sync = Millis(24LL * 3600 * 1000);
  // The fake boxes' clocks stand at 1970: no drift event, so no second broadcast.
  site_.config.clock_drift_limit = Millis(std::numeric_limits<std::int64_t>::max() / 2);
  /// The fake boxes refuse address 0; the line takes the broadcast (no reply either way).
  class TakesBroadcasts final : public meterlink::ModbusMaster {
   public:
    explicit TakesBroadcasts(std::unique_ptr<ModbusMaster> inner) : inner_(std::move(inner)) {}
    LinkResult<std::vector<std::uint16_t>> read_registers(int slave, std::uint16_t start,
                                                          std::uint16_t count) override {
      return inner_->read_registers(slave, start, count);
    }
    LinkResult<void> write_registers(int slave, std::uint16_t start,
                                     std::span<const std::uint16_t> values) override {
      return inner_->write_registers(slave, start, values);
    }
    LinkResult<void> broadcast_write(std::uint16_t, std::span<const std::uint16_t>) override {
      return {};
    }
    std::string describe() const override { return inner_->describe(); }

   private:
    std::unique_ptr<ModbusMaster> inner_;
  };
  domain::ManualMonotonicClock monotonic;
  site_.system =
      std::make_unique<System>(site_.config, site_.db, site_.clock,
                               site_.masters([](std::unique_ptr<meterlink::ModbusMaster> inner) {
                                 return std::make_unique<TakesBroadcasts>(std::move(inner));
                               }),
                               monotonic);
  site_.system
      ->run_iterate();  // start-up: one broadcast, then the poll (reads do not move the clock)
  EXPECT_EQ(site_.system->counters("bus1").clock_syncs, 1U);
  EXPECT_EQ(monotonic.elapsed(), Millis(250));
  site_.step(kPoll);  // no broadcast due: no pause
  EXPECT_EQ(monotonic.elapsed(), Millis(250));
  site_.system.reset();
}

TEST_F(CollectorTest, TheProfilesResponseTimeoutAppliesUnlessTheSiteFileSetsOne) {
  ASSERT_TRUE(use_profile_timing("{response_timeout: 320ms, turnaround: 0ms}"));
  site_.config.buses.resize(1);
  site_.start();
  site_.system->run_iterate();
  EXPECT_EQ(site_.system->counters("bus1").response_timeout, Millis(320));
  site_.config.buses[0].response_timeout = Millis(700);
  site_.config.buses[0].response_timeout_set = true;  // `response_timeout: 700ms` in the site file
  site_.start();
  site_.step(kPoll);
  EXPECT_EQ(site_.system->counters("bus1").response_timeout, Millis(700));
}

TEST_F(CollectorTest, AReadRequestFromAnotherProcessIsRunAndItsResultStored) {
  site_.start();
  site_.system->run_iterate();
  site_.device.set(2, 3, {.energy_wh = 9'000});
  site_.clock.advance(Millis(60'000));
  // prepaidctl: the front door on its own connection to the same database, no bus worker.
  test::Desk ctl(site_.db, site_.clock, site_.config);
  const auto request = [&](std::int64_t id) {
    return ctl.ops().read_request({"qa", domain::Role::kEngineer}, id).value();
  };
  const auto id = ctl.request_read("bus1/2/3");
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(request(id.value()).state, "pending");
  EXPECT_FALSE(ctl.request_read("bus1/9"));  // refused: not in the site, nothing stored
  site_.clear_log();
  site_.system->run_iterate();  // the daemon's next look at the outbox
  const auto r = request(id.value());
  EXPECT_EQ(r.state, "done") << r.result;
  EXPECT_EQ(site_.system->meter({"bus1", 2, 3})->energy_wh, 9'000);
  EXPECT_EQ(reads_of(1), 0);  // only the box asked for
  EXPECT_EQ(site_.system->counters("bus1").polls_completed, 1U);
  // A silent box: the request fails with the reason.
  site_.master.set_silent(2, true);
  const auto id2 = ctl.request_read("bus1/2");
  ASSERT_TRUE(id2);
  site_.system->run_iterate();
  EXPECT_EQ(request(id2.value()).state, "failed");
  EXPECT_FALSE(request(id2.value()).result.empty());
}

TEST_F(CollectorTest, ARelayThatDisagreesWithItsModeIsRaisedOnce) {
  site_.config.buses.resize(1);
  site_.start();
  site_.system->run_iterate();
  const auto profile = meterlink::load_profile(test::test_profiles_dir(), "adf300l");
  const auto* mode = profile.circuit_register("mode");
  const auto* relay = profile.circuit_register("relay");
  ASSERT_TRUE(mode && relay);
  // Circuit 4 of box 1 reports forced_off (2) with its relay closed (1): a stuck contact.
  {
    std::lock_guard l(site_.master_mutex);
    site_.master.set(1, static_cast<std::uint16_t>(mode->address_for(4)), 2);
    site_.master.set(1, static_cast<std::uint16_t>(relay->address_for(4)), 1);
  }
  const MeterId m14{"bus1", 1, 4};
  for (int i = 0; i < 3; ++i) {
    site_.step(kPoll);
  }
  int raised = 0;
  for (const auto& e : site_.system->events(m14))
    raised += e.kind == "relay_mismatch" ? 1 : 0;
  EXPECT_EQ(raised, 1);
  EXPECT_TRUE(site_.system->events(MeterId{"bus1", 1, 3}).empty());
}

}  // namespace
}  // namespace phil::service
