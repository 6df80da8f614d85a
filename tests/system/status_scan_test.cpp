// The status scan between full readings (issue 14 item 7), on a real pty against the virtual
// fleet: a scan refreshes every meter's state (balance, relay, mode, status) without touching
// its counters or the ledger, so arrears and a trip show within seconds instead of at the next
// reading; a silent box goes offline at the scan's pace and, when it answers again, is read
// whole at once; with no status_scan in the site file nothing is scanned.
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
constexpr Millis kScan{20'000};

/// Two flats' boxes on one bus: circuit 1 of box 1 draws 12 kW (0.6 yuan/kWh: 0.12 yuan a
/// minute), the rest 100 W.
constexpr const char* kFleet = R"(buses:
  - id: bus1
    port: vbus/bus1
    boxes:
      - address: 1
        model: adf300l-i
        circuits:
          1: {load: {constant: 12000}}
          2: {load: {constant: 100}}
      - address: 2
        model: adf300l-i
        circuits:
          1: {load: {constant: 100}}
)";

class StatusScan : public ::testing::Test {
 protected:
  explicit StatusScan(bool scan = true) : clock_(kStart) {
    sim_ = test::start_fleet(kFleet, dir_.file(""), clock_, PHIL_SOURCE_DIR "/profiles");
    auto site = test::one_bus_site("scan", sim_->endpoint("bus1"), Millis(200),
                                   {{1, "adf300l-i", "adf300l"}, {2, "adf300l-i", "adf300l"}});
    site.profiles_dir = PHIL_SOURCE_DIR "/profiles";
    if (scan) site.status_scan = service::StatusScan{kScan, Millis(20)};
    system_ = std::make_unique<service::System>(site, dir_.file("site.db"), clock_);
    desk_ = std::make_unique<test::Desk>(dir_.file("site.db"), clock_, site);
  }

  void step(Millis d) { test::step(clock_, *sim_, *system_, d); }

  /// Opens A1 on the heavy circuit and A2 on box 2 and runs the first iteration (credits
  /// delivered, the first full reading).
  void open_and_read(std::int64_t a1_fen) {
    ASSERT_TRUE(desk_->open_account("A1", "Li", {heavy_}, a1_fen, "cashier"));
    ASSERT_TRUE(desk_->open_account("A2", "Wang", {quiet_}, 50'000, "cashier"));
    system_->run_iterate();
    system_->run_iterate();  // what the first one queued (thresholds at first contact)
    ASSERT_EQ(system_->counters("bus1").polls_completed, 1U);
  }

  std::size_t ledger_size() {
    const auto l = desk_->ops().ledger({"admin", domain::Role::kAdmin}, std::nullopt);
    EXPECT_TRUE(l);
    return l ? l.value().size() : 0;
  }

  test::TempDir dir_;
  SharedClock clock_;
  std::unique_ptr<sim::Simulator> sim_;
  std::unique_ptr<service::System> system_;
  std::unique_ptr<test::Desk> desk_;
  const MeterId heavy_{"bus1", 1, 1};
  const MeterId quiet_{"bus1", 2, 1};
};

class NoStatusScan : public StatusScan {
 protected:
  NoStatusScan() : StatusScan(false) {}
};

TEST_F(StatusScan, AScanRefreshesTheStateButNotTheCountersNorTheLedger) {
  open_and_read(10'000);
  const auto read = system_->meter(heavy_);
  ASSERT_TRUE(read && read->ever_read);
  EXPECT_EQ(read->state_at, read->read_at);
  const auto entries = ledger_size();
  step(Millis(5 * 60'000));
  const auto c = system_->counters("bus1");
  EXPECT_EQ(c.scans_completed, 1U);
  EXPECT_EQ(c.polls_completed, 1U);  // the next full reading is 25 minutes away
  const auto scanned = system_->meter(heavy_);
  ASSERT_TRUE(scanned);
  EXPECT_EQ(scanned->state_at, clock_.now());
  EXPECT_EQ(scanned->read_at, read->read_at);
  EXPECT_EQ(scanned->energy_wh, read->energy_wh);
  EXPECT_EQ(scanned->purchase_count, read->purchase_count);
  // The balance is the meter's now: five minutes of 12 kW, 0.60 yuan less.
  EXPECT_EQ(scanned->meter_balance_fen, sim_->circuit("bus1", 1, 1)->balance_fen);
  EXPECT_LE(scanned->meter_balance_fen, read->meter_balance_fen - 55);
  EXPECT_EQ(ledger_size(), entries);  // charged at the readings only
  // The office's board shows the state's time beside the reading's.
  const auto board = desk_->ops().status_board({"admin", domain::Role::kAdmin}, {});
  ASSERT_TRUE(board) << board.error().message;
  const auto& row = board.value().buildings.at(0).floors.at(0).boxes.at(0).meters.at(0);
  ASSERT_EQ(row.meter, heavy_);
  EXPECT_EQ(row.state_at, clock_.now());
  EXPECT_EQ(row.read_at, read->read_at);
  EXPECT_EQ(row.balance_fen, scanned->meter_balance_fen);
  EXPECT_TRUE(system_->verify_ledger().empty());
  // The next scan comes every 20 s, not at every iteration.
  step(Millis(10'000));
  EXPECT_EQ(system_->counters("bus1").scans_completed, 1U);
  step(Millis(10'000));
  EXPECT_EQ(system_->counters("bus1").scans_completed, 2U);
}

TEST_F(StatusScan, ArrearsAndTheMetersOwnTripShowAtTheNextScanNotTheNextReading) {
  open_and_read(150);  // 1.50 yuan: 12.5 minutes of 12 kW
  ASSERT_EQ(system_->meter(heavy_)->status, domain::MeterStatus::kAlarm2);  // below 5.00
  for (int i = 0; i < 48 && system_->meter(heavy_)->status != domain::MeterStatus::kArrears; ++i)
    step(kScan);
  const auto m = system_->meter(heavy_);
  EXPECT_EQ(m->status, domain::MeterStatus::kArrears);
  EXPECT_FALSE(m->relay_closed);
  EXPECT_FALSE(sim_->circuit("bus1", 1, 1)->relay_closed);
  // Within a scan of the trip, long before the reading at 30 minutes.
  EXPECT_LT(clock_.now() - kStart, Millis(16 * 60'000));
  EXPECT_EQ(system_->counters("bus1").polls_completed, 1U);
  store::AlarmFilter active;
  active.active_only = true;
  active.kind = domain::AlarmKind::kArrears;
  const auto alarms = desk_->ops().alarms({"admin", domain::Role::kAdmin}, active);
  ASSERT_TRUE(alarms) << alarms.error().message;
  const auto& list = alarms.value().alarms;
  EXPECT_TRUE(std::any_of(list.begin(), list.end(),
                          [&](const auto& a) { return a.key.target.meter() == heavy_; }));
  EXPECT_TRUE(system_->verify_ledger().empty());
}

TEST_F(StatusScan, ASilentBoxGoesOfflineAtTheScansPaceAndIsReadWholeWhenItAnswers) {
  open_and_read(10'000);
  sim::FaultSpec silent;
  silent.kind = sim::FaultSpec::Kind::kBoxSilent;
  silent.bus = "bus1";
  silent.address = 2;
  silent.start = clock_.now();
  const auto fault = sim_->inject_fault(silent);
  for (int i = 0; i < 3; ++i)
    step(kScan);
  EXPECT_EQ(system_->counters("bus1").boxes_offline, 1U);
  EXPECT_EQ(system_->meter(quiet_)->status, domain::MeterStatus::kOffline);
  EXPECT_EQ(system_->meter(heavy_)->state_at, clock_.now());  // box 1 still scanned
  sim_->clear_fault(fault);
  step(kScan);
  const auto back = system_->meter(quiet_);
  EXPECT_EQ(back->status, domain::MeterStatus::kNormal);
  EXPECT_EQ(back->read_at, clock_.now());  // read whole, as a poll reads it
  EXPECT_EQ(back->failed_cycles, 0);
  EXPECT_EQ(system_->counters("bus1").boxes_offline, 0U);
  EXPECT_EQ(system_->counters("bus1").polls_completed, 1U);
}

TEST_F(NoStatusScan, WithoutStatusScanInTheSiteFileNothingIsScanned) {
  open_and_read(10'000);
  const auto read = system_->meter(heavy_);
  step(Millis(5 * 60'000));
  EXPECT_EQ(system_->counters("bus1").scans_completed, 0U);
  EXPECT_EQ(system_->meter(heavy_)->state_at, read->state_at);
  EXPECT_EQ(system_->meter(heavy_)->meter_balance_fen, read->meter_balance_fen);
}

}  // namespace
}  // namespace phil
