// The system log (issue 13 items 4 and 5) on a real SQLite file: every action is one chained row
// with JSON details, every ledger entry (a poll cycle's charges too) refers to its row, and an
// attacker with sqlite3 and the append-only triggers dropped is caught by `log verify` and
// `ledger verify` whatever they edit: an amount with all balances fixed, the last entry, a
// forged sale with its outbox row, the log emptied or edited, rows reordered.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <phil/service/operations.hpp>
#include <phil/store/store.hpp>

#include "support/fake_adf300.hpp"
#include "support/sqlite_count.hpp"
#include "support/temp_dir.hpp"
#include "support/two_box_site.hpp"

namespace phil::service {
namespace {

using domain::MeterId;
using domain::Role;

constexpr TimePoint kT0{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z
constexpr store::BillingRules kRules{6000, 3};

SiteConfig site_file() {
  return test::two_box_site("log");
}

/// What an attacker runs first: the append-only triggers dropped.
constexpr const char* kDropTriggers =
    "DROP TRIGGER IF EXISTS ledger_append_only_update;"
    "DROP TRIGGER IF EXISTS ledger_append_only_delete;"
    "DROP TRIGGER IF EXISTS audit_sealed_never_updated;"
    "DROP TRIGGER IF EXISTS audit_never_deleted;";

bool mentions(const std::vector<std::string>& problems, const std::string& what) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const std::string& p) { return p.find(what) != std::string::npos; });
}

std::string joined(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems)
    out += p + "\n";
  return out;
}

class SystemLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("site.db");
    ops_ = Operations::open(db_, clock_, site_file());
    ASSERT_TRUE(ops_->register_site(kEngineer));
    daemon_ = store::open_sqlite_store(db_);
    // A host-side account (the ledger holds its money; the poll charges it) and a meter-side one
    // (its sale is a credit to the meter).
    ASSERT_TRUE(ops_->open_account(kCashier, {"H1", "Host", {{"bus1", 2, 1}}, 0, {}}));
    ASSERT_TRUE(ops_->open_account(kCashier, {"M1", "Meter", {{"bus1", 1, 1}}, 0, {}}));
    ASSERT_TRUE(ops_->sale(kCashier, "H1", 10000));
    ASSERT_TRUE(ops_->sale(kCashier, "H1", 5000));
    ASSERT_TRUE(ops_->sale(kCashier, "M1", 3000));
    confirm({"bus1", 1, 1});
    read({"bus1", 2, 1}, 0);                        // the baseline
    read({"bus1", 2, 1}, 2000);                     // 2 kWh at 0.60: a charge of 1.20 yuan
    ASSERT_TRUE(ops_->sale(kCashier, "H1", 2500));  // the last entry
  }
  void confirm(const MeterId& id) {
    const auto cmds = daemon_->meter_commands(id, 1);
    ASSERT_FALSE(cmds.empty());
    ASSERT_TRUE(daemon_->try_begin_attempt(cmds.front().id, std::uint16_t{1}, kT0));
    store::Readback rb;
    rb.purchase_count = 1;  // the meter applied count 1
    daemon_->confirm_command(cmds.front().id, rb, kT0, kRules);
  }
  void read(const MeterId& id, std::int64_t energy_wh, std::uint16_t purchase_count = 0) {
    domain::MeterReading r;
    r.energy_wh = energy_wh;
    r.purchase_count = purchase_count;
    r.relay_closed = true;
    r.mode = domain::MeterMode::kPrepaid;
    daemon_->record_readings({{id, r}}, kT0, kRules);
  }
  /// The attacker's edit, then what a fresh look at the file finds (ledger verify, which
  /// includes the log's check).
  std::vector<std::string> tamper(const std::string& statements) {
    daemon_.reset();
    ops_.reset();
    EXPECT_EQ(test::sql(db_, std::string(kDropTriggers) + statements), "");
    ops_ = Operations::open(db_, clock_, site_file());
    return ops_->verify_ledger(kAuditor).value();
  }
  /// The first column of the first row (test::sql ends each row with '|').
  std::string sql(const std::string& q) const {
    auto out = test::sql(db_, q);
    return out.substr(0, out.find('|'));
  }
  /// Every column of the first row, '|' between.
  std::string row(const std::string& q) const {
    auto out = test::sql(db_, q);
    if (!out.empty() && out.back() == '|') out.pop_back();
    return out.substr(0, out.find('\n'));
  }

  const Actor kCashier{"li", Role::kCashier};
  const Actor kEngineer{"zhao", Role::kEngineer};
  const Actor kAuditor{"sun", Role::kAuditor};
  test::TempDir dir_;
  std::string db_;
  domain::ManualClock clock_{kT0};
  std::unique_ptr<Operations> ops_;
  std::unique_ptr<store::Store> daemon_;
};

TEST_F(SystemLogTest, AnUntouchedHistoryVerifiesAndEveryEntryRefersToItsRow) {
  EXPECT_EQ(ops_->verify_ledger(kAuditor).value(), std::vector<std::string>{});
  const auto check = ops_->verify_log(kAuditor).value();
  EXPECT_TRUE(check.problems.empty()) << joined(check.problems);
  EXPECT_EQ(check.ledger_entries, std::stoll(sql("SELECT count(*) FROM ledger")));
  EXPECT_EQ(check.head.id, std::stoll(sql("SELECT max(id) FROM audit")));
  EXPECT_EQ(check.head.hash, sql("SELECT hash FROM audit ORDER BY id DESC LIMIT 1"));
  EXPECT_EQ(check.head.hash.size(), 64U);
  // Each sale refers to its own row; the poll's charge to its cycle's row.
  EXPECT_EQ(sql("SELECT count(*) FROM ledger l JOIN audit a ON a.id = l.audit_id "
                "WHERE l.kind = 'sale' AND a.action = 'sale' AND a.target = l.account"),
            "4");
  EXPECT_EQ(row("SELECT a.operator, a.action, a.target FROM ledger l JOIN audit a "
                "ON a.id = l.audit_id WHERE l.kind = 'charge'"),
            "system|charge_cycle|bus1");
  // Details are JSON, not key=value text a crafted name could forge.
  const auto details =
      nlohmann::json::parse(sql("SELECT details FROM audit WHERE action = 'sale' LIMIT 1"));
  EXPECT_EQ(details.at("amount_fen"), 10000);
  // The log lists by operator and action.
  store::LogFilter f;
  f.operator_id = "li";
  f.action = "sale";
  EXPECT_EQ(ops_->log(kAuditor, f).value().size(), 4U);
}

TEST_F(SystemLogTest, TheLogIsReadByTheRolesThatMayAndARefusalByRoleIsItselfLogged) {
  const auto refused = ops_->log(kCashier, {});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("auditor"), std::string::npos) << refused.error().message;
  EXPECT_EQ(row("SELECT operator, action, target, outcome FROM audit ORDER BY id DESC LIMIT 1"),
            "li|denied|read_log|denied");
  EXPECT_TRUE(ops_->verify_log(kAuditor).value().problems.empty());
}

TEST_F(SystemLogTest, ChangingOneAmountAndFixingEveryBalanceIsDetected) {
  // Sale 10000 -> 1000 on H1, every later balance of H1 and the account's kept balance moved
  // by the same: the journal's own arithmetic holds again.
  const auto seq = sql("SELECT min(seq) FROM ledger WHERE account = 'H1' AND kind = 'sale'");
  const auto problems =
      tamper("UPDATE ledger SET amount_fen = 1000 WHERE seq = " + seq +
             "; UPDATE ledger SET balance_after_fen = balance_after_fen - 9000 "
             "WHERE account = 'H1' AND seq >= " +
             seq + "; UPDATE accounts SET balance_fen = balance_fen - 9000 WHERE id = 'H1';");
  // The journal's own arithmetic holds again; each row whose entries were touched (the sale's,
  // and those of the later entries whose balances were fixed) shows it.
  ASSERT_FALSE(problems.empty());
  for (const auto& p : problems)
    EXPECT_NE(p.find("differ from what it recorded"), std::string::npos) << p;
  EXPECT_NE(problems.front().find("(sale H1)"), std::string::npos) << problems.front();
}

TEST_F(SystemLogTest, ChangingAChargeOfThePollIsDetectedThroughItsCycle) {
  const auto problems = tamper(
      "UPDATE ledger SET amount_fen = 0, balance_after_fen = balance_after_fen + amount_fen "
      "WHERE kind = 'charge'; UPDATE ledger SET balance_after_fen = balance_after_fen + 120 "
      "WHERE kind = 'sale' AND seq > (SELECT seq FROM ledger WHERE kind = 'charge');"
      "UPDATE accounts SET balance_fen = balance_fen + 120 WHERE id = 'H1';");
  EXPECT_TRUE(mentions(problems, "(charge_cycle bus1) differ from what it recorded"))
      << joined(problems);
}

TEST_F(SystemLogTest, DeletingTheLastEntryIsDetectedAndCuttingTheLogTooByTheKeptHead) {
  const auto kept = ops_->log_head(kAuditor).value();
  auto problems = tamper(
      "DELETE FROM ledger WHERE seq = (SELECT max(seq) FROM ledger);"
      "UPDATE accounts SET balance_fen = (SELECT balance_after_fen FROM ledger WHERE account = "
      "'H1' ORDER BY seq DESC LIMIT 1) WHERE id = 'H1';");
  EXPECT_TRUE(mentions(problems, "(sale H1) recorded ledger entries, but none refers to it"))
      << joined(problems);
  // The attacker also cuts the log's tail: the chain that is left holds, but not the head kept
  // outside the database.
  daemon_.reset();
  ops_.reset();
  ASSERT_EQ(test::sql(db_, "DELETE FROM audit WHERE id = (SELECT max(id) FROM audit);"), "");
  ops_ = Operations::open(db_, clock_, site_file());
  EXPECT_TRUE(ops_->verify_log(kAuditor).value().problems.empty());
  problems = ops_->verify_log(kAuditor, kept).value().problems;
  EXPECT_TRUE(mentions(problems, "is not in the chain now")) << joined(problems);
}

TEST_F(SystemLogTest, AForgedSaleWithAMatchingOutboxRowIsDetected) {
  auto problems = tamper(
      "INSERT INTO ledger (seq, account, kind, meter, amount_fen, balance_after_fen, operator, "
      "at) SELECT max(seq) + 1, 'M1', 'sale', 'bus1/1/1', 50000, 53000, 'li', max(at) FROM "
      "ledger; INSERT INTO outbox (meter, bus, box, circuit, kind, priority, amount_fen, "
      "payload, ledger_seq, purchase_count, state, next_attempt_at, created_at, updated_at) "
      "SELECT 'bus1/1/1', 'bus1', 1, 1, 'credit', 1, 50000, 'amount_fen=50000', max(seq), 2, "
      "'confirmed', 0, 0, 0 FROM ledger; UPDATE accounts SET balance_fen = 53000 WHERE id = "
      "'M1';");
  EXPECT_TRUE(mentions(problems, "refers to no system log row")) << joined(problems);
  // Pointing it at a real sale's row does not help: that row's entries differ now.
  problems = tamper(
      "UPDATE ledger SET audit_id = (SELECT audit_id FROM ledger WHERE account = "
      "'M1' AND kind = 'sale' ORDER BY seq LIMIT 1) WHERE seq = (SELECT max(seq) "
      "FROM ledger);");
  EXPECT_TRUE(mentions(problems, "differ from what it recorded")) << joined(problems);
}

/// The forged sale and its confirmed credit under `count`, with the balance fixed up.
std::string forged_confirmed_credit(int count) {
  return "INSERT INTO ledger (seq, account, kind, meter, amount_fen, balance_after_fen, operator, "
         "at, audit_id) SELECT max(seq) + 1, 'M1', 'sale', 'bus1/1/1', 50000, 53000, 'li', "
         "max(at), max(audit_id) FROM ledger; INSERT INTO outbox (meter, bus, box, circuit, kind, "
         "priority, amount_fen, payload, ledger_seq, purchase_count, state, next_attempt_at, "
         "created_at, updated_at) SELECT 'bus1/1/1', 'bus1', 1, 1, 'credit', 1, 50000, "
         "'amount_fen=50000', max(seq), " +
         std::to_string(count) +
         ", 'confirmed', 0, 0, 0 FROM ledger; UPDATE accounts SET balance_fen = 53000 WHERE id = "
         "'M1';";
}

TEST_F(SystemLogTest, AForgedConfirmedCreditIsFoundByTheMetersCount) {
  // Whatever the log says (an attacker who rewrote the whole chain is found only by a kept head),
  // the meter's own count tells a credit it never applied.
  read({"bus1", 1, 1}, 0, 1);  // the meter reports count 1: the one real credit
  auto problems = tamper(forged_confirmed_credit(2));
  EXPECT_TRUE(mentions(problems, "but the meter last reported purchase count 1"))
      << joined(problems);
  problems = tamper("DELETE FROM outbox WHERE purchase_count = 2;" + forged_confirmed_credit(1));
  EXPECT_TRUE(mentions(problems, "has count 1 after credit")) << joined(problems);
}

TEST_F(SystemLogTest, EmptyingOrEditingTheLogIsDetected) {
  auto problems = tamper(
      "UPDATE audit SET details = '{\"amount_fen\":100}' WHERE id = (SELECT audit_id "
      "FROM ledger WHERE kind = 'sale' ORDER BY seq LIMIT 1);");
  EXPECT_TRUE(mentions(problems, "its hash does not match its content")) << joined(problems);
  problems = tamper("DELETE FROM audit;");
  EXPECT_TRUE(mentions(problems, "which does not exist (the log was cut or emptied)"))
      << joined(problems);
}

TEST_F(SystemLogTest, ReorderingRowsIsDetected) {
  // Two sales of H1 swap places (their seq).
  const auto a = sql("SELECT seq FROM ledger WHERE account = 'H1' AND amount_fen = 10000");
  const auto b = sql("SELECT seq FROM ledger WHERE account = 'H1' AND amount_fen = 5000");
  auto problems =
      tamper("UPDATE ledger SET seq = -1 WHERE seq = " + a + "; UPDATE ledger SET seq = " + a +
             " WHERE seq = " + b + "; UPDATE ledger SET seq = " + b + " WHERE seq = -1;");
  EXPECT_FALSE(problems.empty());
  EXPECT_TRUE(mentions(problems, "differ from what it recorded") || mentions(problems, "reordered"))
      << joined(problems);
  // Two rows of the log swap ids.
  problems = tamper(
      "UPDATE audit SET id = -id WHERE id IN (3, 4); UPDATE audit SET id = 4 WHERE id = -3;"
      "UPDATE audit SET id = 3 WHERE id = -4;");
  EXPECT_TRUE(mentions(problems, "its hash does not match")) << joined(problems);
}

}  // namespace
}  // namespace phil::service
