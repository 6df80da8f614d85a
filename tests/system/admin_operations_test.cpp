// Account and meter administration on the SQLite store: opening with phone and room, meter
// replacement and moves (each one transaction with an audit row; every refusal changes nothing;
// transfers keep the ledger verifying), billing modes and the meter-side balance check.
#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <phil/domain/conversion.hpp>
#include <phil/domain/money.hpp>
#include <phil/store/store.hpp>

#include "support/closing_driver.hpp"
#include "support/meter_counts.hpp"
#include "support/sqlite_count.hpp"
#include "support/temp_dir.hpp"

namespace phil::store {
namespace {

using domain::BillingMode;
using domain::CommandKind;
using domain::EntryKind;
using domain::MeterId;
using domain::MeterStatus;

constexpr TimePoint kT0{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z
constexpr BillingRules kRules{6000, 3};

std::int64_t count(const std::string& path, const std::string& table) {
  return test::count_rows(path, table);
}

void exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

MeterId meter(int circuit) {
  return MeterId{"bus1", 1, circuit};
}

/// One box of 6 circuits in room 101..106; circuit 6 is host-side.
domain::SiteModel site() {
  domain::SiteModel m;
  m.settings.name = "ops";
  m.buildings = {{"b1", ""}};
  m.floors = {{"b1", 1}};
  m.buses = {{"bus1", ""}};
  m.boxes = {{"bus1", 1, "adf300l-i", "b1", 1}};
  for (int c = 1; c <= 6; ++c) {
    m.rooms.push_back({"10" + std::to_string(c), "b1", 1});
    m.meters.push_back({meter(c), "10" + std::to_string(c), {}, std::nullopt});
  }
  m.meters[5].billing_mode = domain::BillingMode::kHostSide;
  return m;
}

class AdminOperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("site.db");
    store_ = open_sqlite_store(path_);
    ASSERT_TRUE(store_->import_site(site(), "admin", kT0));
  }
  void open(const std::string& account, std::vector<MeterId> meters) {
    auto r = store_->open_account({account, "tenant", std::move(meters), 0, "cashier", kT0});
    ASSERT_TRUE(r) << r.error().message;
  }
  /// Stores tariff "flat": 1.0000 yuan/kWh at every hour, from an hour before kT0.
  void add_flat_tariff() {
    domain::Tariff flat;
    flat.rates = {10'000, 10'000, 10'000, 10'000};
    ASSERT_TRUE(store_->add_tariff(
        {"flat", {kT0 - std::chrono::hours(1), flat}, std::chrono::minutes(480), "m", kT0}));
  }
  /// A sale to `account` whose credit its first meter confirmed (host-side: no credit).
  void delivered_sale(const std::string& account, std::int64_t fen) {
    auto cmd = store_->sale({account, fen, "cashier", kT0});
    ASSERT_TRUE(cmd) << cmd.error().message;
    if (cmd.value() == kNoCredit) return;
    ASSERT_TRUE(test::deliver(*store_, cmd.value(), {}, kT0, kRules));
  }
  void read(const MeterId& id, std::int64_t energy_wh, std::int64_t balance_fen) {
    domain::MeterReading r;
    r.energy_wh = energy_wh;
    r.balance_fen = balance_fen;
    r.relay_closed = true;
    r.mode = domain::MeterMode::kPrepaid;
    store_->record_readings({{id, test::counted(*store_, id, r)}}, kT0, kRules);
  }
  /// A reading of `id` at `at` with the relay in `mode`.
  void read_in(const MeterId& id, std::int64_t energy_wh, std::int64_t balance_fen,
               domain::MeterMode mode, TimePoint at) {
    domain::MeterReading r;
    r.energy_wh = energy_wh;
    r.balance_fen = balance_fen;
    r.relay_closed = mode != domain::MeterMode::kForcedOff;
    r.mode = mode;
    store_->record_readings({{id, test::counted(*store_, id, r)}}, at, kRules);
  }
  /// A meter-side A103 on meter 3 holding 49.30 (the ledger mirrored 49.40), then meter 2 of
  /// the two-meter A101 moved into it.
  void move_into_meter_side_a103() {
    open("A101", {meter(1), meter(2)});
    open("A103", {meter(3)});
    delivered_sale("A103", 5000);
    read(meter(3), 1000, 5000);  // agrees: the baseline
    read(meter(3), 2000, 4930);  // 1 kWh at 0.60: the ledger 49.40; the meter took 0.10 more
    ASSERT_EQ(store_->account_balance_fen("A103"), 4940);
    auto moved = store_->move_meter({meter(2), "A103", false, "manager", kT0});
    ASSERT_TRUE(moved) << moved.error().message;
  }
  /// Rows of the tables a refused operation must not touch.
  std::vector<std::int64_t> snapshot() {
    return {count(path_, "ledger"), count(path_, "audit"),
            count(path_, "outbox"), count(path_, "account_meters"),
            count(path_, "events"), count(path_, "meter_replacements")};
  }
  std::vector<std::string> event_kinds(const MeterId& id) {
    std::vector<std::string> out;
    for (const auto& e : store_->events(id))
      out.push_back(e.kind);
    return out;
  }

  test::TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

// ---- opening with the tenant's contact ----

TEST_F(AdminOperationsTest, OpenAccountRecordsPhoneAndRoom) {
  auto r = store_->open_account({"A101", "Li", {meter(1)}, 0, "cashier", kT0},
                                {"138 0013 8000", std::string("101")});
  ASSERT_TRUE(r) << r.error().message;
  const auto a = store_->account("A101");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->phone, "138 0013 8000");
  EXPECT_EQ(a->room, "101");
  EXPECT_EQ(a->meters, std::vector<MeterId>{meter(1)});
  EXPECT_FALSE(a->closed_at);
}

TEST_F(AdminOperationsTest, OpenAccountRefusesABadPhoneOrAnUnknownRoom) {
  const auto before = snapshot();
  auto phone = store_->open_account({"A101", "Li", {meter(1)}, 500, "cashier", kT0},
                                    {"ring me", std::nullopt});
  ASSERT_FALSE(phone);
  EXPECT_NE(phone.error().message.find("only digits"), std::string::npos);
  auto room = store_->open_account({"A101", "Li", {meter(1)}, 500, "cashier", kT0},
                                   {"", std::string("999")});
  ASSERT_FALSE(room);
  EXPECT_NE(room.error().message.find("room 999 is not in the site model"), std::string::npos);
  EXPECT_EQ(snapshot(), before);
  EXPECT_FALSE(store_->account("A101"));
}

TEST_F(AdminOperationsTest, SaleToAClosedAccountIsRefused) {
  open("A101", {meter(1)});
  ASSERT_TRUE(store_->close_account({"A101", "manager", kT0}));
  test::drive_closings(*store_, "bus1", kT0, kRules);
  const auto before = snapshot();
  auto r = store_->sale({"A101", 1000, "cashier", kT0});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("is closed"), std::string::npos);
  EXPECT_EQ(snapshot(), before);
}

// ---- meter replacement ----

TEST_F(AdminOperationsTest, ReplacementCarriesTheOldMetersBalanceToTheNewOne) {
  open("A101", {meter(1)});
  delivered_sale("A101", 5000);
  read(meter(1), 10'000, 5000);  // baseline
  read(meter(1), 12'000, 4880);  // 2 kWh at 0.60: 1.20 charged here and on the meter
  ASSERT_EQ(store_->account_balance_fen("A101"), 4880);
  const auto audits = count(path_, "audit");

  auto r = store_->replace_meter({meter(1), meter(3), "engineer", kT0 + Millis(1000)});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().account, "A101");
  EXPECT_EQ(r.value().final_energy_wh, 12'000);
  EXPECT_EQ(r.value().final_balance_fen, 4880);
  EXPECT_EQ(r.value().transferred_fen, 4880);
  ASSERT_TRUE(r.value().credit_command);

  // The ledger: transfer_out from the old meter, transfer_in to the new, same account.
  const auto entries = store_->ledger("A101");
  ASSERT_GE(entries.size(), 2U);
  const auto& out = entries[entries.size() - 2];
  const auto& in = entries.back();
  EXPECT_EQ(out.kind, EntryKind::kTransferOut);
  EXPECT_EQ(out.meter, meter(1));
  EXPECT_EQ(in.kind, EntryKind::kTransferIn);
  EXPECT_EQ(in.meter, meter(3));
  EXPECT_EQ(in.ref_seq, out.seq);
  EXPECT_EQ(store_->account_balance_fen("A101"), 4880);
  // The new meter receives the old one's money as a credit, decided on its own count.
  const auto credit = store_->command(*r.value().credit_command);
  ASSERT_TRUE(credit);
  EXPECT_EQ(credit->meter, meter(3));
  EXPECT_EQ(credit->amount_fen, 4880);
  EXPECT_FALSE(credit->purchase_count);
  // The new meter takes the old one's place (it receives the sales).
  EXPECT_EQ(store_->account("A101")->meters, (std::vector<MeterId>{meter(3)}));
  EXPECT_EQ(store_->meter(meter(1))->status, MeterStatus::kNotOpened);
  EXPECT_FALSE(store_->meter(meter(1))->account);
  EXPECT_EQ(store_->meter(meter(3))->account, "A101");
  EXPECT_EQ(store_->meter_placement(meter(3))->replaces, meter(1));
  EXPECT_EQ(store_->meter_placement(meter(1))->replaced_by, meter(3));
  EXPECT_EQ(event_kinds(meter(3)), std::vector<std::string>{"meter_replacement"});
  EXPECT_EQ(count(path_, "audit"), audits + 1);
  EXPECT_TRUE(store_->verify_ledger().empty());

  // A sale now goes to the new meter.
  auto sale = store_->sale({"A101", 100, "cashier", kT0});
  ASSERT_TRUE(sale);
  EXPECT_EQ(store_->command(sale.value())->meter, meter(3));
}

TEST_F(AdminOperationsTest, TheNewMeterIsBilledFromItsOwnFirstReading) {
  open("A101", {meter(1)});
  delivered_sale("A101", 5000);
  read(meter(1), 10'000, 5000);
  read(meter(3), 777'000, 0);  // the new meter's register has its own history
  ASSERT_TRUE(store_->replace_meter({meter(1), meter(3), "engineer", kT0}));
  read(meter(3), 778'000, 0);  // baseline: nothing charged
  EXPECT_EQ(store_->account_balance_fen("A101"), 5000);
  read(meter(3), 779'000, 0);  // 1 kWh: 0.60
  EXPECT_EQ(store_->account_balance_fen("A101"), 4940);
  read(meter(1), 20'000, 5000);  // the old meter, no longer in an account: not charged
  EXPECT_EQ(store_->account_balance_fen("A101"), 4940);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(AdminOperationsTest, ReplacingAHostSideMeterMovesNoMoney) {
  open("A106", {meter(6)});
  delivered_sale("A106", 5000);
  read(meter(6), 1000, 0);  // a host-side meter's balance register means nothing
  auto r = store_->replace_meter({meter(6), meter(5), "engineer", kT0});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().transferred_fen, 0);
  EXPECT_FALSE(r.value().credit_command);
  EXPECT_EQ(store_->ledger("A106").back().kind, EntryKind::kSale);
  EXPECT_EQ(store_->account_balance_fen("A106"), 5000);
  EXPECT_EQ(store_->account("A106")->meters, std::vector<MeterId>{meter(5)});
}

TEST_F(AdminOperationsTest, ReplacementIsRefusedWhileTheOldMeterIsUnreadable) {
  open("A101", {meter(1)});
  delivered_sale("A101", 5000);
  auto before = snapshot();
  auto never = store_->replace_meter({meter(1), meter(3), "engineer", kT0});
  ASSERT_FALSE(never);
  EXPECT_NE(never.error().message.find("was never read"), std::string::npos);
  read(meter(1), 10'000, 5000);
  store_->record_failed_cycle({meter(1)}, kT0, kRules);
  before = snapshot();
  auto silent = store_->replace_meter({meter(1), meter(3), "engineer", kT0});
  ASSERT_FALSE(silent);
  EXPECT_NE(silent.error().message.find("did not answer its last 1 poll"), std::string::npos);
  store_->record_failed_cycle({meter(1)}, kT0, kRules);
  store_->record_failed_cycle({meter(1)}, kT0, kRules);
  ASSERT_EQ(store_->meter(meter(1))->status, MeterStatus::kOffline);
  before = snapshot();  // the failed cycles wrote a meter_offline event; the refusal writes none
  EXPECT_FALSE(store_->replace_meter({meter(1), meter(3), "engineer", kT0}));
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(store_->account("A101")->meters, std::vector<MeterId>{meter(1)});
}

TEST_F(AdminOperationsTest, ReplacementRefusalsChangeNothing) {
  open("A101", {meter(1)});
  open("A102", {meter(2)});
  read(meter(1), 10'000, 0);
  const auto before = snapshot();
  auto busy_new = store_->replace_meter({meter(1), meter(2), "e", kT0});
  ASSERT_FALSE(busy_new);
  EXPECT_NE(busy_new.error().message.find("already belongs to open account A102"),
            std::string::npos);
  auto same = store_->replace_meter({meter(1), meter(1), "e", kT0});
  ASSERT_FALSE(same);
  auto unknown = store_->replace_meter({meter(1), MeterId{"bus1", 9, 1}, "e", kT0});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, domain::ErrorKind::kNotFound);
  auto unopened = store_->replace_meter({meter(4), meter(5), "e", kT0});
  ASSERT_FALSE(unopened);
  EXPECT_NE(unopened.error().message.find("not in an open account"), std::string::npos);
  EXPECT_EQ(snapshot(), before);
  // A command not yet delivered to the old meter might still land on it.
  ASSERT_TRUE(store_->sale({"A101", 100, "cashier", kT0}));
  const auto with_credit = snapshot();
  auto pending = store_->replace_meter({meter(1), meter(3), "e", kT0});
  ASSERT_FALSE(pending);
  EXPECT_NE(pending.error().message.find("not delivered yet"), std::string::npos);
  EXPECT_EQ(snapshot(), with_credit);
}

// ---- replacing a dead meter with the operator's final reading ----

/// The first column of the first row of `query` on the database file, as text ("" if none).
std::string first_text(const std::string& path, const std::string& query) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, query.c_str(), -1, &s, nullptr);
  std::string out;
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

ManualFinalReading by_hand(std::int64_t energy_wh, std::optional<std::int64_t> balance_fen,
                           std::optional<std::int64_t> price) {
  return {energy_wh, balance_fen, price};
}

TEST_F(AdminOperationsTest, AnOfflineMeterIsReplacedWithAManualReadingChargedAtItsPrice) {
  open("A101", {meter(1)});
  delivered_sale("A101", 5000);
  read(meter(1), 10'000, 5000);
  read(meter(1), 12'000, 4880);
  for (int i = 0; i < 3; ++i)
    store_->record_failed_cycle({meter(1)}, kT0, kRules);
  ASSERT_EQ(store_->meter(meter(1))->status, MeterStatus::kOffline);
  const auto audits = count(path_, "audit");
  const auto at = kT0 + std::chrono::hours(5);

  // The display shows 15.00 kWh: 3 kWh since the last reading, at 0.60 yuan/kWh.
  auto r = store_->replace_meter(
      {meter(1), meter(3), "engineer", at, by_hand(15'000, std::nullopt, 6000)});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r.value().manual);
  EXPECT_EQ(r.value().final_read_at, at);
  EXPECT_EQ(r.value().final_energy_wh, 15'000);
  EXPECT_EQ(r.value().charged_energy_wh, 3000);
  EXPECT_EQ(r.value().charged_fen, 180);
  // No balance given: 48.80 less the 1.80 the meter deducted for the same energy.
  EXPECT_EQ(r.value().final_balance_fen, 4700);
  EXPECT_EQ(r.value().transferred_fen, 4700);

  const auto entries = store_->ledger("A101");
  ASSERT_GE(entries.size(), 3U);
  const auto& charge = entries[entries.size() - 3];
  EXPECT_EQ(charge.kind, EntryKind::kCharge);
  EXPECT_EQ(charge.meter, meter(1));
  EXPECT_EQ(charge.amount_fen, 180);
  EXPECT_EQ(charge.energy_wh, 3000);
  EXPECT_EQ(entries[entries.size() - 2].kind, EntryKind::kTransferOut);
  EXPECT_EQ(entries[entries.size() - 2].amount_fen, 4700);
  EXPECT_EQ(entries.back().kind, EntryKind::kTransferIn);
  EXPECT_EQ(entries.back().meter, meter(3));
  EXPECT_EQ(store_->account_balance_fen("A101"), 4700);
  ASSERT_TRUE(r.value().credit_command);
  const auto credit = store_->command(*r.value().credit_command);
  ASSERT_TRUE(credit);
  EXPECT_EQ(credit->meter, meter(3));
  EXPECT_EQ(credit->amount_fen, 4700);

  EXPECT_EQ(store_->account("A101")->meters, (std::vector<MeterId>{meter(3)}));
  const auto old = store_->meter(meter(1));
  EXPECT_FALSE(old->account);
  EXPECT_EQ(old->last.energy_wh, 15'000);
  EXPECT_EQ(old->status, MeterStatus::kOffline);  // a manual reading is no sign of life
  EXPECT_EQ(old->failed_cycles, 3);
  // The replacement's row, after the row of the manual reading's charge (charge_cycle).
  EXPECT_EQ(count(path_, "audit"), audits + 2);
  EXPECT_NE(first_text(path_,
                       "SELECT operator || ' ' || target || ' ' || details FROM audit "
                       "ORDER BY id DESC")
                .find("engineer bus1/1/1 {\"account\":\"A101\",\"charged_fen\""),
            std::string::npos);
  EXPECT_NE(first_text(path_, "SELECT details FROM audit ORDER BY id DESC")
                .find("\"final_energy_wh\":15000,\"final_reading\":\"manual\""),
            std::string::npos);
  EXPECT_NE(store_->events(meter(1)).back().details.find("(manual, by engineer)"),
            std::string::npos);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(AdminOperationsTest, AManualFinalBalanceIsCarriedAndTheStoredTariffCharges) {
  add_flat_tariff();
  TariffAssignRequest site_default;  // fields by name: the request grows
  site_default.name = "flat";
  site_default.operator_id = "m";
  site_default.at = kT0;
  ASSERT_TRUE(store_->assign_tariff(site_default));
  open("A101", {meter(1)});
  delivered_sale("A101", 5000);
  read(meter(1), 10'000, 5000);
  store_->record_failed_cycle({meter(1)}, kT0, kRules);

  // No price: the site's stored tariff charges; the display shows 46.50 yuan.
  auto r = store_->replace_meter({meter(1), meter(3), "engineer", kT0 + std::chrono::hours(2),
                                  by_hand(13'000, 4650, std::nullopt)});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().charged_fen, 300);
  EXPECT_EQ(r.value().final_balance_fen, 4650);
  EXPECT_EQ(r.value().transferred_fen, 4650);
  EXPECT_EQ(store_->command(*r.value().credit_command)->amount_fen, 4650);
  EXPECT_EQ(store_->account_balance_fen("A101"), 4700);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(AdminOperationsTest, AManualReadingNeedsAPriceWhereNoTariffCoversItsInterval) {
  add_flat_tariff();
  open("A101", {meter(1)});
  delivered_sale("A101", 5000);
  read(meter(1), 10'000, 5000);
  TariffAssignRequest site_default;  // the site's tariff only from an hour after that reading
  site_default.name = "flat";
  site_default.operator_id = "m";
  site_default.at = kT0;
  site_default.from = kT0 + std::chrono::hours(1);
  ASSERT_TRUE(store_->assign_tariff(site_default));
  const auto before = snapshot();
  const auto at = kT0 + std::chrono::hours(2);
  auto unpriced =
      store_->replace_meter({meter(1), meter(3), "engineer", at, by_hand(12'000, 0, std::nullopt)});
  ASSERT_FALSE(unpriced);
  EXPECT_NE(unpriced.error().message.find("no stored tariff for (all of) the time"),
            std::string::npos);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(store_->account_balance_fen("A101"), 5000);
  // With a price: the first hour's energy at 0.60, the second's at the tariff's 1.00.
  auto r = store_->replace_meter({meter(1), meter(3), "engineer", at, by_hand(12'000, 0, 6000)});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().charged_fen, 160);
  EXPECT_EQ(store_->account_balance_fen("A101"), 4840);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(AdminOperationsTest, AHostSideMeterReplacedByHandIsChargedAndMovesNoMoney) {
  open("A106", {meter(6)});
  delivered_sale("A106", 5000);
  read(meter(6), 1000, 0);
  store_->record_failed_cycle({meter(6)}, kT0, kRules);
  auto r = store_->replace_meter({meter(6), meter(5), "engineer", kT0 + std::chrono::hours(1),
                                  by_hand(4000, std::nullopt, 6000)});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().charged_fen, 180);
  EXPECT_EQ(r.value().transferred_fen, 0);
  EXPECT_FALSE(r.value().credit_command);
  EXPECT_EQ(store_->ledger("A106").back().kind, EntryKind::kCharge);
  EXPECT_EQ(store_->account_balance_fen("A106"), 4820);
  EXPECT_EQ(store_->account("A106")->meters, std::vector<MeterId>{meter(5)});
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(AdminOperationsTest, ManualFinalReadingsOutsideTheRulesAreRefusedAndChangeNothing) {
  open("A101", {meter(1)});
  open("A102", {meter(2)});
  open("A106", {meter(6)});
  delivered_sale("A101", 5000);
  read(meter(1), 10'000, 5000);
  read(meter(1), 12'000, 4880);
  read(meter(6), 1000, 0);
  for (int i = 0; i < 3; ++i)
    store_->record_failed_cycle({meter(1)}, kT0, kRules);
  const auto before = snapshot();
  const auto readings = count(path_, "readings");
  const auto later = kT0 + std::chrono::hours(1);
  auto refusal = [&](const MeterId& old, TimePoint at, ManualFinalReading m) {
    auto r = store_->replace_meter({old, meter(3), "engineer", at, m});
    EXPECT_FALSE(r);
    return r ? std::string() : r.error().message;
  };
  using ::testing::HasSubstr;
  EXPECT_THAT(refusal(meter(1), later, by_hand(11'999, std::nullopt, 6000)),
              HasSubstr("final energy 11.999 kWh of meter bus1/1/1 is below the 12.000 kWh "
                        "already read and billed; energy never goes back"));
  EXPECT_THAT(refusal(meter(1), later, by_hand(-1, std::nullopt, 6000)), HasSubstr("out of range"));
  EXPECT_THAT(
      refusal(meter(1), later, by_hand(ManualFinalReading::kMaxEnergyWh + 1, std::nullopt, 6000)),
      HasSubstr("out of range"));
  EXPECT_THAT(
      refusal(meter(1), later, by_hand(13'000, ManualFinalReading::kMaxBalanceFen + 1, 6000)),
      HasSubstr("final balance"));
  EXPECT_THAT(refusal(meter(1), later, by_hand(13'000, std::nullopt, domain::kMaxPrice + 1)),
              HasSubstr("price"));
  EXPECT_THAT(refusal(meter(1), later, by_hand(13'000, std::nullopt, std::nullopt)),
              HasSubstr("has no stored tariff"));
  EXPECT_THAT(refusal(meter(1), kT0 - Millis(1), by_hand(13'000, std::nullopt, 6000)),
              HasSubstr("dated before its last stored reading"));
  // 2.001 kWh in the hour since the last reading: more than a 2000 W overload limit lets through.
  exec(path_, "UPDATE meters SET overload_w = 2000 WHERE id = 'bus1/1/1'");
  EXPECT_THAT(refusal(meter(1), later, by_hand(14'001, std::nullopt, 6000)),
              HasSubstr("is 2.001 kWh above its last reading 60 min ago, more than its overload "
                        "threshold of 2000 W could draw in that time (2.000 kWh)"));
  EXPECT_THAT(refusal(meter(6), later, by_hand(2000, 100, 6000)), HasSubstr("host-side"));
  EXPECT_THAT(refusal(meter(2), later, by_hand(2000, std::nullopt, 6000)),
              HasSubstr("was never read"));
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(count(path_, "readings"), readings);
  EXPECT_EQ(store_->account_balance_fen("A101"), 4880);
  EXPECT_EQ(store_->meter(meter(1))->last.energy_wh, 12'000);
  EXPECT_EQ(store_->account("A101")->meters, std::vector<MeterId>{meter(1)});
}

// ---- moving a meter ----

TEST_F(AdminOperationsTest, MovingAMeterMovesNoMoneyUnlessAsked) {
  open("A101", {meter(1), meter(2)});
  open("A103", {meter(3)});
  delivered_sale("A101", 5000);
  read(meter(2), 1000, 700);
  auto r = store_->move_meter({meter(2), "A103", false, "manager", kT0});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().from_account, "A101");
  EXPECT_EQ(r.value().transferred_fen, 0);
  EXPECT_EQ(r.value().meter_balance_fen, 700);
  EXPECT_EQ(store_->account_balance_fen("A101"), 5000);
  EXPECT_EQ(store_->account_balance_fen("A103"), 0);
  EXPECT_EQ(store_->account("A103")->meters, (std::vector<MeterId>{meter(3), meter(2)}));
  EXPECT_EQ(store_->meter(meter(2))->account, "A103");
  // Its energy from the last reading on is the new account's.
  read(meter(2), 2000, 640);
  EXPECT_EQ(store_->account_balance_fen("A103"), -60);
  EXPECT_EQ(store_->account_balance_fen("A101"), 5000);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(AdminOperationsTest, AHostSideMeterMovesWithoutMoneyItDoesNotHold) {
  open("A101", {meter(1), meter(2)});  // two meters: host-side, the ledger holds the money
  open("A103", {meter(3)});
  delivered_sale("A101", 5000);
  read(meter(2), 1000, 700);  // its balance register holds nobody's money
  const auto before = snapshot();
  auto r = store_->move_meter({meter(2), "A103", true, "manager", kT0});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("is billed host-side"), std::string::npos) << r.error().message;
  EXPECT_EQ(snapshot(), before);
}

TEST_F(AdminOperationsTest, MoveRefusalsChangeNothing) {
  open("A101", {meter(1), meter(2)});
  open("A103", {meter(3)});
  open("A104", {meter(4)});
  ASSERT_TRUE(store_->close_account({"A104", "manager", kT0}));
  test::drive_closings(*store_, "bus1", kT0, kRules);
  const auto before = snapshot();
  auto closed = store_->move_meter({meter(2), "A104", false, "m", kT0});
  ASSERT_FALSE(closed);
  EXPECT_NE(closed.error().message.find("A104 is closed"), std::string::npos);
  auto unknown = store_->move_meter({meter(2), "A999", false, "m", kT0});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, domain::ErrorKind::kNotFound);
  auto same = store_->move_meter({meter(2), "A101", false, "m", kT0});
  ASSERT_FALSE(same);
  auto only = store_->move_meter({meter(3), "A101", false, "m", kT0});
  ASSERT_FALSE(only);
  EXPECT_NE(only.error().message.find("only meter of account A103"), std::string::npos);
  auto unopened = store_->move_meter({meter(5), "A101", false, "m", kT0});
  ASSERT_FALSE(unopened);
  // A101 has two meters, so it is host-side: no money is on its meters to move.
  auto with_balance = store_->move_meter({meter(2), "A103", true, "m", kT0});
  ASSERT_FALSE(with_balance);
  EXPECT_NE(with_balance.error().message.find("billed host-side"), std::string::npos);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(store_->meter(meter(2))->account, "A101");
}

TEST_F(AdminOperationsTest, VerifyReportsAnUnpairedTransfer) {
  open("A101", {meter(1)});
  ASSERT_TRUE(store_->verify_ledger().empty());
  // A transfer_in out of nowhere, as a hand edit would leave it (balance kept consistent).
  exec(path_,
       "INSERT INTO ledger (seq, account, kind, meter, amount_fen, balance_after_fen, operator, "
       "at) VALUES (1, 'A101', 'transfer_in', 'bus1/1/1', 500, 500, 'x', 0); "
       "UPDATE accounts SET balance_fen = 500 WHERE id = 'A101';");
  // The journal's check finds the money created; the system log's, an entry of no row.
  const auto problems = store_->verify_ledger();
  ASSERT_EQ(problems.size(), 2U);
  EXPECT_NE(problems[0].find("money was created"), std::string::npos);
  EXPECT_NE(problems[1].find("refers to no system log row"), std::string::npos);
}

// ---- billing modes and the meter-side balance check ----

TEST_F(AdminOperationsTest, BillingModeComesFromTheMeterElseTheSite) {
  EXPECT_EQ(store_->meter(meter(1))->billing_mode, domain::BillingMode::kMeterSide);
  EXPECT_EQ(store_->meter(meter(6))->billing_mode, domain::BillingMode::kHostSide);
  auto m = site();
  m.settings.billing_mode = domain::BillingMode::kHostSide;
  ASSERT_TRUE(store_->import_site(m, "admin", kT0));
  EXPECT_EQ(store_->meter(meter(1))->billing_mode, domain::BillingMode::kHostSide);
}

TEST_F(AdminOperationsTest, MeterSideBalanceBeyondTheToleranceIsAnEventOnceAndClears) {
  open("A101", {meter(1)});
  delivered_sale("A101", 5000);
  read(meter(1), 10'000, 5000);  // agrees (and is the baseline)
  read(meter(1), 11'000, 4940);  // 1 kWh at 0.60 on both sides
  EXPECT_TRUE(event_kinds(meter(1)).empty());
  read(meter(1), 12'000, 4880 - 100);  // 1.00 off: within the tolerance
  EXPECT_TRUE(event_kinds(meter(1)).empty());
  read(meter(1), 13'000, 4820 - 101);  // 1.01 off
  EXPECT_EQ(event_kinds(meter(1)), std::vector<std::string>{"balance_mismatch"});
  EXPECT_EQ(store_->account("A101")->mismatch_fen, -101);
  read(meter(1), 14'000, 4760 - 300);  // still off: no second event
  EXPECT_EQ(event_kinds(meter(1)).size(), 1U);
  read(meter(1), 15'000, 4700);  // agrees again
  EXPECT_EQ(event_kinds(meter(1)),
            (std::vector<std::string>{"balance_mismatch", "balance_mismatch_cleared"}));
  EXPECT_FALSE(store_->account("A101")->mismatch_fen);
}

TEST_F(AdminOperationsTest, UndeliveredCreditAndLeftoverCreditAreNotMismatches) {
  open("A101", {meter(1)});
  read(meter(1), 10'000, 3000);  // 30.00 left on the meter by a former tenant: the baseline
  ASSERT_TRUE(store_->sale({"A101", 5000, "cashier", kT0}));  // pending: not on the meter yet
  read(meter(1), 10'000, 3000);
  EXPECT_TRUE(event_kinds(meter(1)).empty());
}

/// An account of several meters is billed host-side (issue 12.3): its meters are switched as it
/// opens, its sales credit no meter, and a meter moved into an account makes it host-side too.
TEST_F(AdminOperationsTest, AnAccountOfSeveralMetersIsHostSideFromItsOpening) {
  open("A101", {meter(1), meter(2)});
  for (const auto& id : {meter(1), meter(2)}) {
    EXPECT_EQ(store_->meter(id)->billing_mode, domain::BillingMode::kHostSide) << id.to_string();
  }
  EXPECT_NE(test::sql(path_, "SELECT details FROM audit WHERE action = 'open_account'")
                .find("\"host_side\":\"bus1/1/1,bus1/1/2\""),
            std::string::npos);
  auto sale = store_->sale({"A101", 5000, "cashier", kT0});
  ASSERT_TRUE(sale);
  EXPECT_EQ(sale.value(), kNoCredit);
  EXPECT_EQ(count(path_, "outbox"), 0);
  EXPECT_EQ(store_->account_balance_fen("A101"), 5000);
  EXPECT_TRUE(store_->verify_ledger().empty());
  // A site file that declares them meter-side does not split the account's money.
  EXPECT_EQ(store_->set_billing_mode({meter(1)}, domain::BillingMode::kMeterSide, "site-file", kT0),
            0);
  EXPECT_EQ(store_->meter(meter(1))->billing_mode, domain::BillingMode::kHostSide);
  EXPECT_EQ(event_kinds(meter(1)), std::vector<std::string>{"billing_mode_kept"});
  // A meter moved into a one-meter account makes that account host-side.
  open("A103", {meter(3)});
  ASSERT_TRUE(store_->move_meter({meter(2), "A103", false, "manager", kT0}));
  EXPECT_EQ(store_->meter(meter(3))->billing_mode, domain::BillingMode::kHostSide);
}

TEST_F(AdminOperationsTest, AnAccountWithAHostSideMeterIsNotChecked) {
  open("A101", {meter(1), meter(6)});
  delivered_sale("A101", 5000);
  CycleBatch cycle;
  domain::MeterReading r;
  r.energy_wh = 1000;
  r.balance_fen = 5000;
  r.mode = domain::MeterMode::kPrepaid;
  cycle.readings = {{meter(1), r}, {meter(6), r}};
  store_->record_cycle(cycle, kT0, kRules);
  cycle.readings[0].second.balance_fen = 123'456;
  store_->record_cycle(cycle, kT0, kRules);
  read(meter(1), 1000, 654'321);
  EXPECT_TRUE(event_kinds(meter(1)).empty());
  EXPECT_FALSE(store_->account("A101")->mismatch_fen);
}

TEST_F(AdminOperationsTest, HostSideMetersAreNotCheckedAgainstTheirBalanceRegister) {
  open("A106", {meter(6)});
  delivered_sale("A106", 5000);
  read(meter(6), 1000, 0);
  read(meter(6), 2000, 123'456);
  EXPECT_TRUE(event_kinds(meter(6)).empty());
}

// ---- converting an account to host-side (issue 12.3) ----

/// The ledger takes what the meter held, once, at the switch; the register is then emptied by a
/// debit that books nothing, once the meter is off prepaid mode so that it cannot trip itself.
TEST_F(AdminOperationsTest, AMeterMovedInMovesTheMeterSideMoneyIntoTheLedgerOnce) {
  move_into_meter_side_a103();
  EXPECT_EQ(store_->meter(meter(3))->billing_mode, domain::BillingMode::kHostSide);
  EXPECT_EQ(store_->account_balance_fen("A103"), 4930);  // what the meter held
  const auto entries = store_->ledger("A103");
  EXPECT_EQ(entries.back().kind, EntryKind::kSettleDebit);
  EXPECT_EQ(entries.back().amount_fen, 10);
  EXPECT_EQ(event_kinds(meter(3)), std::vector<std::string>{"billing_mode_switched"});
  EXPECT_NE(test::sql(path_, "SELECT details FROM audit WHERE action = 'move_meter'")
                .find("\"ledger_took_fen\":4930"),
            std::string::npos);
  auto conv = store_->meter_conversion(meter(3));
  ASSERT_TRUE(conv);
  EXPECT_EQ(conv->account, "A103");
  EXPECT_EQ(conv->settled_fen, -10);
  EXPECT_EQ(conv->outcome, "");
  // Nothing is debited before a reading taken off prepaid mode.
  EXPECT_EQ(store_->advance_conversions("bus1", kT0), 0);
  read_in(meter(3), 2000, 4930, domain::MeterMode::kPrepaid, kT0 + Millis(1000));
  EXPECT_EQ(store_->advance_conversions("bus1", kT0 + Millis(1000)), 0);
  read_in(meter(3), 2000, 4930, domain::MeterMode::kKeepPower, kT0 + Millis(2000));
  EXPECT_EQ(store_->advance_conversions("bus1", kT0 + Millis(2000)), 1);
  conv = store_->meter_conversion(meter(3));
  ASSERT_TRUE(conv->debit_command);
  const auto debit = store_->command(*conv->debit_command);
  EXPECT_EQ(debit->amount_fen, 4930);
  EXPECT_NE(debit->payload.find("purpose=convert"), std::string::npos);
  ASSERT_TRUE(test::deliver(*store_, debit->id, {}, kT0 + Millis(2000), kRules));
  EXPECT_EQ(store_->advance_conversions("bus1", kT0 + Millis(3000)), 1);
  conv = store_->meter_conversion(meter(3));
  EXPECT_EQ(conv->outcome, "emptied");
  EXPECT_EQ(conv->emptied_fen, 4930);
  EXPECT_EQ(store_->account_balance_fen("A103"), 4930);  // the debit booked nothing
  EXPECT_EQ(store_->ledger("A103").size(), entries.size());
  EXPECT_TRUE(store_->verify_ledger().empty());
  EXPECT_EQ(store_->advance_conversions("bus1", kT0 + Millis(4000)), 0);
}

TEST_F(AdminOperationsTest, ARefusedEmptyingIsRetriedFromANewerReadingThenGivenUp) {
  move_into_meter_side_a103();
  auto at = kT0;
  std::int64_t balance = 4930;
  for (int attempt = 1; attempt <= domain::kMaxConvertDebits; ++attempt) {
    at += Millis(1000);
    balance -= 1;  // keep_power: the register still counts down
    read_in(meter(3), 2000, balance, domain::MeterMode::kKeepPower, at);
    ASSERT_EQ(store_->advance_conversions("bus1", at), 1) << attempt;
    const auto conv = store_->meter_conversion(meter(3));
    ASSERT_TRUE(conv->debit_command) << attempt;
    EXPECT_EQ(store_->command(*conv->debit_command)->amount_fen, balance);
    store_->fail_command(*conv->debit_command, "exception 03: more than the balance", at);
    ASSERT_EQ(store_->advance_conversions("bus1", at), 1) << attempt;  // retry, or give up
    // Without a newer reading nothing is queued again.
    EXPECT_EQ(store_->advance_conversions("bus1", at), 0) << attempt;
  }
  const auto conv = store_->meter_conversion(meter(3));
  EXPECT_EQ(conv->outcome, "blocked");
  EXPECT_NE(conv->why.find("exception 03"), std::string::npos) << conv->why;
  EXPECT_EQ(conv->failed_debits, domain::kMaxConvertDebits - 1);
  EXPECT_EQ(event_kinds(meter(3)).back(), "conversion_blocked");
  EXPECT_EQ(store_->account_balance_fen("A103"), 4930);  // no money moved
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(AdminOperationsTest, AnEmptyingEndsWhenTheMeterLeavesOrHoldsNothing) {
  move_into_meter_side_a103();
  // The meter held nothing more at a reading off prepaid mode (it was forced off in arrears).
  read_in(meter(3), 2000, 0, domain::MeterMode::kForcedOff, kT0 + Millis(1000));
  EXPECT_EQ(store_->advance_conversions("bus1", kT0 + Millis(1000)), 1);
  EXPECT_EQ(store_->meter_conversion(meter(3))->outcome, "emptied");
  EXPECT_EQ(store_->meter_conversion(meter(3))->emptied_fen, 0);
  // A meter that leaves the account before its register is emptied: cancelled.
  open("A104", {meter(4)});
  delivered_sale("A104", 2000);
  read(meter(4), 1000, 2000);
  ASSERT_TRUE(store_->move_meter({meter(2), "A104", false, "manager", kT0}));
  ASSERT_TRUE(store_->meter_conversion(meter(4)));
  ASSERT_TRUE(store_->close_account({"A104", "manager", kT0}));
  test::drive_closings(*store_, "bus1", kT0 + Millis(2000), kRules);
  EXPECT_EQ(store_->advance_conversions("bus1", kT0 + Millis(3000)), 1);
  EXPECT_EQ(store_->meter_conversion(meter(4))->outcome, "cancelled");
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(AdminOperationsTest, MovingIntoAnAccountWhoseCreditIsOnItsWayIsRefused) {
  open("A101", {meter(1), meter(2)});
  open("A103", {meter(3)});
  ASSERT_TRUE(store_->sale({"A103", 5000, "cashier", kT0}));  // not delivered yet
  const auto before = snapshot();
  auto r = store_->move_meter({meter(2), "A103", false, "manager", kT0});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("credit"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("not delivered yet"), std::string::npos);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(store_->meter(meter(3))->billing_mode, domain::BillingMode::kMeterSide);
  EXPECT_FALSE(store_->meter_conversion(meter(3)));
}

TEST_F(AdminOperationsTest, TheSiteFileDeclaringHostSideConvertsAMeterSideAccountOnce) {
  open("A103", {meter(3)});
  ASSERT_TRUE(store_->sale({"A103", 5000, "cashier", kT0}));  // its credit not delivered yet
  const auto before = snapshot();
  // While a credit is on its way what the meter holds is not known: kept, with an event.
  EXPECT_EQ(store_->set_billing_mode({meter(3)}, BillingMode::kHostSide, "site-file", kT0), 0);
  EXPECT_EQ(store_->meter(meter(3))->billing_mode, BillingMode::kMeterSide);
  EXPECT_EQ(event_kinds(meter(3)).back(), "billing_mode_kept");
  EXPECT_EQ(count(path_, "ledger"), before[0]);
  const auto credit = store_->meter_commands(meter(3), 1).front().id;
  ASSERT_TRUE(test::deliver(*store_, credit, {}, kT0, kRules));
  read(meter(3), 1000, 5000);
  read(meter(3), 2000, 4930);  // the meter took 0.10 more than the ledger's 0.60
  EXPECT_EQ(store_->set_billing_mode({meter(3)}, BillingMode::kHostSide, "site-file", kT0), 1);
  EXPECT_EQ(store_->meter(meter(3))->billing_mode, BillingMode::kHostSide);
  EXPECT_EQ(store_->account_balance_fen("A103"), 4930);  // what the meter held
  EXPECT_NE(test::sql(path_, "SELECT details FROM audit WHERE action = 'billing_mode'")
                .find("\"ledger_took_fen\":4930"),
            std::string::npos);
  const auto conv = store_->meter_conversion(meter(3));
  ASSERT_TRUE(conv);
  EXPECT_FALSE(conv->back);
  EXPECT_NE(conv->reason.find("site file"), std::string::npos) << conv->reason;
  // Declared again at the next start: nothing more.
  const auto after = snapshot();
  EXPECT_EQ(store_->set_billing_mode({meter(3)}, BillingMode::kHostSide, "site-file", kT0), 0);
  EXPECT_EQ(snapshot(), after);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

/// v15 rebuilds conversions for the way back: an emptying stored before it keeps every field and
/// is an emptying (direction host_side) afterwards, still advanced to its end.
TEST_F(AdminOperationsTest, MigrationV15KeepsAnEmptyingGoingOn) {
  move_into_meter_side_a103();
  read_in(meter(3), 2000, 4930, domain::MeterMode::kKeepPower, kT0 + Millis(1000));
  ASSERT_EQ(store_->advance_conversions("bus1", kT0 + Millis(1000)), 1);  // the debit queued
  const auto before = store_->meter_conversion(meter(3));
  store_.reset();
  ASSERT_EQ(test::undo_schema_to(path_, sqlite_schema_version(), 14), "");
  store_ = open_sqlite_store(path_);
  EXPECT_EQ(test::sql(path_, "PRAGMA user_version"), std::to_string(sqlite_schema_version()) + "|");
  const auto after = store_->meter_conversion(meter(3));
  ASSERT_TRUE(after);
  EXPECT_FALSE(after->back);
  EXPECT_EQ(after->reason, before->reason);
  EXPECT_EQ(after->settled_fen, -10);
  EXPECT_EQ(after->debit_command, before->debit_command);
  ASSERT_TRUE(test::deliver(*store_, *after->debit_command, {}, kT0, kRules));
  EXPECT_EQ(store_->advance_conversions("bus1", kT0 + Millis(2000)), 1);
  EXPECT_EQ(store_->meter_conversion(meter(3))->outcome, "emptied");
  // One open conversion per meter still holds after the rebuild.
  EXPECT_EQ(test::sql(path_, "SELECT count(*) FROM sqlite_master WHERE name = 'conversions_open'"),
            "1|");
}

/// A host-side A103 (meter 3 registered host-side before the account was opened) holding 30.00
/// in the ledger, its meter's register at 2.00 (never the account's), read off prepaid mode.
class WayBackTest : public AdminOperationsTest {
 protected:
  void SetUp() override {
    AdminOperationsTest::SetUp();
    ASSERT_EQ(store_->set_billing_mode({meter(3)}, BillingMode::kHostSide, "site-file", kT0), 1);
    open("A103", {meter(3)});
    ASSERT_EQ(store_->sale({"A103", 3000, "cashier", kT0}).value(), kNoCredit);
    read_in(meter(3), 1000, 200, domain::MeterMode::kKeepPower, at(1));
  }
  static TimePoint at(int seconds) { return kT0 + Millis(std::int64_t{seconds} * 1000); }
  /// Delivers the command the way back queued and returns it.
  CommandRecord deliver(TimePoint when) {
    const auto conv = store_->meter_conversion(meter(3));
    EXPECT_TRUE(conv && conv->debit_command);
    auto cmd = *store_->command(*conv->debit_command);
    EXPECT_TRUE(test::deliver(*store_, cmd.id, {}, when, kRules));
    return cmd;
  }
};

TEST_F(WayBackTest, PutsTheLedgersMoneyOntoTheMeterOnceThenBillsItMeterSide) {
  EXPECT_EQ(store_->set_billing_mode({meter(3)}, BillingMode::kMeterSide, "site-file", at(2)), 1);
  // Host-side until the meter holds the money.
  EXPECT_EQ(store_->meter(meter(3))->billing_mode, BillingMode::kHostSide);
  EXPECT_EQ(event_kinds(meter(3)).back(), "billing_mode_switching");
  ASSERT_TRUE(store_->meter_conversion(meter(3))->back);
  // A reading after the start decides: 30.00 - 2.00 = a convert credit of 28.00.
  EXPECT_EQ(store_->advance_conversions("bus1", at(2)), 0);
  read_in(meter(3), 1000, 200, domain::MeterMode::kKeepPower, at(3));
  EXPECT_EQ(store_->advance_conversions("bus1", at(3)), 1);
  const auto credit = deliver(at(4));
  EXPECT_EQ(credit.kind, CommandKind::kCredit);
  EXPECT_EQ(credit.amount_fen, 2800);
  EXPECT_EQ(credit.payload, "amount_fen=2800 purpose=convert");
  EXPECT_EQ(store_->advance_conversions("bus1", at(4)), 1);  // confirmed: check at a reading
  EXPECT_EQ(store_->meter(meter(3))->billing_mode, BillingMode::kHostSide);
  // A sale while it was on its way: the ledger has 40.00, the meter 30.00; one more credit.
  ASSERT_EQ(store_->sale({"A103", 1000, "cashier", at(5)}).value(), kNoCredit);
  read_in(meter(3), 1000, 3000, domain::MeterMode::kKeepPower, at(6));
  EXPECT_EQ(store_->advance_conversions("bus1", at(6)), 1);
  EXPECT_EQ(deliver(at(7)).amount_fen, 1000);
  EXPECT_EQ(store_->advance_conversions("bus1", at(7)), 1);
  read_in(meter(3), 1000, 4000, domain::MeterMode::kKeepPower, at(8));
  EXPECT_EQ(store_->advance_conversions("bus1", at(8)), 1);
  const auto conv = store_->meter_conversion(meter(3));
  EXPECT_EQ(conv->outcome, "filled");
  EXPECT_EQ(conv->moved_fen, 3800);
  EXPECT_EQ(store_->meter(meter(3))->billing_mode, BillingMode::kMeterSide);
  EXPECT_EQ(event_kinds(meter(3)).back(), "billing_mode_switched");
  // Back to prepaid mode, by the system; the ledger booked nothing for the credits.
  const auto recent = store_->meter_commands(meter(3), 3);
  const auto mode = std::find_if(recent.begin(), recent.end(),
                                 [](const auto& c) { return c.kind == CommandKind::kMode; });
  ASSERT_NE(mode, recent.end());
  EXPECT_EQ(mode->payload, "relay=prepaid");
  EXPECT_EQ(mode->operator_id, "system");
  EXPECT_EQ(store_->account_balance_fen("A103"), 4000);
  EXPECT_TRUE(store_->verify_ledger().empty());
  EXPECT_EQ(store_->advance_conversions("bus1", at(9)), 0);
  // From here the meter holds the money: a sale credits it.
  EXPECT_NE(store_->sale({"A103", 500, "cashier", at(10)}).value(), kNoCredit);
}

TEST_F(WayBackTest, WaitsInArrearsEndsWhenDeclaredHostSideAndIsKeptForATieredTariff) {
  // In arrears the meter cannot hold the account's money: it waits for a sale.
  read_in(meter(3), 60'000, 200, domain::MeterMode::kForcedOff, at(2));  // 59 kWh at 0.60
  ASSERT_LT(*store_->account_balance_fen("A103"), 0);
  EXPECT_EQ(store_->set_billing_mode({meter(3)}, BillingMode::kMeterSide, "site-file", at(3)), 1);
  read_in(meter(3), 60'000, 200, domain::MeterMode::kForcedOff, at(4));
  EXPECT_EQ(store_->advance_conversions("bus1", at(4)), 0);
  EXPECT_FALSE(store_->meter_conversion(meter(3))->debit_command);
  // Declared host-side again: the way back ends, nothing moved.
  EXPECT_EQ(store_->set_billing_mode({meter(3)}, BillingMode::kHostSide, "site-file", at(5)), 0);
  EXPECT_EQ(store_->meter_conversion(meter(3))->outcome, "cancelled");
  EXPECT_EQ(store_->meter(meter(3))->billing_mode, BillingMode::kHostSide);
  // A tiered tariff in force: the meter cannot apply it.
  domain::Tariff tiered;
  tiered.rates = {6000, 6000, 6000, 6000};
  tiered.tier_period = domain::TierPeriod::kMonthly;
  tiered.tiers = {{0, 0}, {1000, 1000}};
  ASSERT_TRUE(store_->add_tariff(
      {"stepped", {kT0 - std::chrono::hours(1), tiered}, std::chrono::minutes(480), "m", kT0}));
  ASSERT_TRUE(store_->assign_tariff({"stepped", meter(3), "m", at(6)}));
  const auto before = snapshot();
  EXPECT_EQ(store_->set_billing_mode({meter(3)}, BillingMode::kMeterSide, "site-file", at(7)), 0);
  EXPECT_EQ(event_kinds(meter(3)).back(), "billing_mode_kept");
  EXPECT_EQ(store_->meter_conversion(meter(3))->outcome, "cancelled");  // no new way back
  EXPECT_EQ(count(path_, "outbox"), before[2]);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(WayBackTest, ARegisterHoldingMoreIsDebitedAndAFailingOneIsGivenUp) {
  read_in(meter(3), 1000, 5000, domain::MeterMode::kKeepPower, at(2));  // 50.00 on the meter
  EXPECT_EQ(store_->set_billing_mode({meter(3)}, BillingMode::kMeterSide, "site-file", at(3)), 1);
  auto when = 3;
  for (int n = 1; n <= domain::kMaxConvertDebits; ++n) {
    read_in(meter(3), 1000, 5000, domain::MeterMode::kKeepPower, at(++when));
    ASSERT_EQ(store_->advance_conversions("bus1", at(when)), 1) << n;
    const auto conv = store_->meter_conversion(meter(3));
    ASSERT_TRUE(conv->debit_command) << n;
    const auto debit = *store_->command(*conv->debit_command);
    EXPECT_EQ(debit.kind, CommandKind::kDebit);
    EXPECT_EQ(debit.amount_fen, 2000);
    store_->fail_command(debit.id, "no reply", at(when));
    ASSERT_EQ(store_->advance_conversions("bus1", at(when)), 1) << n;
  }
  read_in(meter(3), 1000, 5000, domain::MeterMode::kKeepPower, at(++when));
  ASSERT_EQ(store_->advance_conversions("bus1", at(when)), 1);
  const auto conv = store_->meter_conversion(meter(3));
  EXPECT_EQ(conv->outcome, "blocked");
  EXPECT_EQ(conv->moved_fen, 0);
  EXPECT_EQ(event_kinds(meter(3)).back(), "conversion_blocked");
  EXPECT_EQ(store_->meter(meter(3))->billing_mode, BillingMode::kHostSide);
  EXPECT_EQ(store_->account_balance_fen("A103"), 3000);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

}  // namespace
}  // namespace phil::store
