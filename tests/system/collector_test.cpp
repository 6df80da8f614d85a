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

#include "support/desk.hpp"
#include "support/fake_adf300.hpp"
#include "support/fake_master.hpp"
#include "support/temp_dir.hpp"

namespace phil::service {
namespace {

using domain::MeterId;
using meterlink::FakeMaster;
using meterlink::LinkResult;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};
constexpr Millis kPoll{30 * 60 * 1000};

/// Forwards to a FakeMaster owned by the test; `before` runs first (on the bus worker's thread).
class Hooked final : public meterlink::ModbusMaster {
 public:
  Hooked(FakeMaster& m, std::mutex& mu, std::function<void(bool write)> before = {})
      : m_(m), mu_(mu), before_(std::move(before)) {}
  LinkResult<std::vector<std::uint16_t>> read_registers(int slave, std::uint16_t start,
                                                        std::uint16_t count) override {
    if (before_) before_(false);
    std::lock_guard l(mu_);
    return m_.read_registers(slave, start, count);
  }
  LinkResult<void> write_registers(int slave, std::uint16_t start,
                                   std::span<const std::uint16_t> values) override {
    if (before_) before_(true);
    std::lock_guard l(mu_);
    return m_.write_registers(slave, start, values);
  }
  std::string describe() const override { return "hooked fake"; }

 private:
  FakeMaster& m_;
  std::mutex& mu_;
  std::function<void(bool)> before_;
};

class CollectorTest : public ::testing::Test {
 protected:
  CollectorTest()
      : clock_(kStart),
        device_(master_, meterlink::load_profile(test::test_profiles_dir(), "adf300l")) {
    site_.name = "test";
    site_.profiles_dir = test::test_profiles_dir();
    // These specs count the frames of polls and deliveries; clock sync has its own tests.
    site_.clock_sync.reset();
    // Both buses on one schedule (cycle spreading has its own test).
    site_.spread_cycles = false;
    for (const auto* id : {"bus1", "bus2"}) {
      BusConfig bus;
      bus.id = id;
      bus.port = std::string("/dev/null-") + id;
      bus.boxes = {{1, "adf300l-i", "adf300l"}, {2, "adf300l-i", "adf300l"}};
      site_.buses.push_back(bus);
    }
    db_ = dir_.file("site.db");
  }

  void start(const std::function<void(bool)>& before = {}) {
    system_ = std::make_unique<System>(site_, db_, clock_, [this, before](const BusConfig&) {
      return std::make_unique<Hooked>(master_, mu_, before);
    });
    desk_ = std::make_unique<test::Desk>(db_, clock_, site_);
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
    std::ofstream(dir_.file("adf300l.yaml")) << yaml;
    site_.profiles_dir = dir_.file("");
    return true;
  }
  int reads_of(int slave) {
    std::lock_guard l(mu_);
    int n = 0;
    for (const auto& r : master_.log())
      n += (r.slave == slave && r.op == FakeMaster::Op::kRead) ? 1 : 0;
    return n;
  }
  void clear_log() {
    std::lock_guard l(mu_);
    master_.clear_log();
  }

  test::TempDir dir_;
  domain::ManualClock clock_;
  std::mutex mu_;
  FakeMaster master_;
  test::FakeAdf300 device_;
  SiteConfig site_;
  std::string db_;
  std::unique_ptr<System> system_;
  std::unique_ptr<test::Desk> desk_;
};

TEST_F(CollectorTest, ReadNowOfAMeterReadsOnlyItsBoxAndKeepsThePollSchedule) {
  start();
  system_->run_iterate();  // first cycle: both buses, both boxes
  device_.set(2, 5, {.energy_wh = 7'000, .balance_fen = 500});
  clock_.advance(Millis(60'000));
  clear_log();
  ASSERT_TRUE(system_->read_now("bus1/2/5"));
  EXPECT_EQ(system_->next_due("bus1"), clock_.now());
  EXPECT_EQ(system_->next_due("bus2"), kStart + kPoll);
  system_->run_iterate();
  EXPECT_GT(reads_of(2), 0);
  EXPECT_EQ(reads_of(1), 0);
  const auto m = system_->meter({"bus1", 2, 5});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->energy_wh, 7'000);
  EXPECT_EQ(m->read_at, clock_.now());
  EXPECT_EQ(system_->counters("bus1").polls_completed, 1U);  // not a cycle
  EXPECT_EQ(system_->next_due("bus1"), kStart + kPoll);
  // Whole bus and one box read on demand too.
  ASSERT_TRUE(system_->read_now("bus2"));
  ASSERT_TRUE(system_->read_now("bus1/1"));
  EXPECT_EQ(system_->next_due(), clock_.now());
}

TEST_F(CollectorTest, ASaleMadeWhileABoxsSerialsAreReadWaitsForOneReadAtMost) {
  // At start-up every box's serial numbers are read (several block reads per box); a sale made
  // meanwhile must go out before the next of them, as it does between the blocks of a poll.
  const std::uint16_t kSerialBase = 0x200E;  // profiles/adf300l.yaml: serial, per circuit
  bool sold = false;
  std::size_t sold_at = 0;  // log size when the sale was made
  start([&](bool) {
    if (sold) return;
    std::size_t n = 0;
    {
      std::lock_guard l(mu_);
      const auto& log = master_.log();
      if (log.empty() || log.back().slave != 1 || log.back().op != FakeMaster::Op::kRead ||
          log.back().start < kSerialBase) {
        return;
      }
      n = log.size();
    }
    sold = true;  // after box 1's first serial read, before the next request
    sold_at = n;
    ASSERT_TRUE(desk_->sale("A1", 1'000, "op"));
  });
  ASSERT_TRUE(desk_->open_account("A1", "", {MeterId{"bus1", 1, 1}}, 0, "op"));
  system_->run_iterate();
  ASSERT_TRUE(sold) << "box 1's serial numbers were not read in the first cycle";
  std::lock_guard l(mu_);
  const auto& log = master_.log();
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
  EXPECT_EQ(device_.credits_applied(), 1);
}

TEST_F(CollectorTest, ReadNowRefusesWhatIsNotInTheSiteAndQueuesNothing) {
  start();
  system_->run_iterate();
  for (const auto* bad : {"bus9", "bus1/3", "bus1/x", "bus1/1/13", "bus1/1/0", ""}) {
    const auto r = system_->read_now(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind, domain::ErrorKind::kNotFound) << bad;
  }
  EXPECT_EQ(system_->next_due(), kStart + kPoll);
}

TEST_F(CollectorTest, BusesArePolledInParallelByTheirOwnWorkers) {
  // Every request waits until a request of the OTHER bus is under way too (bounded): one
  // worker at a time could never get both in.
  std::mutex m;
  std::condition_variable cv;
  std::set<std::thread::id> inside;
  std::atomic<int> overlapped{0};
  start([&](bool) {
    std::unique_lock l(m);
    inside.insert(std::this_thread::get_id());
    cv.notify_all();
    if (cv.wait_for(l, std::chrono::seconds(2), [&] { return inside.size() >= 2; })) ++overlapped;
  });
  Collector collector(*system_, clock_, {Millis(50), Millis(50)});
  collector.start();
  for (int i = 0; i < 400; ++i) {
    if (system_->counters("bus1").polls_completed >= 1 &&
        system_->counters("bus2").polls_completed >= 1) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  collector.stop();
  EXPECT_EQ(system_->counters("bus1").polls_completed, 1U);
  EXPECT_EQ(system_->counters("bus2").polls_completed, 1U);
  EXPECT_GT(overlapped.load(), 0);
  EXPECT_GE(collector.iterations("bus1"), 1U);
}

/// The System's connections leave the write-ahead log to the collector's checkpoint thread: the
/// database file itself (which in WAL mode only a checkpoint writes) grows while the collector
/// runs, not only when the last connection closes.
TEST_F(CollectorTest, TheCheckpointThreadCopiesTheLogIntoTheFileWhileItRuns) {
  start();
  namespace fs = std::filesystem;
  const auto size_at_start = fs::file_size(db_);
  Collector::Options options;
  options.max_sleep = Millis(50);
  options.checkpoint_every = Millis(50);
  Collector collector(*system_, clock_, options);
  collector.start();
  bool grown = false;
  for (int i = 0; i < 400 && !grown; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    grown = system_->counters("bus1").polls_completed >= 1 && fs::file_size(db_) > size_at_start;
  }
  collector.stop();
  EXPECT_TRUE(grown) << "file " << fs::file_size(db_) << " bytes, " << size_at_start
                     << " at start; WAL " << fs::file_size(db_ + "-wal") << " bytes";
}

TEST_F(CollectorTest, StopFinishesTheCreditInFlightAndARestartDeliversNothingTwice) {
  device_.set(1, 1, {.purchase_count = 4});
  std::atomic<bool> in_write{false};
  std::atomic<bool> release{false};
  start([&](bool write) {
    if (!write) return;
    in_write = true;
    for (int i = 0; i < 300 && !release; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  });
  ASSERT_TRUE(desk_->open_account("A1", "", {MeterId{"bus1", 1, 1}}, 0, "op"));
  system_->run_iterate();
  ASSERT_TRUE(desk_->sale("A1", 1'000, "op"));
  Collector collector(*system_, clock_, {Millis(50), Millis(50)});
  collector.start();
  for (int i = 0; i < 300 && !in_write; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(in_write);
  std::thread stopper([&] { collector.stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  release = true;  // the write in flight completes; nothing after it starts
  stopper.join();
  EXPECT_EQ(device_.credits_applied(), 1);
  const auto cmds = system_->commands({"bus1", 1, 1});
  ASSERT_EQ(cmds.size(), 1U);
  ASSERT_TRUE(cmds[0].purchase_count);
  EXPECT_EQ(*cmds[0].purchase_count, 5);
  // Restart: the credit is decided by the meter's count, never written again.
  system_.reset();
  start();
  clock_.advance(Millis(10 * 60 * 1000));
  system_->run_iterate();
  EXPECT_EQ(device_.credits_applied(), 1);
  EXPECT_EQ(system_->commands({"bus1", 1, 1})[0].state, domain::CommandState::kConfirmed);
  EXPECT_EQ(device_.circuit(1, 1).balance_fen, 1'000);
}

TEST_F(CollectorTest, ALineWhereNoBoxAnswersIsOfflineAndRecoveryIsSeen) {
  start();
  master_.set_silent(1, true);
  master_.set_silent(2, true);  // both buses share the fake: bus2 goes quiet as well
  for (int cycle = 1; cycle <= 3; ++cycle) {
    clock_.advance(kPoll);
    system_->run_iterate();
    EXPECT_EQ(system_->counters("bus1").line_offline, cycle == 3) << cycle;
    // One timeout per box per cycle, never more.
    EXPECT_EQ(master_.timeouts(1), 2 * cycle) << cycle;
  }
  EXPECT_EQ(system_->counters("bus1").boxes_offline, 2U);
  master_.set_silent(2, false);
  clock_.advance(kPoll);
  system_->run_iterate();
  EXPECT_FALSE(system_->counters("bus1").line_offline);  // box 2 answers: the line is up
  EXPECT_EQ(system_->counters("bus1").boxes_offline, 1U);
  master_.set_silent(1, false);
  clock_.advance(kPoll);
  system_->run_iterate();
  EXPECT_EQ(system_->counters("bus1").boxes_offline, 0U);
  EXPECT_EQ(system_->meter({"bus1", 1, 1})->status, domain::MeterStatus::kNotOpened);
}

TEST_F(CollectorTest, BusesWithTheSameIntervalStartTheirCyclesSpreadOverIt) {
  site_.spread_cycles = true;
  BusConfig third = site_.buses[0];
  third.id = "bus3";
  third.port = "/dev/null-bus3";
  site_.buses.push_back(third);
  start();
  system_->run_iterate();  // start-up: every bus reads at once
  // Then bus k of 3 polls k/3 into each interval, always at its own slot.
  EXPECT_EQ(system_->next_due("bus1"), kStart + kPoll);
  EXPECT_EQ(system_->next_due("bus2"), kStart + kPoll + kPoll / 3);
  EXPECT_EQ(system_->next_due("bus3"), kStart + kPoll + 2 * kPoll / 3);
  clock_.advance(kPoll + kPoll / 3);
  system_->run_iterate();
  EXPECT_EQ(system_->counters("bus1").polls_completed, 2U);
  EXPECT_EQ(system_->counters("bus2").polls_completed, 2U);
  EXPECT_EQ(system_->counters("bus3").polls_completed, 1U);
  EXPECT_EQ(system_->next_due("bus2"), kStart + 2 * kPoll + kPoll / 3);
  // bus1 started its cycle a third of an interval late; nothing was missed.
  EXPECT_EQ(system_->counters("bus1").worst_start_lateness, kPoll / 3);
  EXPECT_EQ(system_->counters("bus1").cycles_missed, 0U);
  // Two intervals later in one step: the slots in between are counted as missed.
  clock_.advance(2 * kPoll + kPoll / 3);
  system_->run_iterate();
  EXPECT_EQ(system_->counters("bus1").cycles_missed, 1U);
}

TEST_F(CollectorTest, AnAdaptiveTimeoutFollowsTheMeasuredLatencyWithinItsBounds) {
  site_.buses.resize(1);
  site_.buses[0].response_timeout = Millis(800);
  site_.buses[0].response_timeout_set = true;
  site_.adaptive_timeout = true;
  start();
  for (int i = 0; i < 4; ++i) {  // 3 reads per box and cycle: 12 replies measured per box
    system_->run_iterate();
    clock_.advance(kPoll);
  }
  // The fake answers at once: k x p99 is below the floor, so the floor (50 ms) is in force.
  EXPECT_EQ(system_->counters("bus1").response_timeout, Millis(50));

  site_.adaptive_timeout = false;
  start();
  system_->run_iterate();
  EXPECT_EQ(system_->counters("bus1").response_timeout, Millis(800));
}

TEST_F(CollectorTest, AnAdaptiveTimeoutIsTheFactorTimesTheP99OfTheMeasuredReplyTimes) {
  site_.buses.resize(1);
  site_.buses[0].response_timeout = Millis(800);
  site_.buses[0].response_timeout_set = true;
  site_.adaptive_timeout = true;  // factor 3
  // Every reply takes `reply` on the injected monotonic clock: no real waiting, exact figures.
  domain::ManualMonotonicClock monotonic;
  std::atomic<int> reply_ms{100};
  system_ = std::make_unique<System>(
      site_, db_, clock_,
      [&](const BusConfig&) {
        return std::make_unique<Hooked>(master_, mu_, [&](bool write) {
          if (!write) monotonic.advance(Millis(reply_ms.load()));
        });
      },
      monotonic);
  for (int i = 0; i < 4; ++i) {  // 12 replies measured per box
    system_->run_iterate();
    clock_.advance(kPoll);
  }
  EXPECT_EQ(system_->counters("bus1").response_timeout, Millis(300));
  // Slower replies: 3 x 400 ms is above the configured timeout, which bounds it.
  reply_ms = 400;
  system_->run_iterate();
  EXPECT_EQ(system_->counters("bus1").response_timeout, Millis(800));
  system_.reset();  // before the clock it borrows
}

TEST_F(CollectorTest, TheSilenceAfterAClockSyncBroadcastIsWaitedOnTheInjectedMonotonicClock) {
  ASSERT_TRUE(use_profile_timing("{turnaround: 250ms}"));
  site_.buses.resize(1);
  site_.clock_sync = Millis(24LL * 3600 * 1000);
  // The fake boxes' clocks stand at 1970: no drift event, so no second broadcast.
  site_.clock_drift_limit = Millis(std::numeric_limits<std::int64_t>::max() / 2);
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
  system_ = std::make_unique<System>(
      site_, db_, clock_,
      [this](const BusConfig&) {
        return std::make_unique<TakesBroadcasts>(std::make_unique<Hooked>(master_, mu_));
      },
      monotonic);
  system_->run_iterate();  // start-up: one broadcast, then the poll (reads do not move the clock)
  EXPECT_EQ(system_->counters("bus1").clock_syncs, 1U);
  EXPECT_EQ(monotonic.elapsed(), Millis(250));
  clock_.advance(kPoll);
  system_->run_iterate();  // no broadcast due: no pause
  EXPECT_EQ(monotonic.elapsed(), Millis(250));
  system_.reset();
}

TEST_F(CollectorTest, TheProfilesResponseTimeoutAppliesUnlessTheSiteFileSetsOne) {
  ASSERT_TRUE(use_profile_timing("{response_timeout: 320ms, turnaround: 0ms}"));
  site_.buses.resize(1);
  start();
  system_->run_iterate();
  EXPECT_EQ(system_->counters("bus1").response_timeout, Millis(320));
  site_.buses[0].response_timeout = Millis(700);
  site_.buses[0].response_timeout_set = true;  // `response_timeout: 700ms` in the site file
  start();
  clock_.advance(kPoll);
  system_->run_iterate();
  EXPECT_EQ(system_->counters("bus1").response_timeout, Millis(700));
}

TEST_F(CollectorTest, AReadRequestFromAnotherProcessIsRunAndItsResultStored) {
  start();
  system_->run_iterate();
  device_.set(2, 3, {.energy_wh = 9'000});
  clock_.advance(Millis(60'000));
  // prepaidctl: the front door on its own connection to the same database, no bus worker.
  test::Desk ctl(db_, clock_, site_);
  const auto request = [&](std::int64_t id) { return ctl.ops().read_request({"qa"}, id).value(); };
  const auto id = ctl.request_read("bus1/2/3");
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(request(id.value()).state, "pending");
  EXPECT_FALSE(ctl.request_read("bus1/9"));  // refused: not in the site, nothing stored
  clear_log();
  system_->run_iterate();  // the daemon's next look at the outbox
  const auto r = request(id.value());
  EXPECT_EQ(r.state, "done") << r.result;
  EXPECT_EQ(system_->meter({"bus1", 2, 3})->energy_wh, 9'000);
  EXPECT_EQ(reads_of(1), 0);  // only the box asked for
  EXPECT_EQ(system_->counters("bus1").polls_completed, 1U);
  // A silent box: the request fails with the reason.
  master_.set_silent(2, true);
  const auto id2 = ctl.request_read("bus1/2");
  ASSERT_TRUE(id2);
  system_->run_iterate();
  EXPECT_EQ(request(id2.value()).state, "failed");
  EXPECT_FALSE(request(id2.value()).result.empty());
}

TEST_F(CollectorTest, ARelayThatDisagreesWithItsModeIsRaisedOnce) {
  site_.buses.resize(1);
  start();
  system_->run_iterate();
  const auto profile = meterlink::load_profile(test::test_profiles_dir(), "adf300l");
  const auto* mode = profile.circuit_register("mode");
  const auto* relay = profile.circuit_register("relay");
  ASSERT_TRUE(mode && relay);
  // Circuit 4 of box 1 reports forced_off (2) with its relay closed (1): a stuck contact.
  {
    std::lock_guard l(mu_);
    master_.set(1, static_cast<std::uint16_t>(mode->address_for(4)), 2);
    master_.set(1, static_cast<std::uint16_t>(relay->address_for(4)), 1);
  }
  const MeterId m14{"bus1", 1, 4};
  for (int i = 0; i < 3; ++i) {
    clock_.advance(kPoll);
    system_->run_iterate();
  }
  int raised = 0;
  for (const auto& e : system_->events(m14))
    raised += e.kind == "relay_mismatch" ? 1 : 0;
  EXPECT_EQ(raised, 1);
  EXPECT_TRUE(system_->events(MeterId{"bus1", 1, 3}).empty());
}

}  // namespace
}  // namespace phil::service
