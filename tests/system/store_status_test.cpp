// The status the SQLite store derives and the state it keeps across restarts (issue 12 items 6
// and 10), on a real database file: the status of every poll follows domain::derive_status from
// the meter's stored thresholds and the balance that holds the money (the meter's, or the
// ledger's for a host-side meter); the device's bits are only cross-checked (one event per
// disagreement); a meter going offline and coming back is an event; a box's supervision state
// and a command's failed tries are stored and read back after reopening.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <phil/domain/status.hpp>
#include <phil/store/store.hpp>

#include "support/sqlite_count.hpp"
#include "support/temp_dir.hpp"

namespace phil::store {
namespace {

using domain::MeterId;
using domain::MeterStatus;

constexpr TimePoint kT0{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z
const BillingRules kRules{6000, 3};

class StoreStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("site.db");
    store_ = open_sqlite_store(path_);
    store_->register_meters({meter(1), meter(2), meter(3)}, "adf300l-i", false);
  }
  static MeterId meter(int circuit) { return MeterId{"bus1", 1, circuit}; }
  void open(const std::string& account, int circuit, std::int64_t first_sale = 0) {
    ASSERT_TRUE(
        store_->open_account({account, "Li", {meter(circuit)}, first_sale, "cashier", kT0}));
  }
  /// A reading of `balance` fen with the device's bits as given (none by default).
  void read(int circuit, std::int64_t balance, bool alarm1 = false, bool alarm2 = false,
            bool arrears = false) {
    domain::MeterReading r;
    r.energy_wh = energy_ += 10;  // tiny charges: the balances under test stay put
    r.balance_fen = balance;
    r.relay_closed = true;
    r.mode = domain::MeterMode::kPrepaid;
    r.alarm1 = alarm1;
    r.alarm2 = alarm2;
    r.arrears = arrears;
    store_->record_readings({{meter(circuit), r}}, kT0, kRules);
  }
  MeterStatus status(int circuit) { return store_->meter(meter(circuit))->status; }
  int events(int circuit, const std::string& kind) {
    int n = 0;
    for (const auto& e : store_->events(meter(circuit)))
      n += e.kind == kind ? 1 : 0;
    return n;
  }
  void reopen() {
    store_.reset();
    store_ = open_sqlite_store(path_);
  }

  test::TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
  std::int64_t energy_ = 0;
};

TEST_F(StoreStatusTest, AMeterSideStatusFollowsTheDomainRuleOnItsStoredThresholds) {
  open("A1", 1);
  open("A2", 2);
  // Meter 2 has its own thresholds; meter 1 takes the site's defaults (20.00 and 5.00).
  ASSERT_EQ(test::sql(path_,
                      "UPDATE meters SET alarm1_fen = 3000, alarm2_fen = 1000 "
                      "WHERE id = 'bus1/1/2'"),
            "");
  const domain::Thresholds site{2000, 500, 0};
  const domain::Thresholds own{3000, 1000, 0};
  for (const std::int64_t b :
       {5000, 3001, 3000, 2001, 2000, 1001, 1000, 999, 501, 500, 1, 0, -1, -500}) {
    read(1, b);
    read(2, b);
    EXPECT_EQ(status(1), domain::derive_status({true, 0, 3, b, site})) << b;
    EXPECT_EQ(status(2), domain::derive_status({true, 0, 3, b, own})) << b;
  }
}

TEST_F(StoreStatusTest, TheDevicesBitsDoNotMoveTheStatus) {
  open("A1", 1);
  read(1, 5000, true, true, true);  // a device that says arrears at 50.00
  EXPECT_EQ(status(1), MeterStatus::kNormal);
  read(1, 1500);  // a device that says nothing at 15.00
  EXPECT_EQ(status(1), MeterStatus::kAlarm1);
  read(1, 0);
  EXPECT_EQ(status(1), MeterStatus::kArrears);
}

TEST_F(StoreStatusTest, AHostSideStatusFollowsTheLedgerBalanceNotTheMeters) {
  ASSERT_EQ(store_->set_billing_mode({meter(1)}, domain::BillingMode::kHostSide, "site-file", kT0),
            1);
  open("A1", 1, 300);
  read(1, 99'999);  // the meter's own balance means nothing host-side
  EXPECT_EQ(status(1), MeterStatus::kAlarm2);
  ASSERT_TRUE(store_->sale({"A1", 5000, "cashier", kT0}));
  read(1, 99'999);
  EXPECT_EQ(status(1), MeterStatus::kNormal);
  // No cross-check host-side: the meter's bits say nothing of the ledger's money.
  read(1, 0, true, true, true);
  EXPECT_EQ(events(1, "status_bits_mismatch"), 0);
}

TEST_F(StoreStatusTest, ABitsMismatchIsOneEventPerDisagreementAndSurvivesAReopen) {
  open("A1", 1);
  read(1, 5000);
  EXPECT_EQ(events(1, "status_bits_mismatch"), 0);
  for (int i = 0; i < 3; ++i)
    read(1, 1500);  // alarm 1, the device says normal: once
  EXPECT_EQ(events(1, "status_bits_mismatch"), 1);
  EXPECT_EQ(test::sql(path_, "SELECT status_bits_mismatch FROM meters WHERE id = 'bus1/1/1'"),
            "alarm1/normal|");
  reopen();  // a restart repeats nothing
  read(1, 1400);
  EXPECT_EQ(events(1, "status_bits_mismatch"), 1);
  read(1, 400);  // alarm 2, still normal on the device: another disagreement
  read(1, 300);
  EXPECT_EQ(events(1, "status_bits_mismatch"), 2);
  read(1, 300, true, true);  // the device agrees: nothing, and the disagreement is over
  EXPECT_EQ(test::sql(path_, "SELECT status_bits_mismatch FROM meters WHERE id = 'bus1/1/1'"),
            "NULL|");
  read(1, 200);  // the same disagreement again after it ended: reported again
  EXPECT_EQ(events(1, "status_bits_mismatch"), 3);
  const auto all = store_->events(meter(1));
  EXPECT_NE(all.back().details.find("the meter's status bits say normal"), std::string::npos)
      << all.back().details;
  // Without an open account nothing is compared.
  read(3, 0);
  EXPECT_EQ(events(3, "status_bits_mismatch"), 0);
}

TEST_F(StoreStatusTest, AMeterGoingOfflineAndBackIsOneEventEach) {
  open("A1", 1);
  read(1, 5000);
  for (int i = 0; i < 5; ++i)
    store_->record_failed_cycle({meter(1)}, kT0, kRules);
  EXPECT_EQ(status(1), MeterStatus::kOffline);
  EXPECT_EQ(events(1, "meter_offline"), 1);
  read(1, 5000);
  read(1, 5000);
  EXPECT_EQ(events(1, "meter_online"), 1);
  // Two failed cycles are not offline: no event either way.
  store_->record_failed_cycle({meter(1)}, kT0, kRules);
  store_->record_failed_cycle({meter(1)}, kT0, kRules);
  read(1, 5000);
  EXPECT_EQ(events(1, "meter_offline"), 1);
  EXPECT_EQ(events(1, "meter_online"), 1);
  // In one call with readings of other meters (record_cycle) as well.
  for (int i = 0; i < 3; ++i)
    store_->record_cycle({{}, {meter(1)}}, kT0, kRules);
  EXPECT_EQ(events(1, "meter_offline"), 2);
}

TEST_F(StoreStatusTest, AThresholdsCommandBecomesTheMetersStoredThresholds) {
  open("A1", 1);
  ASSERT_TRUE(store_->enqueue_command(
      {meter(1), domain::ThresholdsPayload{1000, 400, 6000}, "engineer", kT0}));
  const auto p = store_->meter_placement(meter(1));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->thresholds, (domain::Thresholds{1000, 400, 6000}));
  read(1, 1200);
  EXPECT_EQ(status(1), MeterStatus::kNormal);
  read(1, 1000);
  EXPECT_EQ(status(1), MeterStatus::kAlarm1);
}

TEST_F(StoreStatusTest, ABoxsSupervisionStateIsStoredAndReadBackAfterAReopen) {
  EXPECT_EQ(store_->box_supervision("bus1", 1), BoxSupervision{});
  BoxSupervision s;
  s.silent_runs = 4;
  s.hold_until = kT0 + Millis(60'000);
  s.clock_drifting = true;
  s.relay_mismatch = {1, 3};
  s.commanded = {{1, domain::MeterMode::kForcedOff}, {12, domain::MeterMode::kKeepPower}};
  store_->save_box_supervision("bus1", 1, s);
  reopen();
  EXPECT_EQ(store_->box_supervision("bus1", 1), s);
  EXPECT_EQ(store_->box_supervision("bus1", 2), BoxSupervision{});
  EXPECT_EQ(store_->box_supervision("bus2", 1), BoxSupervision{});
  // Saved again: replaced, not added to.
  store_->save_box_supervision("bus1", 1, BoxSupervision{});
  EXPECT_EQ(store_->box_supervision("bus1", 1), BoxSupervision{});
}

TEST_F(StoreStatusTest, ABoxSupervisionRowChangedByHandIsAClearError) {
  store_->save_box_supervision("bus1", 1, BoxSupervision{});
  ASSERT_EQ(test::sql(path_, "UPDATE box_supervision SET commanded = '1:sideways'"), "");
  EXPECT_THROW(store_->box_supervision("bus1", 1), StoreError);
  ASSERT_EQ(test::sql(path_, "UPDATE box_supervision SET commanded = '', relay_mismatch = 'x'"),
            "");
  EXPECT_THROW(store_->box_supervision("bus1", 1), StoreError);
}

TEST_F(StoreStatusTest, ACommandsFailedTriesAreStoredWithItsBackoff) {
  open("A1", 1, 1000);  // a credit command
  auto cmds = store_->next_commands("bus1", kT0, 10);
  ASSERT_EQ(cmds.size(), 1U);
  EXPECT_EQ(cmds.front().tries, 0);
  store_->defer_command(cmds.front().id, "timeout", kT0 + Millis(5000), kT0, 3);
  reopen();
  cmds = store_->next_commands("bus1", kT0 + Millis(5000), 10);
  ASSERT_EQ(cmds.size(), 1U);
  EXPECT_EQ(cmds.front().tries, 3);
  EXPECT_EQ(cmds.front().next_attempt_at, kT0 + Millis(5000));
}

TEST_F(StoreStatusTest, AStatusScanReplacesTheStateAndItsStatusButNoCountersNorMoney) {
  open("A1", 1, 10'000);
  read(1, 10'000);
  const auto before = *store_->meter(meter(1));
  const auto rows = test::sql(path_, "SELECT count(*) FROM readings");
  const auto entries = store_->ledger("A1").size();
  domain::StateReading s;
  s.balance_fen = 300;  // below alarm 2 (5.00)
  s.relay_closed = false;
  s.mode = domain::MeterMode::kPrepaid;
  s.alarm1 = true;
  s.alarm2 = true;
  const auto later = kT0 + Millis(20'000);
  store_->record_states({{meter(1), s}}, later, kRules);
  const auto after = *store_->meter(meter(1));
  EXPECT_EQ(after.status, MeterStatus::kAlarm2);
  EXPECT_EQ(after.last.balance_fen, 300);
  EXPECT_FALSE(after.last.relay_closed);
  EXPECT_EQ(after.state_at, later);
  EXPECT_EQ(after.read_at, before.read_at);  // the counters' time
  EXPECT_EQ(after.last.energy_wh, before.last.energy_wh);
  EXPECT_EQ(after.billed_energy_wh, before.billed_energy_wh);
  EXPECT_EQ(test::sql(path_, "SELECT count(*) FROM readings"), rows);
  EXPECT_EQ(store_->ledger("A1").size(), entries);
  const auto open_alarms = test::sql(
      path_,
      "SELECT group_concat(kind) FROM alarms WHERE bus = 'bus1' AND box = 1 AND circuit = 1 "
      "AND cleared_at IS NULL");
  EXPECT_NE(open_alarms.find("alarm2"), std::string::npos) << open_alarms;
  // A meter never read whole is left to its first reading: no state without counters.
  store_->record_states({{meter(2), s}}, later, kRules);
  EXPECT_FALSE(store_->meter(meter(2))->state_at);
  EXPECT_FALSE(store_->meter(meter(2))->read_at);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

}  // namespace
}  // namespace phil::store
