// Comm loss and pending commands (issue 5): a box that does not answer costs at most one
// response timeout per poll cycle once it is offline, and a bounded, backing-off number of
// command attempts before that; when a poll finds it answering again, the commands held for it
// go at once, each exactly once. Scripted fake master with an emulated ADF300, manual clock.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <phil/service/system.hpp>

#include "support/borrowed_master.hpp"
#include "support/desk.hpp"
#include "support/fake_adf300.hpp"
#include "support/fake_master.hpp"
#include "support/temp_dir.hpp"

namespace phil::service {
namespace {

using domain::MeterId;
using meterlink::FakeMaster;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};
constexpr Millis kPoll{30 * 60 * 1000};
constexpr Millis kStep{30 * 1000};  // the daemon wakes far more often than the bus polls
constexpr int kStepsPerPoll = static_cast<int>(kPoll / kStep);

class CollectorBackoff : public ::testing::Test {
 protected:
  CollectorBackoff()
      : clock_(kStart),
        device_(master_, meterlink::load_profile(test::test_profiles_dir(), "adf300l")) {
    spdlog::set_level(spdlog::level::err);
    SiteConfig site;
    site.name = "backoff";
    site.profiles_dir = test::test_profiles_dir();
    site.poll_interval = kPoll;
    BusConfig bus;
    bus.id = "bus1";
    bus.port = "/dev/null-not-used";
    bus.boxes = {{1, "adf300l-i", "adf300l"}, {2, "adf300l-i", "adf300l"}};
    site.buses = {bus};
    system_ = std::make_unique<System>(site, dir_.file("site.db"), clock_, [&](const BusConfig&) {
      return std::make_unique<test::Borrowed>(master_);
    });
    desk_ = std::make_unique<test::Desk>(dir_.file("site.db"), clock_, site);
    EXPECT_TRUE(desk_->open_account("A1", "", {silent_meter_}, 0, "op"));
    EXPECT_TRUE(desk_->open_account("A2", "", {MeterId{"bus1", 2, 1}}, 0, "op"));
    system_->run_iterate();  // the first poll: both boxes answer
  }
  ~CollectorBackoff() override { spdlog::set_level(spdlog::level::info); }

  /// One daemon wake-up, kStep later. True if it ran a poll cycle.
  bool step() {
    const auto polls = system_->counters("bus1").polls_completed;
    clock_.advance(kStep);
    system_->run_iterate();
    return system_->counters("bus1").polls_completed != polls;
  }
  std::string credit_state() {
    const auto cmds = system_->commands(silent_meter_, 10);
    return cmds.empty() ? "missing" : std::string(domain::to_string(cmds.front().state));
  }

  test::TempDir dir_;
  domain::ManualClock clock_;
  FakeMaster master_;
  test::FakeAdf300 device_;
  std::unique_ptr<System> system_;
  std::unique_ptr<test::Desk> desk_;
  const MeterId silent_meter_{"bus1", 1, 1};
};

TEST_F(CollectorBackoff, ASilentBoxWithAPendingCreditCostsAtMostOneTimeoutPerCycleOnceOffline) {
  constexpr int kCycles = 6;  // offline after 3 (the default)
  master_.set_silent(1, true);
  ASSERT_TRUE(desk_->sale("A1", 2'000, "op"));
  std::vector<int> timeouts_per_cycle;
  int before = master_.timeouts(1);
  int steps = 0;
  // Bounded: kCycles poll intervals of kStep wake-ups each, plus slack for the schedule.
  for (; steps < (kCycles + 1) * kStepsPerPoll &&
         static_cast<int>(timeouts_per_cycle.size()) < kCycles;
       ++steps) {
    if (step()) {
      timeouts_per_cycle.push_back(master_.timeouts(1) - before);
      before = master_.timeouts(1);
    }
  }
  ASSERT_EQ(static_cast<int>(timeouts_per_cycle.size()), kCycles);
  // Before it is offline: the credit's tries back off (doubling from 5 s, capped at the poll
  // interval), the pre-write reads of purchase_count included; not one try per wake-up (60).
  EXPECT_LE(timeouts_per_cycle[0], 12) << ::testing::PrintToString(timeouts_per_cycle);
  EXPECT_LE(timeouts_per_cycle[1], 3);
  // Offline: the poll is the only request to the box in a cycle.
  for (std::size_t c = 3; c < timeouts_per_cycle.size(); ++c) {
    EXPECT_LE(timeouts_per_cycle[c], 1)
        << "cycle " << c + 1 << ": " << ::testing::PrintToString(timeouts_per_cycle);
  }
  EXPECT_EQ(system_->counters("bus1").boxes_offline, 1U);
  EXPECT_EQ(device_.credits_applied(), 0);
  EXPECT_NE(credit_state(), "confirmed");
  // The other box on the bus is polled every cycle all along.
  int box2_reads = 0;
  for (const auto& r : master_.log())
    box2_reads += (r.slave == 2 && r.outcome == "ok") ? 1 : 0;
  EXPECT_GE(box2_reads, kCycles);
}

TEST_F(CollectorBackoff, OnRecoveryTheHeldCreditIsDeliveredOnceAtThePollThatFindsTheBox) {
  master_.set_silent(1, true);
  ASSERT_TRUE(desk_->sale("A1", 2'000, "op"));
  int polls = 0;
  for (int steps = 0; steps < 5 * kStepsPerPoll && polls < 4; ++steps)
    polls += step() ? 1 : 0;
  ASSERT_EQ(polls, 4);
  ASSERT_EQ(system_->counters("bus1").boxes_offline, 1U);
  ASSERT_EQ(device_.credits_applied(), 0);

  master_.set_silent(1, false);  // the box answers again, between two polls
  master_.clear_log();
  bool polled = false;
  int steps = 0;
  for (; steps < 2 * kStepsPerPoll && !polled; ++steps) {
    polled = step();
    if (!polled) {
      // Held for the poll: no request to the box, the credit waits.
      EXPECT_EQ(device_.credits_applied(), 0) << "step " << steps;
    }
  }
  ASSERT_TRUE(polled);
  // The iteration whose poll found the box delivered the credit, once, under count 1.
  EXPECT_EQ(credit_state(), "confirmed");
  EXPECT_EQ(device_.credits_applied(), 1);
  EXPECT_EQ(device_.circuit(1, 1).purchase_count, 1);
  EXPECT_EQ(device_.circuit(1, 1).purchase_total_fen, 2'000);
  for (int i = 0; i < 3; ++i)
    (void)step();
  EXPECT_EQ(device_.credits_applied(), 1);
  EXPECT_EQ(system_->counters("bus1").commands_pending, 0U);
  EXPECT_EQ(system_->counters("bus1").boxes_offline, 0U);
  EXPECT_TRUE(system_->verify_ledger().empty());
}

TEST_F(CollectorBackoff, ABoxThatAnswersAgainBeforeOfflineGetsItsCreditWhenTheBackoffExpires) {
  master_.set_silent(1, true);
  ASSERT_TRUE(desk_->sale("A1", 1'500, "op"));
  for (int i = 0; i < 4; ++i)
    (void)step();  // a few failed tries: 5 s, 10 s, 20 s... backoff
  ASSERT_GE(master_.timeouts(1), 1);
  master_.set_silent(1, false);
  // Delivered within the backoff in force (at most the poll interval), exactly once.
  for (int i = 0; i < kStepsPerPoll && device_.credits_applied() == 0; ++i)
    (void)step();
  EXPECT_EQ(device_.credits_applied(), 1);
  EXPECT_EQ(credit_state(), "confirmed");
  EXPECT_EQ(device_.circuit(1, 1).purchase_count, 1);
}

}  // namespace
}  // namespace phil::service
