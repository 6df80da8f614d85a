// Operator money operations on the SQLite store: refund, reversal, closing an account; each one
// transaction with an audit row, each refusal changing nothing. Money a meter-side meter holds
// comes back by a debit, booked only when the meter confirms it.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <phil/store/store.hpp>

#include "support/closing_driver.hpp"
#include "support/meter_counts.hpp"
#include "support/sqlite_count.hpp"
#include "support/temp_dir.hpp"

namespace phil::store {
namespace {

using domain::CommandState;
using domain::EntryKind;
using domain::MeterId;

constexpr TimePoint kT0{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z
// These tests read the outbox's commands in order; the first-contact thresholds download
// (settings_store_test) would stand before them.
constexpr BillingRules kRules{6000, 3, false};

std::int64_t count(const std::string& path, const std::string& table) {
  return test::count_rows(path, table);
}

class OperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("site.db");
    store_ = open_sqlite_store(path_);
    store_->register_meters({meter(1), meter(2)}, "adf300l-i", false);
    ASSERT_TRUE(store_->open_account({"A401", "Li", {meter(1)}, 0, "cashier", kT0}));
  }
  static MeterId meter(int circuit) { return MeterId{"bus1", 1, circuit}; }
  /// A sale whose credit the meter confirmed; returns the sale's ledger seq.
  std::int64_t delivered_sale(std::int64_t fen) {
    auto cmd = store_->sale({"A401", fen, "cashier", kT0});
    EXPECT_TRUE(cmd);
    if (cmd && cmd.value() == kNoCredit) return store_->ledger("A401").back().seq;  // host-side
    EXPECT_TRUE(test::deliver(*store_, cmd.value(), {}, kT0, kRules));
    return store_->ledger("A401").back().seq;
  }
  /// The meter confirms debit `cmd` (its next debit count): its entry is booked.
  void confirm_debit(std::int64_t cmd) {
    ASSERT_TRUE(test::deliver(*store_, cmd, {}, kT0, kRules));
  }
  void host_side() {
    store_->set_billing_mode({meter(1)}, domain::BillingMode::kHostSide, "installer", kT0);
  }
  std::int64_t events(const std::string& kind) {
    return count(path_, "events WHERE kind = '" + kind + "'");
  }
  void read(std::int64_t energy_wh) {
    domain::MeterReading r;
    r.energy_wh = energy_wh;
    r.balance_fen = 100;
    store_->record_readings({{meter(1), test::counted(*store_, meter(1), r)}}, kT0, kRules);
  }
  std::int64_t balance() { return *store_->account_balance_fen("A401"); }
  /// Rows of the tables a refused operation must not touch.
  std::vector<std::int64_t> snapshot() {
    return {count(path_, "ledger"), count(path_, "audit"),
            count(path_, "outbox WHERE state = 'superseded'"),
            count(path_, "accounts WHERE closed_at IS NOT NULL")};
  }

  test::TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(OperationsTest, RefundOfMoneyOnTheMeterIsPendingUntilTheMeterConfirmsItsDebit) {
  delivered_sale(5000);
  const auto audits = count(path_, "audit");
  const auto entries = store_->ledger("A401").size();
  auto r = store_->refund({"A401", 1200, "manager", kT0});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r.value().command);
  EXPECT_FALSE(r.value().seq);  // no cash yet: nothing booked
  EXPECT_EQ(r.value().amount_fen, 1200);
  EXPECT_EQ(balance(), 5000);
  EXPECT_EQ(store_->ledger("A401").size(), entries);
  EXPECT_EQ(count(path_, "audit"), audits + 1);
  const auto debit = store_->command(*r.value().command);
  EXPECT_EQ(debit->kind, domain::CommandKind::kDebit);
  EXPECT_EQ(debit->meter, meter(1));
  EXPECT_EQ(store_->account_debits("A401").size(), 1U);
  EXPECT_TRUE(store_->verify_ledger().empty());

  confirm_debit(*r.value().command);
  EXPECT_EQ(balance(), 3800);
  const auto last = store_->ledger("A401").back();
  EXPECT_EQ(last.kind, EntryKind::kRefund);
  EXPECT_EQ(last.operator_id, "manager");  // who asked, not the bus worker
  EXPECT_EQ(last.amount_fen, 1200);
  EXPECT_EQ(store_->command(*r.value().command)->ledger_seq, last.seq);
  EXPECT_EQ(events("debit_confirmed"), 1);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(OperationsTest, ACancelledDebitMovesNoMoney) {
  delivered_sale(5000);
  auto r = store_->refund({"A401", 1200, "manager", kT0});
  ASSERT_TRUE(r) << r.error().message;
  const auto entries = store_->ledger("A401").size();
  store_->fail_command(*r.value().command, "the meter refused the debit", kT0);
  EXPECT_EQ(balance(), 5000);
  EXPECT_EQ(store_->ledger("A401").size(), entries);
  EXPECT_EQ(events("debit_cancelled"), 1);
  EXPECT_EQ(events("command_failed"), 0);
  EXPECT_EQ(domain::debit_state(store_->command(*r.value().command)->state), "cancelled");
  EXPECT_TRUE(store_->verify_ledger().empty());
  // The account takes a refund again.
  EXPECT_TRUE(store_->refund({"A401", 1200, "manager", kT0}));
}

TEST_F(OperationsTest, ASecondRefundOrAReversalWaitsForAPendingDebit) {
  const auto sale_seq = delivered_sale(5000);
  auto r = store_->refund({"A401", 1000, "manager", kT0});
  ASSERT_TRUE(r) << r.error().message;
  const auto before = snapshot();
  const auto outbox = count(path_, "outbox");
  auto again = store_->refund({"A401", 1000, "manager", kT0});
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("debit " + std::to_string(*r.value().command)),
            std::string::npos)
      << again.error().message;
  EXPECT_FALSE(store_->reversal({sale_seq, "manager", kT0}));
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(count(path_, "outbox"), outbox);
}

TEST_F(OperationsTest, RefundOfAHostSideAccountIsBookedAtOnce) {
  delivered_sale(5000);
  host_side();
  const auto outbox = count(path_, "outbox");
  auto r = store_->refund({"A401", 1200, "manager", kT0});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r.value().seq);
  EXPECT_FALSE(r.value().command);
  EXPECT_EQ(balance(), 3800);
  EXPECT_EQ(store_->ledger("A401").back().seq, *r.value().seq);
  EXPECT_EQ(count(path_, "outbox"), outbox);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(OperationsTest, VerifyReportsAConfirmedDebitWithoutItsEntry) {
  delivered_sale(5000);
  auto r = store_->refund({"A401", 1200, "manager", kT0});
  ASSERT_TRUE(r);
  confirm_debit(*r.value().command);
  sqlite3* db = nullptr;
  sqlite3_open(path_.c_str(), &db);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE outbox SET ledger_seq = 1 WHERE kind = 'debit'", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  const auto problems = store_->verify_ledger();
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("has no matching refund entry"), std::string::npos) << problems[0];
}

TEST_F(OperationsTest, RefundsBeyondTheBalanceOrWhileACreditIsOpenAreRefused) {
  delivered_sale(1000);
  ASSERT_TRUE(store_->sale({"A401", 500, "cashier", kT0}));  // still pending
  const auto before = snapshot();
  for (auto [account, fen, expect] :
       std::vector<std::tuple<std::string, std::int64_t, std::string>>{
           {"A401", 100, "not yet delivered"},
           {"A401", 0, "positive"},
           {"NOPE", 100, "does not exist"}}) {
    auto r = store_->refund({account, fen, "manager", kT0});
    ASSERT_FALSE(r) << expect;
    EXPECT_NE(r.error().message.find(expect), std::string::npos) << r.error().message;
  }
  EXPECT_EQ(snapshot(), before);
}

TEST_F(OperationsTest, RefundAboveTheBalanceIsRefused) {  // meter-side or not
  delivered_sale(1000);
  auto r = store_->refund({"A401", 1001, "manager", kT0});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("1000 fen left"), std::string::npos) << r.error().message;
}

TEST_F(OperationsTest, ReversalOfAnUndeliveredSaleCancelsItsCredit) {
  auto cmd = store_->sale({"A401", 3000, "cashier", kT0});
  ASSERT_TRUE(cmd);
  const auto sale_seq = store_->ledger("A401").back().seq;
  auto r = store_->reversal({sale_seq, "manager", kT0});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(balance(), 0);
  EXPECT_EQ(store_->command(cmd.value())->state, CommandState::kSuperseded);
  const auto last = store_->ledger("A401").back();
  EXPECT_EQ(last.kind, EntryKind::kReversal);
  EXPECT_EQ(last.ref_seq, sale_seq);
  EXPECT_TRUE(store_->open_commands("bus1").empty());
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(OperationsTest, ReversalOfADeliveredSaleTakesItOffTheMeterOnce) {
  const auto sale_seq = delivered_sale(3000);
  auto r = store_->reversal({sale_seq, "manager", kT0});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r.value().command);
  EXPECT_EQ(balance(), 3000);  // still on the meter
  const auto debit = store_->command(*r.value().command);
  EXPECT_EQ(debit->params, (domain::CommandPayload{domain::DebitPayload{
                               3000, domain::DebitPurpose::kReversal, sale_seq}}));
  auto while_pending = store_->reversal({sale_seq, "manager", kT0});
  ASSERT_FALSE(while_pending);
  EXPECT_NE(while_pending.error().message.find("still being taken off"), std::string::npos)
      << while_pending.error().message;
  confirm_debit(*r.value().command);
  EXPECT_EQ(balance(), 0);
  const auto last = store_->ledger("A401").back();
  EXPECT_EQ(last.kind, EntryKind::kReversal);
  EXPECT_EQ(last.ref_seq, sale_seq);
  EXPECT_TRUE(store_->verify_ledger().empty());
  auto again = store_->reversal({sale_seq, "manager", kT0});
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("already reversed"), std::string::npos);
}

TEST_F(OperationsTest, ReversalOfADeliveredSaleToAHostSideAccountIsBookedAtOnce) {
  const auto sale_seq = delivered_sale(3000);
  host_side();
  auto r = store_->reversal({sale_seq, "manager", kT0});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r.value().seq);
  EXPECT_EQ(balance(), 0);
}

TEST_F(OperationsTest, ReversalAfterConsumptionIsRefused) {
  const auto sale_seq = delivered_sale(3000);
  read(1000);  // baseline
  read(2000);  // 1 kWh charged: 60 fen
  ASSERT_EQ(balance(), 2940);
  const auto before = snapshot();
  auto r = store_->reversal({sale_seq, "manager", kT0});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("consumed"), std::string::npos) << r.error().message;
  EXPECT_EQ(snapshot(), before);
}

TEST_F(OperationsTest, ReversalOfACreditInFlightOrOfANonSaleIsRefused) {
  auto cmd = store_->sale({"A401", 3000, "cashier", kT0});
  ASSERT_TRUE(store_->try_begin_attempt(cmd.value(), std::uint16_t{4}, kT0));
  const auto sale_seq = store_->ledger("A401").back().seq;
  auto r = store_->reversal({sale_seq, "manager", kT0});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("being written"), std::string::npos) << r.error().message;
  EXPECT_FALSE(store_->reversal({sale_seq + 100, "manager", kT0}));
}

TEST_F(OperationsTest, ClosingAHostSideAccountRefundsTheLedgerBalanceOnceTheMeterIsOffAndRead) {
  host_side();
  delivered_sale(5000);
  read(1000);
  read(3000);  // 120 fen charged
  auto r = store_->close_account({"A401", "manager", kT0});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r.value().closed);
  // The relay goes first: a forced_off, and nothing paid out or detached yet.
  const auto open = store_->open_commands("bus1");
  ASSERT_EQ(open.size(), 1U);
  EXPECT_EQ(open[0].kind, domain::CommandKind::kMode);
  EXPECT_EQ(open[0].payload, "relay=forced_off");
  EXPECT_EQ(balance(), 4880);
  EXPECT_EQ(store_->meter(meter(1))->account, "A401");
  // A closing account's money moves only by the closing.
  EXPECT_FALSE(store_->sale({"A401", 100, "cashier", kT0}));
  EXPECT_FALSE(store_->refund({"A401", 100, "cashier", kT0}));
  test::drive_closings(*store_, "bus1", kT0, kRules);
  const auto closing = store_->account_closing("A401");
  ASSERT_TRUE(closing && closing->finished_at);
  EXPECT_EQ(closing->refunded_fen, 4880);
  EXPECT_EQ(closing->meters.at(0).step, domain::CloseStep::kDone);
  EXPECT_FALSE(closing->meters.at(0).debit_command);  // host-side: the ledger held the money
  EXPECT_EQ(balance(), 0);
  EXPECT_EQ(store_->ledger("A401").back().kind, EntryKind::kRefund);
  EXPECT_EQ(store_->ledger("A401").back().operator_id, "manager");
  const auto m = store_->meter(meter(1));
  EXPECT_FALSE(m->account);
  EXPECT_EQ(m->status, domain::MeterStatus::kNotOpened);
  EXPECT_FALSE(m->billed_energy_wh);
  EXPECT_TRUE(store_->verify_ledger().empty());
  EXPECT_EQ(count(path_, "audit WHERE action = 'close_account_done'"), 1);
  // The meter can be opened again, for someone else.
  EXPECT_TRUE(store_->open_account({"A402", "Wang", {meter(1)}, 0, "cashier", kT0}));
  // A closed account takes no sale, refund or second close.
  EXPECT_FALSE(store_->sale({"A401", 100, "cashier", kT0}));
  EXPECT_FALSE(store_->refund({"A401", 100, "cashier", kT0}));
  EXPECT_FALSE(store_->close_account({"A401", "manager", kT0}));
}

TEST_F(OperationsTest, ClosingAMeterSideAccountRefundsWhatTheMeterGaveUpAndSettlesTheLedgerToIt) {
  delivered_sale(5000);
  read(1000);
  domain::MeterReading r;
  r.energy_wh = 3000;    // the ledger charges 120 fen: it expects 4880
  r.balance_fen = 4870;  // the meter, by its own price table, deducted 10 fen more
  store_->record_readings({{meter(1), test::counted(*store_, meter(1), r)}}, kT0, kRules);
  ASSERT_TRUE(store_->close_account({"A401", "manager", kT0}));
  test::drive_closings(*store_, "bus1", kT0, kRules);
  const auto closing = store_->account_closing("A401");
  ASSERT_TRUE(closing && closing->finished_at);
  ASSERT_TRUE(closing->meters.at(0).debit_command);
  const auto debit = store_->command(*closing->meters.at(0).debit_command);
  EXPECT_EQ(debit->amount_fen, 4870);  // what the meter held at its final reading
  EXPECT_EQ(debit->state, CommandState::kConfirmed);
  EXPECT_EQ(closing->refunded_fen, 4870);
  EXPECT_EQ(closing->settled_fen, -10);
  const auto entries = store_->ledger("A401");
  EXPECT_EQ(entries[entries.size() - 2].kind, EntryKind::kRefund);
  EXPECT_EQ(entries[entries.size() - 2].amount_fen, 4870);
  EXPECT_EQ(entries.back().kind, EntryKind::kSettleDebit);
  EXPECT_EQ(entries.back().amount_fen, 10);
  EXPECT_EQ(balance(), 0);
  EXPECT_EQ(store_->meter(meter(1))->last.balance_fen, 0);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(OperationsTest, ClosingWaitsForTheFinalReadingAndAPollReplacesAFailedRead) {
  delivered_sale(5000);
  read(1000);
  ASSERT_TRUE(store_->close_account({"A401", "manager", kT0}));
  const auto relay = store_->open_commands("bus1").at(0).id;
  ASSERT_TRUE(store_->try_begin_attempt(relay, std::nullopt, kT0));
  // Comm loss: the forced_off waits in flight, the closing waits with it.
  EXPECT_EQ(store_->advance_closings("bus1", kT0), 0);
  store_->confirm_command(relay, test::counted(*store_, meter(1), Readback{}), kT0, kRules);
  EXPECT_EQ(store_->advance_closings("bus1", kT0), 1);  // the final read is asked for
  const auto reads = store_->pending_read_requests("bus1");
  ASSERT_EQ(reads.size(), 1U);
  EXPECT_EQ(reads[0].target, "bus1/1/1");
  store_->finish_read_request(reads[0].id, false, "box 1 did not answer", kT0);
  EXPECT_EQ(store_->advance_closings("bus1", kT0 + Millis(1000)), 0);
  EXPECT_EQ(store_->account_closing("A401")->meters.at(0).step, domain::CloseStep::kReading);
  // The next poll's reading is the final one: the debit of what it found follows.
  domain::MeterReading r;
  r.energy_wh = 1000;
  r.balance_fen = 4990;
  store_->record_readings({{meter(1), test::counted(*store_, meter(1), r)}}, kT0 + Millis(60'000),
                          kRules);
  EXPECT_EQ(store_->advance_closings("bus1", kT0 + Millis(60'000)), 1);
  const auto closing = store_->account_closing("A401");
  EXPECT_EQ(closing->meters.at(0).step, domain::CloseStep::kDebit);
  EXPECT_EQ(store_->command(*closing->meters.at(0).debit_command)->amount_fen, 4990);
}

TEST_F(OperationsTest, ARefusedStepBlocksTheClosingUntilTheOperatorClosesAgain) {
  delivered_sale(5000);
  read(1000);
  ASSERT_TRUE(store_->close_account({"A401", "manager", kT0}));
  const auto relay = store_->open_commands("bus1").at(0).id;
  store_->fail_command(relay, "exception 01 (illegal function)", kT0);
  EXPECT_EQ(store_->advance_closings("bus1", kT0), 1);
  auto closing = store_->account_closing("A401");
  ASSERT_TRUE(closing->meters.at(0).blocked);
  EXPECT_NE(closing->meters.at(0).blocked->find("exception 01"), std::string::npos);
  EXPECT_EQ(events("closing_blocked"), 1);
  EXPECT_EQ(store_->advance_closings("bus1", kT0), 0);  // blocked: it waits
  // Asked again, the closing resumes: a new forced_off is queued, and it runs to its end.
  auto again = store_->close_account({"A401", "manager", kT0});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again.value().resumed, 1);
  test::drive_closings(*store_, "bus1", kT0, kRules);
  closing = store_->account_closing("A401");
  EXPECT_TRUE(closing->finished_at);
  EXPECT_NE(closing->meters.at(0).relay_command, relay);
  EXPECT_EQ(balance(), 0);
  EXPECT_TRUE(store_->verify_ledger().empty());
  // Nothing blocked and nothing left: closing again is refused.
  EXPECT_FALSE(store_->close_account({"A401", "manager", kT0}));
}

TEST_F(OperationsTest, ClosingWhileAStepGoesOnIsRefusedAndChangesNothing) {
  delivered_sale(5000);
  ASSERT_TRUE(store_->close_account({"A401", "manager", kT0}));
  const auto before = snapshot();
  auto r = store_->close_account({"A401", "manager", kT0});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no step is blocked"), std::string::npos) << r.error().message;
  EXPECT_EQ(snapshot(), before);
}

/// v11 rebuilds the ledger for the settlement kinds: a v10 file (test::undo_schema_to) keeps every
/// entry, the outbox's links to them and the append-only guard, and can close an account.
TEST_F(OperationsTest, MigrationV11KeepsTheLedgerItsLinksAndItsGuard) {
  delivered_sale(5000);
  read(1000);
  read(3000);
  const auto entries = store_->ledger("A401").size();
  store_.reset();
  ASSERT_EQ(test::undo_schema_to(path_, sqlite_schema_version(), 10), "");
  store_ = open_sqlite_store(path_);
  EXPECT_EQ(test::sql(path_, "PRAGMA user_version"), std::to_string(sqlite_schema_version()) + "|");
  EXPECT_EQ(store_->ledger("A401").size(), entries);
  EXPECT_EQ(test::sql(path_, "SELECT count(*) FROM outbox o JOIN ledger l ON l.seq = o.ledger_seq"),
            "1|");
  EXPECT_TRUE(store_->verify_ledger().empty());
  EXPECT_NE(test::sql(path_, "UPDATE ledger SET amount_fen = 1 WHERE seq = 1").find("append-only"),
            std::string::npos);
  EXPECT_NE(test::sql(path_, "DELETE FROM ledger").find("append-only"), std::string::npos);
  ASSERT_TRUE(store_->close_account({"A401", "manager", kT0}));
  test::drive_closings(*store_, "bus1", kT0, kRules);
  EXPECT_TRUE(store_->account_closing("A401")->finished_at);
  EXPECT_EQ(balance(), 0);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(OperationsTest, ClosingWithACommandNotYetDeliveredIsRefused) {
  ASSERT_TRUE(store_->sale({"A401", 500, "cashier", kT0}));
  const auto before = snapshot();
  auto r = store_->close_account({"A401", "manager", kT0});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not delivered"), std::string::npos) << r.error().message;
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(store_->meter(meter(1))->account, "A401");
}

TEST_F(OperationsTest, ClosingAnAccountInArrearsIsRefused) {
  delivered_sale(10);
  read(0);
  read(1000);  // 60 fen charged on a 10 fen balance
  ASSERT_EQ(balance(), -50);
  auto r = store_->close_account({"A401", "manager", kT0});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("owes 50 fen"), std::string::npos) << r.error().message;
}

TEST_F(OperationsTest, VerifyReportsASaleWhoseCreditCommandIsMissing) {
  ASSERT_TRUE(store_->sale({"A401", 500, "cashier", kT0}));
  EXPECT_TRUE(store_->verify_ledger().empty());
  sqlite3* db = nullptr;
  sqlite3_open(path_.c_str(), &db);
  ASSERT_EQ(sqlite3_exec(db, "DELETE FROM outbox", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  const auto problems = store_->verify_ledger();
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("has no credit command"), std::string::npos) << problems[0];
}

}  // namespace
}  // namespace phil::store
