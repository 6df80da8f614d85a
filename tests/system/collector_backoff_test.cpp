// Comm loss and pending commands (issue 5): a box that does not answer costs at most one
// response timeout per poll cycle once it is offline, and a bounded, backing-off number of
// command attempts before that; when a poll finds it answering again, the commands held for it
// go at once, each exactly once. Scripted fake master with an emulated ADF300, manual clock.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <phil/service/system.hpp>

#include "support/fake_site.hpp"

namespace phil::service {
namespace {

using domain::MeterId;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};
constexpr Millis kPoll{30 * 60 * 1000};
constexpr Millis kStep{30 * 1000};  // the daemon wakes far more often than the bus polls
constexpr int kStepsPerPoll = static_cast<int>(kPoll / kStep);

class CollectorBackoff : public ::testing::Test {
 protected:
  CollectorBackoff() {
    spdlog::set_level(spdlog::level::err);
    site_.config.poll_interval = kPoll;
    site_.start();
    EXPECT_TRUE(site_.desk->open_account("A1", "", {silent_meter_}, 0, "op"));
    EXPECT_TRUE(site_.desk->open_account("A2", "", {MeterId{"bus1", 2, 1}}, 0, "op"));
    site_.system->run_iterate();  // the first poll: both boxes answer
  }
  ~CollectorBackoff() override { spdlog::set_level(spdlog::level::info); }

  /// One daemon wake-up, kStep later. True if it ran a poll cycle.
  bool step() {
    const auto polls = site_.system->counters("bus1").polls_completed;
    site_.step(kStep);
    return site_.system->counters("bus1").polls_completed != polls;
  }
  std::string credit_state() {
    const auto cmds = site_.system->commands(silent_meter_, 10);
    return cmds.empty() ? "missing" : std::string(domain::to_string(cmds.front().state));
  }

  test::FakeSite site_{kStart};
  const MeterId silent_meter_{"bus1", 1, 1};
};

TEST_F(CollectorBackoff, ASilentBoxWithAPendingCreditCostsAtMostOneTimeoutPerCycleOnceOffline) {
  constexpr int kCycles = 6;  // offline after 3 (the default)
  site_.master.set_silent(1, true);
  ASSERT_TRUE(site_.desk->sale("A1", 2'000, "op"));
  std::vector<int> timeouts_per_cycle;
  int before = site_.master.timeouts(1);
  int steps = 0;
  // Bounded: kCycles poll intervals of kStep wake-ups each, plus slack for the schedule.
  for (; steps < (kCycles + 1) * kStepsPerPoll &&
         static_cast<int>(timeouts_per_cycle.size()) < kCycles;
       ++steps) {
    if (step()) {
      timeouts_per_cycle.push_back(site_.master.timeouts(1) - before);
      before = site_.master.timeouts(1);
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
  EXPECT_EQ(site_.system->counters("bus1").boxes_offline, 1U);
  EXPECT_EQ(site_.device.credits_applied(), 0);
  EXPECT_NE(credit_state(), "confirmed");
  // The other box on the bus is polled every cycle all along.
  int box2_reads = 0;
  for (const auto& r : site_.master.log())
    box2_reads += (r.slave == 2 && r.outcome == "ok") ? 1 : 0;
  EXPECT_GE(box2_reads, kCycles);
}

TEST_F(CollectorBackoff, OnRecoveryTheHeldCreditIsDeliveredOnceAtThePollThatFindsTheBox) {
  site_.master.set_silent(1, true);
  ASSERT_TRUE(site_.desk->sale("A1", 2'000, "op"));
  int polls = 0;
  for (int steps = 0; steps < 5 * kStepsPerPoll && polls < 4; ++steps)
    polls += step() ? 1 : 0;
  ASSERT_EQ(polls, 4);
  ASSERT_EQ(site_.system->counters("bus1").boxes_offline, 1U);
  ASSERT_EQ(site_.device.credits_applied(), 0);

  site_.master.set_silent(1, false);  // the box answers again, between two polls
  site_.clear_log();
  bool polled = false;
  int steps = 0;
  for (; steps < 2 * kStepsPerPoll && !polled; ++steps) {
    polled = step();
    if (!polled) {
      // Held for the poll: no request to the box, the credit waits.
      EXPECT_EQ(site_.device.credits_applied(), 0) << "step " << steps;
    }
  }
  ASSERT_TRUE(polled);
  // The iteration whose poll found the box delivered the credit, once, under count 1.
  EXPECT_EQ(credit_state(), "confirmed");
  EXPECT_EQ(site_.device.credits_applied(), 1);
  EXPECT_EQ(site_.device.circuit(1, 1).purchase_count, 1);
  EXPECT_EQ(site_.device.circuit(1, 1).purchase_total_fen, 2'000);
  for (int i = 0; i < 3; ++i)
    (void)step();
  EXPECT_EQ(site_.device.credits_applied(), 1);
  EXPECT_EQ(site_.system->counters("bus1").commands_pending, 0U);
  EXPECT_EQ(site_.system->counters("bus1").boxes_offline, 0U);
  EXPECT_TRUE(site_.system->verify_ledger().empty());
}

TEST_F(CollectorBackoff, ABoxThatAnswersAgainBeforeOfflineGetsItsCreditWhenTheBackoffExpires) {
  site_.master.set_silent(1, true);
  ASSERT_TRUE(site_.desk->sale("A1", 1'500, "op"));
  for (int i = 0; i < 4; ++i)
    (void)step();  // a few failed tries: 5 s, 10 s, 20 s... backoff
  ASSERT_GE(site_.master.timeouts(1), 1);
  site_.master.set_silent(1, false);
  // Delivered within the backoff in force (at most the poll interval), exactly once.
  for (int i = 0; i < kStepsPerPoll && site_.device.credits_applied() == 0; ++i)
    (void)step();
  EXPECT_EQ(site_.device.credits_applied(), 1);
  EXPECT_EQ(credit_state(), "confirmed");
  EXPECT_EQ(site_.device.circuit(1, 1).purchase_count, 1);
}

}  // namespace
}  // namespace phil::service
