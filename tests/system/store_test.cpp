// The SQLite store against a real database file in a temporary folder.
#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <phil/store/store.hpp>

#include "support/sqlite_count.hpp"
#include "support/temp_dir.hpp"

namespace phil::store {
namespace {

using domain::MeterId;

constexpr TimePoint kT0{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z

using test::sql;  // SQL through a separate connection, as another process would run it

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("site.db");
    store_ = open_sqlite_store(path_);
    store_->register_meters({meter(1), meter(2), meter(3)}, "adf300l-i", false);
  }
  static MeterId meter(int circuit) { return MeterId{"bus1", 1, circuit}; }
  void open_a401(std::int64_t first_sale) {
    ASSERT_TRUE(store_->open_account({"A401", "Li", {meter(1)}, first_sale, "cashier", kT0}));
  }

  test::TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, MigratesAnEmptyFileToTheCurrentSchemaInWalMode) {
  EXPECT_EQ(sql(path_, "PRAGMA user_version"), std::to_string(sqlite_schema_version()) + "|");
  EXPECT_EQ(sql(path_, "PRAGMA journal_mode"), "wal|");
  for (const char* table : {"meters", "readings", "accounts", "account_meters", "ledger", "outbox",
                            "audit", "events"}) {
    EXPECT_EQ(
        sql(path_, std::string("SELECT count(*) FROM sqlite_schema WHERE name = '") + table + "'"),
        "1|")
        << table;
  }
}

TEST_F(StoreTest, ReopeningKeepsDataAndDoesNotMigrateTwice) {
  open_a401(2000);
  store_.reset();
  store_ = open_sqlite_store(path_);
  EXPECT_EQ(store_->account_balance_fen("A401"), 2000);
  EXPECT_EQ(store_->meter(meter(1))->account, "A401");
  EXPECT_EQ(store_->open_commands("bus1").size(), 1U);
}

/// v7 re-clusters readings by time and narrows the ledger's per-account index: a v6 file keeps
/// every reading and learns each account's last paid charge. The v6 shape is rebuilt here by hand
/// (the readings table, the index, no last_charge_seq) from a file written by this build, after
/// undoing the migrations down to v7 (test::undo_schema_to).
TEST_F(StoreTest, MigrationV7KeepsTheReadingsAndFindsTheLastPaidCharge) {
  open_a401(2000);
  domain::MeterReading r;
  r.energy_wh = 1000;
  r.mode = domain::MeterMode::kPrepaid;
  const BillingRules rules{6000, 3};
  store_->record_readings({{meter(1), r}}, kT0, rules);
  r.energy_wh = 3000;  // 2 kWh at 0.60: a charge of 1.20, ledger entry 2
  store_->record_readings({{meter(1), r}}, kT0 + Millis(1000), rules);
  r.energy_wh = 3001;  // 1 Wh: a charge of 0 fen (carried), ledger entry 3
  store_->record_readings({{meter(1), r}}, kT0 + Millis(2000), rules);
  store_.reset();
  ASSERT_EQ(test::undo_schema_to(path_, sqlite_schema_version(), 7), "");
  ASSERT_EQ(sql(path_,
                "CREATE TABLE old (id INTEGER PRIMARY KEY, meter TEXT NOT NULL REFERENCES "
                "meters(id), at INTEGER NOT NULL, energy_wh INTEGER NOT NULL, power_w INTEGER NOT "
                "NULL, balance_fen INTEGER NOT NULL, relay INTEGER NOT NULL, mode TEXT NOT NULL, "
                "status_bits INTEGER NOT NULL, purchase_count INTEGER NOT NULL, "
                "purchase_total_fen INTEGER NOT NULL) STRICT;"
                "INSERT INTO old (meter, at, energy_wh, power_w, balance_fen, relay, mode, "
                "status_bits, purchase_count, purchase_total_fen) SELECT meter, at, energy_wh, "
                "power_w, balance_fen, relay, mode, status_bits, purchase_count, "
                "purchase_total_fen FROM readings ORDER BY at;"
                "DROP TABLE readings; ALTER TABLE old RENAME TO readings;"
                "CREATE INDEX readings_by_meter ON readings (meter, at);"
                "DROP INDEX ledger_by_account; CREATE INDEX ledger_by_account ON ledger "
                "(account, seq); ALTER TABLE accounts DROP COLUMN last_charge_seq;"
                "PRAGMA user_version = 6;"),
            "");
  store_ = open_sqlite_store(path_);
  EXPECT_EQ(sql(path_, "PRAGMA user_version"), std::to_string(sqlite_schema_version()) + "|");
  EXPECT_EQ(sql(path_, "SELECT at - 1772294400000, energy_wh FROM readings ORDER BY at"),
            "0|1000|1000|3000|2000|3001|");
  EXPECT_EQ(sql(path_, "SELECT kind, amount_fen FROM ledger WHERE seq > 1 ORDER BY seq"),
            "charge|120|charge|0|");
  EXPECT_EQ(sql(path_, "SELECT last_charge_seq FROM accounts"), "2|");
  EXPECT_EQ(store_->account_balance_fen("A401"), 2000 - 120);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

/// With Checkpoints::kByCaller the commits of a busy writer leave the write-ahead log to the
/// caller's checkpoint(), which finds all of it; at SQLite's default a commit past 1,000 pages
/// copied it and the log started again.
TEST_F(StoreTest, ByCallerCheckpointsLeaveTheLogToTheCaller) {
  store_.reset();
  auto log_pages = [&](Checkpoints mode, const std::string& name) {
    auto store = open_sqlite_store(dir_.file(name), mode);
    std::vector<MeterId> ids;
    ids.reserve(2000);
    for (int n = 0; n < 2000; ++n)
      ids.push_back(MeterId{"bus" + std::to_string(n / 36 + 1), 1, n % 36 + 1});
    store->register_meters(ids, "adf300l-iii", false);
    CycleBatch cycle;
    cycle.readings.reserve(ids.size());
    for (const auto& id : ids) {
      domain::MeterReading r;
      r.mode = domain::MeterMode::kPrepaid;
      cycle.readings.emplace_back(id, r);
    }
    for (int c = 0; c < 30; ++c) {  // ~85 pages each: 2,500 pages in all
      for (auto& [id, r] : cycle.readings)
        r.energy_wh = std::int64_t{1000} * c;
      store->record_cycle(cycle, kT0 + Millis(std::int64_t{c} * 1000), BillingRules{6000, 3});
    }
    return store->checkpoint();
  };
  const auto by_caller = log_pages(Checkpoints::kByCaller, "by-caller.db");
  const auto at_commit = log_pages(Checkpoints::kAtCommit, "at-commit.db");
  EXPECT_GT(by_caller, 2000);
  EXPECT_LT(at_commit, 1200);
}

TEST_F(StoreTest, SetBillingModeChangesOnlyWhatDiffersWithOneAuditRow) {
  EXPECT_EQ(store_->meter(meter(1))->billing_mode, domain::BillingMode::kMeterSide);
  EXPECT_EQ(store_->set_billing_mode({meter(1), meter(2)}, domain::BillingMode::kHostSide,
                                     "site-file", kT0),
            2);
  EXPECT_EQ(store_->meter(meter(1))->billing_mode, domain::BillingMode::kHostSide);
  EXPECT_EQ(store_->meter(meter(3))->billing_mode, domain::BillingMode::kMeterSide);
  EXPECT_EQ(store_->set_billing_mode({meter(1), meter(2)}, domain::BillingMode::kHostSide,
                                     "site-file", kT0),
            0);
  EXPECT_EQ(sql(path_, "SELECT count(*), details FROM audit WHERE action = 'billing_mode'"),
            "1|{\"meters\":\"bus1/1/1,bus1/1/2\",\"mode\":\"host-side\"}|");
  EXPECT_THROW(store_->set_billing_mode({MeterId{"bus9", 1, 1}}, domain::BillingMode::kHostSide,
                                        "site-file", kT0),
               StoreError);
}

TEST_F(StoreTest, RefusesADatabaseFromANewerVersion) {
  store_.reset();
  sql(path_, "PRAGMA user_version = 99");
  EXPECT_THROW(open_sqlite_store(path_), StoreError);
}

TEST_F(StoreTest, SaleWritesLedgerOutboxAndAuditTogether) {
  open_a401(0);
  const auto cmd = store_->sale({"A401", 10000, "cashier", kT0});
  ASSERT_TRUE(cmd);
  const auto ledger = store_->ledger("A401");
  ASSERT_EQ(ledger.size(), 1U);
  EXPECT_EQ(ledger[0].kind, domain::EntryKind::kSale);
  EXPECT_EQ(ledger[0].amount_fen, 10000);
  EXPECT_EQ(ledger[0].operator_id, "cashier");
  const auto open = store_->open_commands("bus1");
  ASSERT_EQ(open.size(), 1U);
  EXPECT_EQ(open[0].id, cmd.value());
  EXPECT_EQ(open[0].meter, meter(1));
  EXPECT_EQ(open[0].amount_fen, 10000);
  EXPECT_FALSE(open[0].purchase_count);
  EXPECT_EQ(open[0].state, domain::CommandState::kPending);
  EXPECT_EQ(sql(path_, "SELECT count(*) FROM audit WHERE action = 'sale'"), "1|");
}

TEST_F(StoreTest, SaleFailingMidTransactionLeavesNothingHalfApplied) {
  open_a401(0);
  // Make the outbox insert fail after the ledger entry was written in the same transaction.
  ASSERT_EQ(sql(path_,
                "CREATE TRIGGER inject_failure BEFORE INSERT ON outbox "
                "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"),
            "");
  EXPECT_THROW((void)store_->sale({"A401", 10000, "cashier", kT0}), StoreError);
  EXPECT_TRUE(store_->ledger("A401").empty());
  EXPECT_EQ(store_->account_balance_fen("A401"), 0);
  EXPECT_EQ(sql(path_, "SELECT balance_fen FROM accounts WHERE id = 'A401'"), "0|");
  EXPECT_EQ(sql(path_, "SELECT count(*) FROM audit WHERE action = 'sale'"), "0|");
  EXPECT_TRUE(store_->verify_ledger().empty());
  sql(path_, "DROP TRIGGER inject_failure");
  ASSERT_TRUE(store_->sale({"A401", 10000, "cashier", kT0}));
  EXPECT_EQ(store_->ledger("A401").front().seq, 1);  // no gap left by the failed attempt
}

TEST_F(StoreTest, RefusedOperatorActionsChangeNothing) {
  open_a401(2000);
  EXPECT_EQ(store_->sale({"A401", 0, "c", kT0}).error().kind, domain::ErrorKind::kInvalid);
  EXPECT_EQ(store_->sale({"A401", -5, "c", kT0}).error().kind, domain::ErrorKind::kInvalid);
  EXPECT_EQ(store_->sale({"NOPE", 100, "c", kT0}).error().kind, domain::ErrorKind::kNotFound);
  EXPECT_FALSE(store_->open_account({"A401", "Li", {meter(2)}, 0, "c", kT0}));  // duplicate id
  EXPECT_FALSE(store_->open_account({"A402", "Wu", {meter(1)}, 0, "c", kT0}));  // meter taken
  EXPECT_FALSE(store_->open_account({"A403", "Wu", {MeterId{"bus9", 1, 1}}, 0, "c", kT0}));
  EXPECT_FALSE(store_->open_account({"A404", "Wu", {meter(2), meter(2)}, 0, "c", kT0}));
  EXPECT_FALSE(store_->open_account({"A406", "Wu", {}, 0, "c", kT0}));
  EXPECT_FALSE(store_->open_account({"", "Wu", {meter(2)}, 0, "c", kT0}));
  EXPECT_EQ(store_->ledger(std::nullopt).size(), 1U);
  EXPECT_EQ(store_->open_commands("bus1").size(), 1U);
  EXPECT_FALSE(store_->meter(meter(2))->account);
  EXPECT_EQ(sql(path_, "SELECT count(*) FROM accounts"), "1|");
}

TEST_F(StoreTest, SaleToAClosedAccountIsRefused) {
  open_a401(0);
  sql(path_, "UPDATE accounts SET closed_at = 1 WHERE id = 'A401'");
  const auto r = store_->sale({"A401", 100, "c", kT0});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("closed"), std::string::npos);
}

TEST_F(StoreTest, LedgerIsAppendOnly) {
  open_a401(2000);
  EXPECT_NE(sql(path_, "UPDATE ledger SET amount_fen = 1").find("append-only"), std::string::npos);
  EXPECT_NE(sql(path_, "DELETE FROM ledger").find("append-only"), std::string::npos);
  EXPECT_EQ(store_->account_balance_fen("A401"), 2000);
}

TEST_F(StoreTest, ReadingsChargeEnergyDeltasFromTheBaselineWithCarry) {
  open_a401(5000);
  domain::MeterReading r;
  r.energy_wh = 100'000;
  r.balance_fen = 5000;
  store_->record_readings({{meter(1), r}}, kT0, {6000, 3});
  EXPECT_EQ(store_->account_balance_fen("A401"), 5000);  // baseline, nothing charged
  r.energy_wh += 1017;
  store_->record_readings({{meter(1), r}}, kT0 + Millis(1000), {6000, 3});
  EXPECT_EQ(store_->account_balance_fen("A401"), 5000 - 61);
  EXPECT_EQ(store_->meter(meter(1))->carry, 2000);
  const auto ledger = store_->ledger("A401");
  ASSERT_EQ(ledger.size(), 2U);
  EXPECT_EQ(ledger[1].kind, domain::EntryKind::kCharge);
  EXPECT_EQ(ledger[1].energy_wh, 1017);
  EXPECT_EQ(ledger[1].carry, 2000);
  EXPECT_EQ(ledger[1].operator_id, "system");
  EXPECT_TRUE(store_->verify_ledger().empty());
  EXPECT_EQ(sql(path_, "SELECT count(*) FROM readings"), "2|");
}

TEST_F(StoreTest, UnopenedMetersAreReadButNeverCharged) {
  domain::MeterReading r;
  r.energy_wh = 1000;
  store_->record_readings({{meter(2), r}}, kT0, {6000, 3});
  r.energy_wh = 9000;
  store_->record_readings({{meter(2), r}}, kT0, {6000, 3});
  EXPECT_TRUE(store_->ledger(std::nullopt).empty());
  EXPECT_EQ(store_->meter(meter(2))->status, domain::MeterStatus::kNotOpened);
  EXPECT_EQ(store_->meter(meter(2))->last.energy_wh, 9000);
}

TEST_F(StoreTest, FailedCyclesMakeAMeterOfflineAndAReadingClearsIt) {
  open_a401(0);
  for (int i = 0; i < 2; ++i)
    store_->record_failed_cycle({meter(1)}, kT0, {6000, 3});
  EXPECT_NE(store_->meter(meter(1))->status, domain::MeterStatus::kOffline);
  store_->record_failed_cycle({meter(1)}, kT0, {6000, 3});
  EXPECT_EQ(store_->meter(meter(1))->status, domain::MeterStatus::kOffline);
  domain::MeterReading r;
  r.balance_fen = 5000;
  store_->record_readings({{meter(1), r}}, kT0, {6000, 3});
  EXPECT_EQ(store_->meter(meter(1))->status, domain::MeterStatus::kNormal);
  EXPECT_EQ(store_->meter(meter(1))->failed_cycles, 0);
}

TEST_F(StoreTest, PurchaseCountIsAssignedOnceAndSurvivesReopening) {
  open_a401(2000);
  const auto id = store_->open_commands("bus1").front().id;
  store_->begin_attempt(id, std::uint16_t{5}, kT0);
  store_->begin_attempt(id, std::uint16_t{9}, kT0);  // never overwrites the first assignment
  store_.reset();
  store_ = open_sqlite_store(path_);
  const auto cmd = store_->open_commands("bus1").front();
  EXPECT_EQ(cmd.purchase_count, 5);
  EXPECT_EQ(cmd.state, domain::CommandState::kInFlight);
  EXPECT_EQ(cmd.attempts, 2);
}

TEST_F(StoreTest, ConfirmedAndFailedCommandsLeaveTheOpenSet) {
  open_a401(2000);
  ASSERT_TRUE(store_->sale({"A401", 100, "c", kT0}));
  auto open = store_->open_commands("bus1");
  ASSERT_EQ(open.size(), 2U);
  store_->confirm_command(open[0].id, {.purchase_count = 1, .balance_fen = 2000}, kT0, {6000, 3});
  store_->fail_command(open[1].id, "conflict", kT0);
  EXPECT_TRUE(store_->open_commands("bus1").empty());
  const auto counts = store_->command_counts("bus1");
  EXPECT_EQ(counts.confirmed, 1U);
  EXPECT_EQ(counts.open, 0U);
  ASSERT_EQ(store_->events(meter(1)).size(), 1U);
  EXPECT_EQ(store_->events(meter(1))[0].kind, "command_failed");
  EXPECT_THROW(store_->confirm_command(open[0].id, {}, kT0, {6000, 3}), StoreError);
}

TEST_F(StoreTest, VerifyLedgerReportsAKeptBalanceThatDisagreesWithTheJournal) {
  open_a401(2000);
  sql(path_, "UPDATE accounts SET balance_fen = 999999 WHERE id = 'A401'");
  const auto problems = store_->verify_ledger();
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("A401"), std::string::npos);
}

}  // namespace
}  // namespace phil::store

namespace phil::store {
namespace {

// Another process holding the database: a raw connection, as prepaidd or prepaidctl would be.
struct Holder {
  explicit Holder(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  }
  ~Holder() { sqlite3_close(db); }
  Holder(const Holder&) = delete;
  Holder& operator=(const Holder&) = delete;
  void exec(const char* sql) const {
    EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  }
  sqlite3* db = nullptr;
};

TEST(StoreOpen, OpeningANewFileWaitsForAnotherConnectionsLockInsteadOfFailing) {
  test::TempDir dir;
  const auto path = dir.file("busy.db");
  Holder other(path);
  other.exec("BEGIN EXCLUSIVE");  // a new file is in rollback mode: this blocks even readers
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    other.exec("COMMIT");
  });
  std::unique_ptr<Store> store;
  EXPECT_NO_THROW(store = open_sqlite_store(path));  // the switch to WAL waited for the lock
  release.join();
  ASSERT_TRUE(store);
  EXPECT_EQ(test::sql(path, "PRAGMA user_version"), std::to_string(sqlite_schema_version()) + "|");
}

TEST(StoreOpen, OpeningWaitsForAConnectionThatHoldsTheFileExclusively) {
  test::TempDir dir;
  const auto path = dir.file("site.db");
  (void)open_sqlite_store(path);  // created and migrated, in WAL mode
  auto other = std::make_unique<Holder>(path);
  other->exec("PRAGMA locking_mode = EXCLUSIVE");
  other->exec("BEGIN EXCLUSIVE");  // in WAL mode with exclusive locking: nobody else may read
  other->exec("COMMIT");
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    other.reset();  // the other process ends
  });
  EXPECT_NO_THROW((void)open_sqlite_store(path));
  release.join();
}

TEST(StoreOpen, ManyConnectionsOpeningANewFileAtOnceMigrateItOnce) {
  test::TempDir dir;
  const auto path = dir.file("race.db");
  constexpr int kOpeners = 6;
  std::atomic<int> failures{0};
  std::vector<std::string> errors(kOpeners);
  std::vector<std::thread> openers;
  openers.reserve(kOpeners);
  for (int i = 0; i < kOpeners; ++i) {
    openers.emplace_back([&, i] {
      try {
        auto s = open_sqlite_store(path);
        s->register_meters({MeterId{"bus1", 1, i + 1}}, "adf300l-i", false);
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(i)] = e.what();
        ++failures;
      }
    });
  }
  for (auto& t : openers)
    t.join();
  for (const auto& e : errors)
    EXPECT_EQ(e, "");
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(test::sql(path, "PRAGMA user_version"), std::to_string(sqlite_schema_version()) + "|");
  EXPECT_EQ(test::sql(path, "SELECT COUNT(*) FROM meters"), std::to_string(kOpeners) + "|");
}

}  // namespace
}  // namespace phil::store
