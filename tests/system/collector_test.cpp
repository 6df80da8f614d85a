// The collector side of the System: on-demand reads, one worker per bus running in parallel,
// and stopping between transactions with the outbox left consistent.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include <phil/meterlink/fake_master.hpp>
#include <phil/service/collector.hpp>
#include <phil/service/system.hpp>

#include "support/fake_adf300.hpp"
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
    for (const auto* id : {"bus1", "bus2"}) {
      BusConfig bus;
      bus.id = id;
      bus.port = std::string("/dev/null-") + id;
      bus.boxes = {{1, "adf300l-i", "adf300l"}, {2, "adf300l-i", "adf300l"}};
      site_.buses.push_back(bus);
    }
    db_ = dir_.file("site.db");
  }

  void start(std::function<void(bool)> before = {}) {
    system_ = std::make_unique<System>(site_, db_, clock_, [this, before](const BusConfig&) {
      return std::make_unique<Hooked>(master_, mu_, before);
    });
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
  ASSERT_TRUE(system_->open_account("A1", "", {MeterId{"bus1", 1, 1}}, 0, "op"));
  system_->run_iterate();
  ASSERT_TRUE(system_->sale("A1", 1'000, "op"));
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
  EXPECT_EQ(system_->commands({"bus1", 1, 1})[0].state, "confirmed");
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
  EXPECT_EQ(system_->meter({"bus1", 1, 1})->status, "not_opened");
}

}  // namespace
}  // namespace phil::service
