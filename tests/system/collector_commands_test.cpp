// Remote commands end to end against the virtual fleet over a pty: trip, close, keep-power,
// restore prepaid, thresholds and price table, each written and confirmed by reading back;
// priority (mode before credit) and supersede (only the last pending value is sent).
#include <atomic>

#include <gtest/gtest.h>

#include <phil/service/system.hpp>
#include <phil/sim/fleet.hpp>
#include <phil/sim/simulator.hpp>

#include "support/desk.hpp"
#include "support/fake_adf300.hpp"
#include "support/sim_system.hpp"
#include "support/temp_dir.hpp"

namespace phil {
namespace {

using domain::MeterId;
using domain::ModePayload;
using domain::RelayCommand;

using test::SharedClock;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};

constexpr const char* kFleet = R"(buses:
  - id: bus1
    port: vbus/bus1
    boxes:
      - address: 1
        model: adf300l-i
        circuits:
          1: {load: {constant: 1000}, balance: "50.00"}
          2: {load: {constant: 1000}, balance: "0.00"}
)";

class RemoteCommands : public ::testing::Test {
 protected:
  RemoteCommands() : clock_(kStart) {
    sim_ = test::start_fleet(kFleet, dir_.file(""), clock_);
    const auto site = test::one_bus_site("cmds", sim_->endpoint("bus1"), Millis(200),
                                         {{1, "adf300l-i", "adf300l"}});
    system_ = std::make_unique<service::System>(site, dir_.file("site.db"), clock_);
    desk_ = std::make_unique<test::Desk>(dir_.file("site.db"), clock_, site);
    EXPECT_TRUE(desk_->open_account("A1", "", {m11_}, 0, "op"));
    EXPECT_TRUE(desk_->open_account("A2", "", {m12_}, 0, "op"));
    system_->run_iterate();
  }

  void step(Millis d = Millis(1000)) { test::step(clock_, *sim_, *system_, d); }
  std::string state_of(std::int64_t id, const MeterId& m) {
    for (const auto& c : system_->commands(m, 50)) {
      if (c.id == id) return std::string(domain::to_string(c.state));
    }
    return "missing";
  }
  std::int64_t queue(const MeterId& m, const domain::CommandPayload& p) {
    auto r = desk_->command(m, p, "op");
    EXPECT_TRUE(r) << r.error().message;
    return r ? r.value() : -1;
  }

  test::TempDir dir_;
  SharedClock clock_;
  std::unique_ptr<sim::Simulator> sim_;
  std::unique_ptr<service::System> system_;
  std::unique_ptr<test::Desk> desk_;
  const MeterId m11_{"bus1", 1, 1};
  const MeterId m12_{"bus1", 1, 2};
};

TEST_F(RemoteCommands, TripThenCloseAreWrittenAndConfirmedByReadBack) {
  ASSERT_TRUE(sim_->circuit("bus1", 1, 1)->relay_closed);
  const auto trip = queue(m11_, ModePayload{RelayCommand::kForcedOff});
  step();
  EXPECT_EQ(state_of(trip, m11_), "confirmed");
  EXPECT_FALSE(sim_->circuit("bus1", 1, 1)->relay_closed);
  EXPECT_EQ(sim_->circuit("bus1", 1, 1)->mode, sim::Mode::kForcedOff);
  EXPECT_FALSE(system_->meter(m11_)->relay_closed);
  const auto close = queue(m11_, ModePayload{RelayCommand::kClose});
  step();
  EXPECT_EQ(state_of(close, m11_), "confirmed");
  EXPECT_TRUE(sim_->circuit("bus1", 1, 1)->relay_closed);
  EXPECT_EQ(sim_->circuit("bus1", 1, 1)->mode, sim::Mode::kPrepaid);
}

TEST_F(RemoteCommands, KeepPowerHoldsTheRelayInArrearsAndRestorePrepaidTripsIt) {
  ASSERT_FALSE(sim_->circuit("bus1", 1, 2)->relay_closed);  // balance 0: tripped
  const auto keep = queue(m12_, ModePayload{RelayCommand::kKeepPower});
  step();
  EXPECT_EQ(state_of(keep, m12_), "confirmed");
  EXPECT_TRUE(sim_->circuit("bus1", 1, 2)->relay_closed);
  const auto restore = queue(m12_, ModePayload{RelayCommand::kPrepaid});
  step();
  EXPECT_EQ(state_of(restore, m12_), "confirmed");
  EXPECT_FALSE(sim_->circuit("bus1", 1, 2)->relay_closed);
}

TEST_F(RemoteCommands, ACloseOnAMeterInArrearsIsRefusedAtTheCounterAndNothingIsSent) {
  // A close puts the meter in prepaid mode, which keeps its relay open at zero balance: it could
  // never be confirmed, so the counter refuses it once a poll has read the balance.
  const auto close = desk_->command(m12_, ModePayload{RelayCommand::kClose}, "op");
  ASSERT_FALSE(close);
  EXPECT_EQ(close.error().message,
            "close of meter bus1/1/2 refused: balance 0.00: sell first, or use keep-power");
  step();
  // Only the first contact's thresholds download went to it.
  for (const auto& c : system_->commands(m12_, 50))
    EXPECT_EQ(c.kind, domain::CommandKind::kThresholds);
  EXPECT_FALSE(sim_->circuit("bus1", 1, 2)->relay_closed);
}

TEST_F(RemoteCommands, ThresholdsAndPricesAreDownloadedAndReadBack) {
  const auto th = queue(m11_, domain::ThresholdsPayload{3'000, 800, 4'400});
  const auto pr = queue(m11_, domain::PricePayload{{12'000, 9'000, 6'500, 3'000}});
  step();
  EXPECT_EQ(state_of(th, m11_), "confirmed");
  EXPECT_EQ(state_of(pr, m11_), "confirmed");
}

TEST_F(RemoteCommands, ALaterModeSupersedesAPendingOneAndOnlyTheLastIsSent) {
  const auto first = queue(m11_, ModePayload{RelayCommand::kForcedOff});
  const auto second = queue(m11_, ModePayload{RelayCommand::kKeepPower});
  step();
  EXPECT_EQ(state_of(first, m11_), "superseded");
  EXPECT_EQ(state_of(second, m11_), "confirmed");
  EXPECT_EQ(sim_->circuit("bus1", 1, 1)->mode, sim::Mode::kKeepPower);
}

TEST_F(RemoteCommands, ModeGoesBeforeACreditQueuedEarlier) {
  ASSERT_TRUE(desk_->sale("A2", 1'000, "op"));
  const auto trip = queue(m12_, ModePayload{RelayCommand::kForcedOff});
  step();
  EXPECT_EQ(state_of(trip, m12_), "confirmed");
  // The credit followed in the same iteration; forced off holds the relay open anyway.
  EXPECT_EQ(sim_->circuit("bus1", 1, 2)->purchase_count, 1);
  EXPECT_FALSE(sim_->circuit("bus1", 1, 2)->relay_closed);
}

// ---- batches (issue 14 item 2) ----

TEST_F(RemoteCommands, ABatchTripReachesEveryMeterAndEndsWithEachConfirmed) {
  const service::Actor engineer{"qa-engineer", domain::Role::kEngineer};
  const auto trip = ModePayload{RelayCommand::kForcedOff};
  // Every meter of the site: the box's twelve circuits.
  const auto plan = desk_->ops().plan_batch(engineer, {domain::BoardFilter{}, {}}, trip);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan.value().rows.size(), 12U);
  EXPECT_EQ(plan.value().refused, 0U);
  const auto sent = desk_->ops().command_batch(engineer, {m11_, m12_}, trip, "every meter");
  ASSERT_TRUE(sent) << sent.error().message;
  EXPECT_EQ(sent.value().queued, 2U);
  auto view = desk_->ops().command_batch_status(engineer, sent.value().batch);
  ASSERT_TRUE(view);
  EXPECT_EQ(view.value().batches.at(0).progress.pending, 2U);
  step();
  view = desk_->ops().command_batch_status(engineer, sent.value().batch);
  ASSERT_TRUE(view);
  const auto& b = view.value().batches.at(0);
  EXPECT_EQ(b.progress.confirmed, 2U);
  EXPECT_TRUE(b.progress.done());
  for (const auto& m : b.members) {
    ASSERT_TRUE(m.command);
    EXPECT_EQ(m.command->state, domain::CommandState::kConfirmed) << m.meter.to_string();
    EXPECT_EQ(sim_->circuit("bus1", 1, m.meter.circuit)->mode, sim::Mode::kForcedOff);
    EXPECT_FALSE(sim_->circuit("bus1", 1, m.meter.circuit)->relay_closed);
  }
}

TEST_F(RemoteCommands, ABatchCloseSendsToTheMetersWithMoneyAndRecordsWhyNotTheOneAtZero) {
  const service::Actor engineer{"qa-engineer", domain::Role::kEngineer};
  const auto close = ModePayload{RelayCommand::kClose};
  // Meter 1/2 was read at 0.00: its close could never be confirmed.
  service::BatchSelection selection;
  selection.meters = {m12_, m11_};
  const auto plan = desk_->ops().plan_batch(engineer, selection, close);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan.value().rows.size(), 2U);
  EXPECT_EQ(plan.value().rows[0].row.meter, m12_);
  EXPECT_EQ(plan.value().rows[0].refusal,
            "close of meter bus1/1/2 refused: balance 0.00: sell first, or use keep-power");
  EXPECT_EQ(plan.value().rows[1].refusal, "");
  EXPECT_EQ(plan.value().refused, 1U);
  const auto sent = desk_->ops().command_batch(engineer, {m12_, m11_}, close, "by hand");
  ASSERT_TRUE(sent) << sent.error().message;
  EXPECT_EQ(sent.value().queued, 1U);
  EXPECT_EQ(sent.value().refused, 1U);
  step();
  const auto view = desk_->ops().command_batch_status(engineer, sent.value().batch);
  ASSERT_TRUE(view);
  const auto& b = view.value().batches.at(0);
  EXPECT_EQ(b.members.at(0).refusal, plan.value().rows[0].refusal);
  EXPECT_EQ(b.members.at(1).command->state, domain::CommandState::kConfirmed);
  EXPECT_FALSE(sim_->circuit("bus1", 1, 2)->relay_closed);
  // Only the first contact's thresholds download went to the meter at zero.
  for (const auto& c : system_->commands(m12_, 50))
    EXPECT_EQ(c.kind, domain::CommandKind::kThresholds);
}

TEST_F(RemoteCommands, ABatchIsForOperatorsWhoMayCommandAndOfMetersOfTheSite) {
  const auto trip = ModePayload{RelayCommand::kForcedOff};
  const service::Actor cashier{"qa-cashier", domain::Role::kCashier};
  EXPECT_FALSE(desk_->ops().plan_batch(cashier, {domain::BoardFilter{}, {}}, trip));
  EXPECT_FALSE(desk_->ops().command_batch(cashier, {m11_}, trip, "x"));
  const service::Actor engineer{"qa-engineer", domain::Role::kEngineer};
  service::BatchSelection unknown;
  unknown.meters = {m11_, {"bus1", 9, 1}};
  const auto r = desk_->ops().plan_batch(engineer, unknown, trip);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, domain::ErrorKind::kNotFound);
  EXPECT_EQ(r.error().message,
            "meter bus1/9/1 is not at this site; check the list against `prepaidctl status`");
  const auto clock =
      desk_->ops().plan_batch(engineer, {domain::BoardFilter{}, {}}, domain::ClockPayload{});
  ASSERT_FALSE(clock);
  EXPECT_EQ(clock.error().kind, domain::ErrorKind::kInvalid);
  domain::BoardFilter none;
  none.account = "nobody";
  const auto empty = desk_->ops().plan_batch(engineer, {none, {}}, trip);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message,
            "the selection holds no meter; widen the filters or check the meters file");
  EXPECT_TRUE(desk_->ops().command_batches(engineer, 10).value().batches.empty());
}

TEST_F(RemoteCommands, RefusesACommandForAMeterNotInTheSite) {
  const auto r = desk_->command({"bus1", 9, 1}, ModePayload{RelayCommand::kForcedOff}, "op");
  EXPECT_FALSE(r);
}

}  // namespace
}  // namespace phil
