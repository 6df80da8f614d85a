// Box identity and on-site meter swaps (issue 12.8) in the SQLite store on a real file: a
// box's first contact is due, what it reports is checked against the site file's model, a
// mismatch is an event and stops charging its meters until an operator confirms; a detected
// swap leaves "action required" on the meter with the old device's last balance, which
// complete_swap (`meter replace --in-place`) credits onto the new device exactly once.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <phil/store/store.hpp>

#include "support/sqlite_count.hpp"
#include "support/temp_dir.hpp"

namespace phil::store {
namespace {

using domain::BoxIdentity;
using domain::CommandKind;
using domain::EntryKind;
using domain::MeterId;

constexpr TimePoint kT0{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z
const BillingRules kRules{6000, 3};                  // 0.60 yuan/kWh
domain::ExpectedBox expected() {
  return domain::ExpectedBox{"adf300l-i", 1, 12, 12};
}

MeterId meter(int circuit) {
  return MeterId{"bus1", 1, circuit};
}

class BoxIdentityStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("site.db");
    store_ = open_sqlite_store(path_);
    std::vector<MeterId> ids;
    for (int c = 1; c <= 12; ++c)
      ids.push_back(meter(c));
    store_->register_meters(ids, "adf300l-i", false);
    ASSERT_TRUE(store_->open_account({"A401", "Li", {meter(1)}, 2000, "cashier", kT0}));
  }
  /// An answered poll of circuit 1 at kT0 + `minutes`.
  void read(std::int64_t energy_wh, std::int64_t balance_fen, int minutes,
            std::uint16_t purchase_count = 0) {
    domain::MeterReading r;
    r.energy_wh = energy_wh;
    r.balance_fen = balance_fen;
    r.purchase_count = purchase_count;
    r.relay_closed = true;
    r.mode = domain::MeterMode::kPrepaid;
    store_->record_readings({{meter(1), r}}, at(minutes), kRules);
  }
  static TimePoint at(int minutes) { return kT0 + Millis(std::int64_t{minutes} * 60'000); }
  std::int64_t balance() const { return *store_->account_balance_fen("A401"); }
  std::string count(const std::string& where) const {
    return test::sql(path_, "SELECT count(*) FROM " + where);
  }
  int events(const std::string& kind) const {
    int n = 0;
    for (const auto& e : store_->events(std::nullopt))
      n += e.kind == kind ? 1 : 0;
    return n;
  }

  test::TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(BoxIdentityStoreTest, ABoxNeverReadIsDueAndOneThatAgreesIsNotStopped) {
  EXPECT_TRUE(store_->box_identity_due("bus1", 1));
  EXPECT_FALSE(store_->box_identity("bus1", 1));
  EXPECT_EQ(store_->record_box_identity("bus1", 1, expected(), {1, 12}, kT0), std::nullopt);
  EXPECT_FALSE(store_->box_identity_due("bus1", 1));
  const auto r = store_->box_identity("bus1", 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reported, (BoxIdentity{1, 12}));
  EXPECT_FALSE(r->mismatch);
  EXPECT_EQ(events("box_identity_mismatch"), 0);
}

TEST_F(BoxIdentityStoreTest, AMismatchIsOneEventAndStopsChargingTheBoxUntilConfirmed) {
  read(1000, 2000, 0);
  const auto why = store_->record_box_identity("bus1", 1, expected(), {3, 36}, at(1));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("model code 3"), std::string::npos) << *why;
  EXPECT_EQ(events("box_identity_mismatch"), 1);
  // Read again with the same report: no second event; still stopped.
  EXPECT_EQ(store_->record_box_identity("bus1", 1, expected(), {3, 36}, at(2)), why);
  EXPECT_EQ(events("box_identity_mismatch"), 1);
  // 1 kWh used: read, not charged.
  read(2000, 1940, 30);
  EXPECT_EQ(balance(), 2000);
  EXPECT_EQ(store_->meter(meter(1))->last.energy_wh, 2000);  // reads go on
  // The box agreeing again does not lift the stop: only an operator does.
  EXPECT_EQ(store_->record_box_identity("bus1", 1, expected(), {1, 12}, at(31)), why);
  const auto audits = count("audit");
  const auto confirmed = store_->confirm_box("bus1", 1, "engineer", at(40));
  ASSERT_TRUE(confirmed) << confirmed.error().message;
  EXPECT_FALSE(confirmed.value().mismatch);
  EXPECT_EQ(confirmed.value().confirmed, (BoxIdentity{1, 12}));
  EXPECT_EQ(confirmed.value().confirmed_by, "engineer");
  EXPECT_NE(count("audit"), audits);
  EXPECT_EQ(test::sql(path_, "SELECT operator FROM audit WHERE action = 'confirm_box'"),
            "engineer|");
  EXPECT_EQ(events("box_identity_confirmed"), 1);
  // Billing goes on from the energy billed up to: the kWh used while stopped is charged.
  read(3000, 1880, 60);
  EXPECT_EQ(balance(), 2000 - 120);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(BoxIdentityStoreTest, AConfirmedReportAgreesLaterAndAnotherOneIsANewMismatch) {
  ASSERT_TRUE(store_->record_box_identity("bus1", 1, expected(), {3, 36}, kT0));
  ASSERT_TRUE(store_->confirm_box("bus1", 1, "engineer", at(1)));
  EXPECT_EQ(store_->record_box_identity("bus1", 1, expected(), {3, 36}, at(2)), std::nullopt);
  EXPECT_EQ(events("box_identity_mismatch"), 1);
  EXPECT_TRUE(store_->record_box_identity("bus1", 1, expected(), {2, 24}, at(3)));
  EXPECT_EQ(events("box_identity_mismatch"), 2);
}

TEST_F(BoxIdentityStoreTest,
       ConfirmingAnUnknownBoxOrOneWithNothingToConfirmIsRefusedAndWritesNothing) {
  const auto audits = count("audit");
  const auto unknown = store_->confirm_box("bus9", 4, "engineer", kT0);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, domain::ErrorKind::kNotFound);
  const auto never_read = store_->confirm_box("bus1", 1, "engineer", kT0);
  ASSERT_FALSE(never_read);
  EXPECT_NE(never_read.error().message.find("nothing to confirm"), std::string::npos);
  ASSERT_EQ(store_->record_box_identity("bus1", 1, expected(), {1, 12}, kT0), std::nullopt);
  const auto agrees = store_->confirm_box("bus1", 1, "engineer", kT0);
  ASSERT_FALSE(agrees);
  EXPECT_EQ(agrees.error().kind, domain::ErrorKind::kRefused);
  EXPECT_EQ(count("audit"), audits);
  EXPECT_EQ(events("box_identity_confirmed"), 0);
}

TEST_F(BoxIdentityStoreTest, AChangedSerialLeavesTheOldDevicesBalanceAsActionRequired) {
  read(1000, 1880, 0);
  ASSERT_EQ(store_->record_box_identity("bus1", 1, expected(), {1, 12}, kT0), std::nullopt);
  ASSERT_TRUE(store_->record_serials({{meter(1), "000000000001"}}, kT0).empty());
  EXPECT_FALSE(store_->meter_placement(meter(1))->swap_action);
  EXPECT_EQ(store_->record_serials({{meter(1), "000000000002"}}, at(10)),
            std::vector<MeterId>{meter(1)});
  const auto p = store_->meter_placement(meter(1));
  ASSERT_TRUE(p->swap_action);
  EXPECT_EQ(p->swap_action->old_balance_fen, 1880);
  EXPECT_EQ(p->swap_detected_at, at(10));
  EXPECT_TRUE(store_->box_identity_due("bus1", 1));  // a swap: the box is read again
  // The new device's first reading does not overwrite what the old one held.
  read(0, 0, 11);
  EXPECT_EQ(store_->meter_placement(meter(1))->swap_action->old_balance_fen, 1880);
}

TEST_F(BoxIdentityStoreTest, EnergyGoingBackIsASwapToo) {
  read(5000, 1700, 0);
  read(10, 0, 30);
  const auto p = store_->meter_placement(meter(1));
  ASSERT_TRUE(p->swap_action);
  EXPECT_EQ(p->swap_action->old_balance_fen, 1700);
  EXPECT_EQ(balance(), 2000);  // nothing charged for the swap
}

TEST_F(BoxIdentityStoreTest, CompletingASwapInPlaceCreditsTheOldBalanceOntoTheNewDeviceOnce) {
  read(1000, 1880, 0);
  read(0, 0, 30);  // the new device
  ASSERT_TRUE(store_->meter_placement(meter(1))->swap_action);
  const auto before = balance();
  const auto done = store_->complete_swap({meter(1), "engineer", at(40)});
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done.value().old_balance_fen, 1880);
  EXPECT_EQ(done.value().credited_fen, 1880);
  ASSERT_TRUE(done.value().credit_command);
  const auto credit = store_->command(*done.value().credit_command);
  ASSERT_TRUE(credit);
  EXPECT_EQ(credit->kind, CommandKind::kCredit);
  EXPECT_EQ(credit->amount_fen, 1880);
  EXPECT_EQ(credit->meter, meter(1));
  // The money moved from the old device to the new one: the account holds what it held.
  EXPECT_EQ(balance(), before);
  const auto entries = store_->ledger("A401");
  ASSERT_GE(entries.size(), 2U);
  EXPECT_EQ(entries[entries.size() - 2].kind, EntryKind::kTransferOut);
  EXPECT_EQ(entries.back().kind, EntryKind::kTransferIn);
  EXPECT_EQ(entries.back().ref_seq, entries[entries.size() - 2].seq);
  EXPECT_TRUE(store_->verify_ledger().empty());
  EXPECT_FALSE(store_->meter_placement(meter(1))->swap_action);
  EXPECT_EQ(test::sql(path_, "SELECT operator FROM audit WHERE action = 'replace_meter_in_place'"),
            "engineer|");
  // Exactly once: a second completion has nothing to do and writes nothing.
  const auto audits = count("audit");
  const auto again = store_->complete_swap({meter(1), "engineer", at(41)});
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("nothing to complete"), std::string::npos);
  EXPECT_EQ(count("audit"), audits);
  EXPECT_EQ(count("outbox WHERE kind = 'credit'"), "2|");  // the first sale's and this one
}

TEST_F(BoxIdentityStoreTest, LedgerVerifyCountsASwappedInDeviceOnItsOwnRegisters) {
  // The opening sale's credit, applied by the old device as its count 1.
  const auto first = store_->meter_commands(meter(1), 1).front().id;
  ASSERT_TRUE(store_->try_begin_attempt(first, std::uint16_t{1}, kT0));
  store_->confirm_command(first, {.purchase_count = 1, .balance_fen = 2000}, kT0, kRules);
  read(1000, 1880, 1, 1);
  EXPECT_TRUE(store_->verify_ledger().empty());
  read(0, 0, 30);  // the new device: its energy and its counts from 0
  // Detected: the new device's count 0 is not compared with the old device's credit.
  auto problems = store_->verify_ledger();
  EXPECT_TRUE(problems.empty()) << problems.front();
  const auto done = store_->complete_swap({meter(1), "engineer", at(40)});
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_TRUE(store_->verify_ledger().empty());
  // The old device's balance reaches the new one under the new device's count 1.
  ASSERT_TRUE(done.value().credit_command);
  const auto credit = *done.value().credit_command;
  ASSERT_TRUE(store_->try_begin_attempt(credit, std::uint16_t{1}, at(41)));
  store_->confirm_command(credit, {.purchase_count = 1, .balance_fen = 1880}, at(41), kRules);
  read(10, 1874, 42, 1);
  problems = store_->verify_ledger();
  EXPECT_TRUE(problems.empty()) << problems.front();
}

TEST_F(BoxIdentityStoreTest, AHostSideSwapMovesNoMoneyButIsCompleted) {
  // The first sale's credit delivered, so the account can be converted to host-side.
  const auto credit = store_->meter_commands(meter(1), 1).front().id;
  ASSERT_TRUE(store_->try_begin_attempt(credit, std::uint16_t{1}, kT0));
  store_->confirm_command(credit, {}, kT0, kRules);
  ASSERT_EQ(store_->set_billing_mode({meter(1)}, domain::BillingMode::kHostSide, "admin", kT0), 1);
  read(1000, 0, 0);
  read(0, 0, 30);
  ASSERT_TRUE(store_->meter_placement(meter(1))->swap_action);
  const auto credits = count("outbox WHERE kind = 'credit'");
  const auto done = store_->complete_swap({meter(1), "engineer", at(40)});
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done.value().credited_fen, 0);
  EXPECT_FALSE(done.value().credit_command);
  EXPECT_EQ(count("outbox WHERE kind = 'credit'"), credits);
  EXPECT_FALSE(store_->meter_placement(meter(1))->swap_action);
}

TEST_F(BoxIdentityStoreTest, CompletingWithoutASwapOrOnAnUnknownMeterIsRefusedAndWritesNothing) {
  read(1000, 1880, 0);
  const auto audits = count("audit");
  const auto none = store_->complete_swap({meter(1), "engineer", at(1)});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, domain::ErrorKind::kRefused);
  const auto unknown = store_->complete_swap({MeterId{"bus9", 1, 1}, "engineer", at(1)});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, domain::ErrorKind::kNotFound);
  EXPECT_EQ(count("audit"), audits);
}

TEST_F(BoxIdentityStoreTest, ACompletionAboveTheTransferLimitIsRefusedAndWritesNothing) {
  read(1000, 1880, 0);
  read(0, 0, 30);
  const auto entries = store_->ledger("A401").size();
  const auto refused = store_->complete_swap({meter(1), "engineer", at(40), 1000});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, domain::ErrorKind::kInvalid);
  EXPECT_EQ(store_->ledger("A401").size(), entries);
  EXPECT_TRUE(store_->meter_placement(meter(1))->swap_action);
}

/// v14: an upgraded database has read no box's identity, so each box's next answered poll is
/// its first contact; no swap waits on any meter.
TEST_F(BoxIdentityStoreTest, MigrationV14MakesEveryBoxsNextPollAFirstContact) {
  read(1000, 1880, 0);
  store_.reset();
  ASSERT_EQ(test::undo_schema_to(path_, sqlite_schema_version(), 13), "");
  store_ = open_sqlite_store(path_);
  EXPECT_EQ(test::sql(path_, "PRAGMA user_version"), std::to_string(sqlite_schema_version()) + "|");
  EXPECT_TRUE(store_->box_identity_due("bus1", 1));
  EXPECT_FALSE(store_->meter_placement(meter(1))->swap_action);
  EXPECT_EQ(store_->meter(meter(1))->last.balance_fen, 1880);
}

}  // namespace
}  // namespace phil::store
