// The system reads plain energy meters (issue 14 item 6, profiles/energy-meter.yaml) on the same
// bus as a prepaid ADF300 box, over a real pty against the virtual fleet: they are polled in the
// same cycle and their readings stored for the energy reports, but they are never charged, never
// commanded (refused at the counter), never get a download, show on the status board as energy
// meters (no balance, no action required), and go offline after silent cycles like any box.
#include <algorithm>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include <phil/service/operations.hpp>
#include <phil/service/system.hpp>
#include <phil/sim/fleet.hpp>
#include <phil/sim/simulator.hpp>

#include "support/desk.hpp"
#include "support/sim_system.hpp"
#include "support/temp_dir.hpp"

namespace phil {
namespace {

using domain::MeterId;
using test::SharedClock;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};  // 2026-03-01T00:00:00+08:00
constexpr Millis kPoll{30 * 60 * 1000};

/// A flat's ADF300L-I box and an em-1p on the stairwell lighting, on one bus; the em-3p the site
/// file lists at address 22 is absent (it never answers).
constexpr const char* kFleet = R"(buses:
  - id: bus1
    port: vbus/bus1
    boxes:
      - address: 1
        model: adf300l-i
        circuits:
          1: {load: {constant: 1200}}
      - address: 21
        model: em-1p
        circuits:
          1: {load: {constant: 1000}}
)";

std::string repository_profiles() {
  return PHIL_SOURCE_DIR "/profiles";
}

class EnergyMeters : public ::testing::Test {
 protected:
  EnergyMeters() : clock_(kStart) {
    sim_ = test::start_fleet(kFleet, dir_.file(""), clock_, repository_profiles());
    auto site = test::one_bus_site("mixed", sim_->endpoint("bus1"), Millis(200),
                                   {{1, "adf300l-i", "adf300l"},
                                    {21, "em-1p", "energy-meter"},
                                    {22, "em-3p", "energy-meter"}});
    site.profiles_dir = repository_profiles();
    system_ = std::make_unique<service::System>(site, dir_.file("site.db"), clock_);
    desk_ = std::make_unique<test::Desk>(dir_.file("site.db"), clock_, site);
  }

  void step(Millis d) { test::step(clock_, *sim_, *system_, d); }

  service::Actor admin() const { return {"admin", domain::Role::kAdmin}; }

  test::TempDir dir_;
  SharedClock clock_;
  std::unique_ptr<sim::Simulator> sim_;
  std::unique_ptr<service::System> system_;
  std::unique_ptr<test::Desk> desk_;
  const MeterId flat_{"bus1", 1, 1};
  const MeterId stairs_{"bus1", 21, 1};
  const MeterId lift_{"bus1", 22, 1};
};

TEST_F(EnergyMeters, AnEnergyMeterIsReadInTheSameCycleAndNeverCharged) {
  ASSERT_TRUE(desk_->open_account("A401", "Li", {flat_}, 10'000, "cashier"));
  system_->run_iterate();
  const auto stairs_first_wh = system_->meter(stairs_)->energy_wh;  // the roll-ups' start
  step(kPoll);
  step(kPoll);
  // 1000 W for an hour: 1 kWh, read to the meter's 10 Wh.
  const auto stairs = system_->meter(stairs_);
  ASSERT_TRUE(stairs && stairs->ever_read);
  EXPECT_EQ(stairs->energy_wh, sim_->circuit("bus1", 21, 1)->energy_wh / 10 * 10);
  EXPECT_GE(stairs->energy_wh, 990);
  EXPECT_EQ(stairs->power_w, 1000);
  EXPECT_EQ(stairs->status, domain::MeterStatus::kNormal);
  EXPECT_FALSE(stairs->account);
  // The flat is billed as ever; nothing of the energy meter is in the ledger.
  EXPECT_LT(*system_->account_balance_fen("A401"), 10'000);
  const auto ledger = desk_->ops().ledger(admin(), std::nullopt);
  ASSERT_TRUE(ledger);
  EXPECT_TRUE(std::none_of(ledger.value().begin(), ledger.value().end(),
                           [&](const auto& e) { return e.meter == stairs_; }));
  EXPECT_TRUE(std::any_of(ledger.value().begin(), ledger.value().end(), [&](const auto& e) {
    return e.meter == flat_ && e.kind == domain::EntryKind::kCharge;
  }));
  // Nothing was queued for it: no thresholds at first contact, no price.
  const auto commands = desk_->ops().meter_commands(admin(), stairs_, 10);
  ASSERT_TRUE(commands);
  EXPECT_TRUE(commands.value().empty());
  EXPECT_TRUE(system_->verify_ledger().empty());
  // The readings export has it with its energy register.
  const auto exported = desk_->ops().readings_export({"manager", domain::Role::kManager});
  ASSERT_TRUE(exported) << exported.error().message;
  const auto row = std::find_if(exported.value().rows.begin(), exported.value().rows.end(),
                                [&](const auto& r) { return r.meter.meter == stairs_; });
  ASSERT_NE(row, exported.value().rows.end());
  EXPECT_EQ(row->energy_wh, stairs->energy_wh);
  EXPECT_TRUE(row->meter.energy_meter);
  // The daily roll-ups have its energy, and the energy report by meter shows it, with no charge.
  system_->roll_up();
  service::EnergyQuery q;
  q.from = kStart;
  q.to = kStart + Millis(24LL * 3600 * 1000);
  const auto report = desk_->ops().energy_report({"manager", domain::Role::kManager}, q);
  ASSERT_TRUE(report) << report.error().message;
  const auto& rows = report.value().sums.rows;
  const auto mine = std::find_if(rows.begin(), rows.end(),
                                 [&](const auto& e) { return e.group == stairs_.to_string(); });
  ASSERT_NE(mine, rows.end());
  EXPECT_EQ(mine->energy_wh, stairs->energy_wh - stairs_first_wh);
  EXPECT_EQ(mine->charge_fen, 0);
}

TEST_F(EnergyMeters, ACommandAccountOrSaleOnAnEnergyMeterIsRefusedAndNothingIsWritten) {
  system_->run_iterate();
  const auto trip =
      desk_->command(stairs_, domain::ModePayload{domain::RelayCommand::kForcedOff}, "engineer");
  ASSERT_FALSE(trip);
  EXPECT_EQ(trip.error().kind, domain::ErrorKind::kInvalid);
  EXPECT_NE(trip.error().message.find("energy meter"), std::string::npos) << trip.error().message;
  EXPECT_NE(trip.error().message.find("em-1p"), std::string::npos) << trip.error().message;
  const auto opened = desk_->open_account("S1", "stairs", {stairs_}, 0, "cashier");
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("never billed"), std::string::npos)
      << opened.error().message;
  const auto tariff =
      desk_->ops().assign_tariff({"manager", domain::Role::kManager}, {"flat", stairs_, {}});
  ASSERT_FALSE(tariff);
  EXPECT_NE(tariff.error().message.find("tariff assignment refused: meter bus1/21/1 is an energy "
                                        "meter"),
            std::string::npos)
      << tariff.error().message;
  const auto commands = desk_->ops().meter_commands(admin(), stairs_, 10);
  ASSERT_TRUE(commands);
  EXPECT_TRUE(commands.value().empty());
  const auto ledger = desk_->ops().ledger(admin(), std::nullopt);
  ASSERT_TRUE(ledger);
  EXPECT_TRUE(ledger.value().empty());
}

TEST_F(EnergyMeters, ASiteTariffChangeQueuesPricesToThePrepaidMetersOnlyAndRaisesNoAlarm) {
  system_->run_iterate();
  const service::Actor manager{"manager", domain::Role::kManager};
  ASSERT_TRUE(desk_->ops().add_tariff(manager, {"site", {kStart, domain::Tariff::single(6500)}}));
  ASSERT_TRUE(desk_->ops().assign_tariff(manager, {"site", std::nullopt, std::nullopt}));
  // The flat's meter-side meters get the new prices (so the change did reach meters)...
  const auto flat = desk_->ops().meter_commands(admin(), flat_, 10);
  ASSERT_TRUE(flat);
  EXPECT_TRUE(std::any_of(flat.value().begin(), flat.value().end(),
                          [](const auto& c) { return c.kind == domain::CommandKind::kPrice; }));
  // ...the energy meters nothing: their bus worker would refuse it and raise command_failed.
  for (const auto& m : {stairs_, lift_}) {
    const auto commands = desk_->ops().meter_commands(admin(), m, 10);
    ASSERT_TRUE(commands);
    EXPECT_TRUE(commands.value().empty()) << m.to_string();
  }
  step(kPoll);
  const auto alarms = desk_->ops().alarms(admin(), {});
  ASSERT_TRUE(alarms) << alarms.error().message;
  for (const auto& a : alarms.value().alarms) {
    EXPECT_NE(a.key.kind, domain::AlarmKind::kCommandFailed) << a.details;
  }
}

TEST_F(EnergyMeters, WithoutTheSiteFileTheStoresMarkStillRefusesCommandsAndAccounts) {
  system_->run_iterate();  // registers the site file's meters, the energy meters marked
  const auto bare = service::Operations::open(dir_.file("site.db"), clock_);
  const service::Actor engineer{"engineer", domain::Role::kEngineer};
  const auto trip =
      bare->command(engineer, stairs_, domain::ModePayload{domain::RelayCommand::kForcedOff});
  ASSERT_FALSE(trip);
  EXPECT_NE(trip.error().message.find("energy meter (model em-1p)"), std::string::npos)
      << trip.error().message;
  const auto clock_sync = bare->command(engineer, MeterId{"bus1", 21, 0}, domain::ClockPayload{});
  ASSERT_FALSE(clock_sync);
  EXPECT_NE(clock_sync.error().message.find("box bus1/21"), std::string::npos)
      << clock_sync.error().message;
  const auto opened =
      bare->open_account({"cashier", domain::Role::kCashier}, {"S1", "stairs", {stairs_}, 0});
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("never billed"), std::string::npos)
      << opened.error().message;
  // A batch over both: the flat's meter queued, the energy meter a refused member.
  const auto batch =
      bare->command_batch(engineer, {flat_, stairs_},
                          domain::ModePayload{domain::RelayCommand::kForcedOff}, "meters file");
  ASSERT_TRUE(batch) << batch.error().message;
  EXPECT_EQ(batch.value().queued, 1U);
  EXPECT_EQ(batch.value().refused, 1U);
  const auto commands = desk_->ops().meter_commands(admin(), stairs_, 10);
  ASSERT_TRUE(commands);
  EXPECT_TRUE(commands.value().empty());
  // The board marks it from the store too.
  const auto board = bare->status_board(admin(), {});
  ASSERT_TRUE(board);
  EXPECT_EQ(board.value().counts.of(domain::MeterStatus::kNotOpened), 12U);
}

TEST_F(EnergyMeters, TheBoardShowsAnEnergyMeterWithoutBalanceOrActionRequired) {
  system_->run_iterate();
  const auto board = desk_->ops().status_board(admin(), {});
  ASSERT_TRUE(board);
  int seen = 0;
  for (const auto& building : board.value().buildings) {
    for (const auto& floor : building.floors) {
      for (const auto& box : floor.boxes) {
        for (const auto& r : box.meters) {
          if (r.meter != stairs_) continue;
          ++seen;
          EXPECT_TRUE(r.energy_meter);
          EXPECT_EQ(r.status, domain::MeterStatus::kNormal);
          EXPECT_FALSE(r.balance_fen);
          EXPECT_FALSE(r.relay_closed);
          EXPECT_TRUE(domain::board_actions(r).empty());
        }
      }
    }
  }
  EXPECT_EQ(seen, 1);
  // Not "not opened": the flat's twelve circuits are, the energy meters are not.
  EXPECT_EQ(board.value().counts.of(domain::MeterStatus::kNotOpened), 12U);
}

TEST_F(EnergyMeters, ASilentEnergyMeterGoesOfflineAfterThreeCyclesAndTheBusGoesOn) {
  system_->run_iterate();
  step(kPoll);
  EXPECT_EQ(system_->meter(lift_)->status, domain::MeterStatus::kNormal);  // not yet
  step(kPoll);
  const auto lift = system_->meter(lift_);
  EXPECT_EQ(lift->failed_cycles, 3);
  EXPECT_EQ(lift->status, domain::MeterStatus::kOffline);
  EXPECT_EQ(system_->meter(stairs_)->status, domain::MeterStatus::kNormal);
  EXPECT_EQ(system_->meter(stairs_)->failed_cycles, 0);
  EXPECT_EQ(system_->meter(flat_)->failed_cycles, 0);
}

}  // namespace
}  // namespace phil
