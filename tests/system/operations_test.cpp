// service::Operations, the front door: every action writes exactly one audit row naming its actor
// (in the action's own transaction), a refused action writes nothing, queries write nothing; the
// site file's registration; read-now targets checked against the site file.
#include <gtest/gtest.h>

#include <phil/service/operations.hpp>
#include <phil/store/store.hpp>

#include "support/fake_adf300.hpp"
#include "support/sqlite_count.hpp"
#include "support/temp_dir.hpp"

namespace phil::service {
namespace {

using domain::ErrorKind;
using domain::MeterId;

constexpr TimePoint kT0{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z
constexpr store::BillingRules kRules{6000, 3};
/// The device profiles' models as an import sees them (profiles/adf300l.yaml's names).
std::vector<devices::ModelCircuits> models() {
  return {{"adf300l-i", 12}, {"adf300l-iii", 36}};
}

MeterId meter(int box, int circuit) {
  return MeterId{"bus1", box, circuit};
}

/// bus1: box 1 (adf300l-i, 12 circuits, meter-side), box 2 (adf300l-i, declared host-side).
SiteConfig site_file() {
  SiteConfig site;
  site.name = "ops";
  site.profiles_dir = test::test_profiles_dir();
  BusConfig bus;
  bus.id = "bus1";
  bus.port = "/dev/null-not-used";
  bus.boxes = {{1, "adf300l-i", "adf300l"}, {2, "adf300l-i", "adf300l"}};
  bus.box_billing[2] = domain::BillingMode::kHostSide;
  site.buses = {bus};
  return site;
}

class OperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("site.db");
    ops_ = Operations::open(db_, clock_, site_file());
    ASSERT_TRUE(ops_->register_site(kAdmin));
    // The daemon's side, which Operations does not play: delivering and reading meters.
    daemon_ = store::open_sqlite_store(db_);
  }

  std::int64_t audit_rows() const { return test::count_rows(db_, "audit"); }
  /// "operator|action|" of the newest audit row.
  std::string last_audit() const {
    return test::sql(db_, "SELECT operator, action FROM audit ORDER BY id DESC LIMIT 1");
  }
  /// Expects `action` to have written exactly one audit row, naming `who` and `what`.
  template <typename F>
  void expect_one_audit_row(const Actor& who, const std::string& what, F action) {
    const auto before = audit_rows();
    const auto r = action();
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(audit_rows(), before + 1) << what;
    EXPECT_EQ(last_audit(), who.id + "|" + what + "|");
  }
  /// Expects `action` to be refused with `kind` and to write nothing (audit, ledger, outbox).
  template <typename F>
  void expect_refused_unwritten(ErrorKind kind, F action) {
    const auto before = tables();
    const auto r = action();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, kind) << r.error().message;
    EXPECT_EQ(tables(), before) << r.error().message;
  }
  std::vector<std::int64_t> tables() const {
    return {audit_rows(), test::count_rows(db_, "ledger"), test::count_rows(db_, "outbox"),
            test::count_rows(db_, "read_requests"), test::count_rows(db_, "tariffs")};
  }
  /// The daemon confirms the newest open command of `id`.
  void confirm(const MeterId& id) {
    const auto cmds = daemon_->meter_commands(id, 1);
    ASSERT_FALSE(cmds.empty());
    ASSERT_TRUE(daemon_->try_begin_attempt(cmds.front().id, std::uint16_t{1}, kT0));
    daemon_->confirm_command(cmds.front().id, {}, kT0, kRules);
  }
  /// The daemon stores a reading of `id` (relay closed, prepaid).
  void read(const MeterId& id, std::int64_t energy_wh, std::int64_t balance_fen) {
    domain::MeterReading r;
    r.energy_wh = energy_wh;
    r.balance_fen = balance_fen;
    r.relay_closed = true;
    r.mode = domain::MeterMode::kPrepaid;
    daemon_->record_readings({{id, r}}, kT0, kRules);
  }

  const Actor kAdmin{"admin"};
  const Actor kCashier{"cashier"};
  test::TempDir dir_;
  std::string db_;
  domain::ManualClock clock_{kT0};
  std::unique_ptr<Operations> ops_;
  std::unique_ptr<store::Store> daemon_;
};

TEST_F(OperationsTest, RegisterSiteRegistersEveryCircuitOfTheProfileAndTheDeclaredBillingModes) {
  EXPECT_TRUE(ops_->meter(kAdmin, meter(1, 12)));
  const auto beyond = ops_->meter(kAdmin, meter(1, 13));
  ASSERT_FALSE(beyond);
  EXPECT_EQ(beyond.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(ops_->meter_placement(kAdmin, meter(1, 1)).value().billing_mode,
            domain::BillingMode::kMeterSide);
  EXPECT_EQ(ops_->meter_placement(kAdmin, meter(2, 5)).value().billing_mode,
            domain::BillingMode::kHostSide);
  // The billing-mode change is audited in the name of who registered the site, once.
  EXPECT_EQ(last_audit(), "admin|billing_mode|");
  const auto before = audit_rows();
  ASSERT_TRUE(ops_->register_site(kCashier));
  EXPECT_EQ(audit_rows(), before);
}

TEST_F(OperationsTest, RegisterSiteAndReadNowWithoutASiteFileAreRefused) {
  const auto bare = Operations::open(db_, clock_);
  expect_refused_unwritten(ErrorKind::kInvalid, [&] { return bare->register_site(kAdmin); });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] { return bare->read_now(kAdmin, "bus1"); });
}

TEST_F(OperationsTest, MoneyActionsWriteOneAuditRowEachAndRefusalsNothing) {
  expect_one_audit_row(kCashier, "open_account", [&] {
    return ops_->open_account(kCashier, {"A1", "Li", {meter(1, 1)}, 0, {"13800138000", {}}});
  });
  expect_refused_unwritten(ErrorKind::kRefused, [&] {
    return ops_->open_account(kCashier, {"A1", "Li", {meter(1, 2)}, 0, {}});
  });
  expect_one_audit_row(kCashier, "sale", [&] { return ops_->sale(kCashier, "A1", 2000); });
  // The sale's ledger entry and its credit were written with the audit row.
  EXPECT_EQ(ops_->ledger(kCashier, "A1").value().size(), 1U);
  EXPECT_EQ(ops_->meter_commands(kCashier, meter(1, 1), 10).value().size(), 1U);
  expect_refused_unwritten(ErrorKind::kNotFound,
                           [&] { return ops_->sale(kCashier, "nobody", 2000); });
  // A credit never written to the meter can be reversed.
  const auto sale_seq = ops_->ledger(kCashier, "A1").value().back().seq;
  expect_one_audit_row(kAdmin, "reversal", [&] { return ops_->reversal(kAdmin, sale_seq); });
  expect_refused_unwritten(ErrorKind::kRefused, [&] { return ops_->reversal(kAdmin, sale_seq); });

  ASSERT_TRUE(ops_->sale(kCashier, "A1", 1000));
  expect_refused_unwritten(ErrorKind::kRefused,  // its credit is not delivered yet
                           [&] { return ops_->refund(kCashier, "A1", 300); });
  confirm(meter(1, 1));
  expect_one_audit_row(kCashier, "refund", [&] { return ops_->refund(kCashier, "A1", 300); });
  EXPECT_EQ(ops_->account_balance_fen(kCashier, "A1").value(), 700);
  expect_one_audit_row(kAdmin, "close_account", [&] { return ops_->close_account(kAdmin, "A1"); });
  EXPECT_EQ(ops_->account_balance_fen(kCashier, "A1").value(), 0);
  expect_refused_unwritten(ErrorKind::kRefused, [&] { return ops_->close_account(kAdmin, "A1"); });
  EXPECT_TRUE(ops_->verify_ledger(kAdmin).value().empty());
}

TEST_F(OperationsTest, MeterActionsWriteOneAuditRowEachAndRefusalsNothing) {
  ASSERT_TRUE(ops_->open_account(kAdmin, {"A2", "", {meter(1, 3), meter(1, 5)}, 0, {}}));
  ASSERT_TRUE(ops_->open_account(kAdmin, {"A3", "", {meter(1, 6)}, 0, {}}));
  read(meter(1, 3), 10'000, 0);
  expect_one_audit_row(kAdmin, "replace_meter",
                       [&] { return ops_->replace_meter(kAdmin, meter(1, 3), meter(1, 4)); });
  expect_refused_unwritten(ErrorKind::kRefused, [&] {  // no longer in an open account
    return ops_->replace_meter(kAdmin, meter(1, 3), meter(1, 7));
  });
  expect_one_audit_row(kAdmin, "move_meter",
                       [&] { return ops_->move_meter(kAdmin, meter(1, 5), "A3", false); });
  expect_refused_unwritten(ErrorKind::kNotFound,
                           [&] { return ops_->move_meter(kAdmin, meter(1, 5), "A9", false); });
  EXPECT_EQ(ops_->account(kAdmin, "A2").value().meters, std::vector<MeterId>{meter(1, 4)});
}

TEST_F(OperationsTest, CommandsAndReadNowWriteOneAuditRowEachAndRefusalsNothing) {
  expect_one_audit_row(kAdmin, "command", [&] {
    return ops_->command(kAdmin, meter(1, 2),
                         domain::ModePayload{domain::RelayCommand::kForcedOff});
  });
  expect_refused_unwritten(ErrorKind::kRefused, [&] {
    return ops_->command(kAdmin, MeterId{"bus1", 9, 1},
                         domain::ModePayload{domain::RelayCommand::kForcedOff});
  });
  expect_one_audit_row(kAdmin, "read_now", [&] { return ops_->read_now(kAdmin, "bus1/1/12"); });
  const auto id = ops_->read_now(kAdmin, "bus1/2");
  ASSERT_TRUE(id);
  EXPECT_EQ(ops_->read_request(kAdmin, id.value()).value().state, "pending");
  EXPECT_EQ(ops_->read_request(kAdmin, id.value()).value().target, "bus1/2");
  for (const char* target : {"bus9", "bus1/7", "bus1/x", "bus1/1/13"}) {
    expect_refused_unwritten(ErrorKind::kNotFound, [&] { return ops_->read_now(kAdmin, target); });
  }
  EXPECT_EQ(ops_->read_now(kAdmin, "bus1/1/13").error().message,
            "read-now bus1/1/13: box 1 has circuits 1..12");
}

TEST_F(OperationsTest, TariffAndSiteActionsWriteTheirAuditRowsAndRefusalsNothing) {
  domain::Tariff flat;
  flat.rates = {10'000, 10'000, 10'000, 10'000};
  const AddTariff add{"flat", {kT0 - std::chrono::hours(1), flat}, std::chrono::minutes(480)};
  expect_one_audit_row(kAdmin, "tariff_add", [&] { return ops_->add_tariff(kAdmin, add); });
  expect_refused_unwritten(ErrorKind::kRefused, [&] {
    return ops_->add_tariff(kAdmin, {"", add.version, add.utc_offset});
  });
  expect_one_audit_row(kAdmin, "tariff_assign", [&] {
    return ops_->assign_tariff(kAdmin, {"flat", std::nullopt});
  });
  expect_refused_unwritten(ErrorKind::kNotFound, [&] {
    return ops_->assign_tariff(kAdmin, {"none", meter(1, 1)});
  });
  EXPECT_TRUE(ops_->tariffs(kAdmin).value().front().site_default);

  domain::SiteModel model;
  model.settings.name = "ops";
  model.buildings = {{"b1", ""}};
  model.floors = {{"b1", 1}};
  model.buses = {{"bus1", ""}};
  model.boxes = {{"bus1", 1, "adf300l-i", "b1", 1}};
  model.meters = {{meter(1, 1), std::nullopt, {}, std::nullopt}};
  expect_one_audit_row(kAdmin, "site_import",
                       [&] { return ops_->import_site(kAdmin, model, models()); });
  // The same file again changes nothing, so it writes nothing.
  const auto before = audit_rows();
  ASSERT_TRUE(ops_->import_site(kAdmin, model, models()));
  EXPECT_EQ(audit_rows(), before);
  model.meters.push_back({meter(1, 1), std::nullopt, {}, std::nullopt});  // listed twice
  expect_refused_unwritten(ErrorKind::kInvalid,
                           [&] { return ops_->import_site(kAdmin, model, models()); });
}

TEST_F(OperationsTest, AnImportOfAnUnknownModelOrACircuitItsModelLacksIsRefusedUnwritten) {
  domain::SiteModel model;
  model.settings.name = "ops";
  model.buildings = {{"b1", ""}};
  model.floors = {{"b1", 1}};
  model.buses = {{"bus1", ""}};
  model.boxes = {{"bus1", 1, "adf999", "b1", 1}, {"bus1", 2, "adf300l-iii", "b1", 1}};
  model.meters = {{meter(1, 1), std::nullopt, {}, std::nullopt},
                  {meter(2, 36), std::nullopt, {}, std::nullopt},
                  {meter(2, 37), std::nullopt, {}, std::nullopt}};
  expect_refused_unwritten(ErrorKind::kInvalid,
                           [&] { return ops_->import_site(kAdmin, model, models()); });
  EXPECT_EQ(ops_->import_site(kAdmin, model, models()).error().message,
            "the site model is refused, nothing was imported:\n"
            "  box bus1/1: unknown model \"adf999\"; the profiles define: adf300l-i, "
            "adf300l-iii. Correct the model name\n"
            "  meter bus1/2/37: circuit 37 does not exist on model adf300l-iii (circuits 1..36). "
            "Use a circuit in range");
  model.boxes.front().model = "adf300l-i";
  model.meters.pop_back();
  EXPECT_TRUE(ops_->import_site(kAdmin, model, models()));
}

TEST_F(OperationsTest, TextThatIsNotPrintableUtf8OrTooLongIsRefusedAtTheDoorNamingFieldAndValue) {
  const std::string not_utf8 = "Li \xFF";
  const std::string escape = "Li\x1b[2J";
  const std::string line_break = "Li\nBad";
  const std::string too_long(TextLimits::kName + 1, 'x');
  for (const auto& tenant : {not_utf8, escape, line_break, too_long}) {
    expect_refused_unwritten(ErrorKind::kInvalid, [&] {
      return ops_->open_account(kAdmin, {"A1", tenant, {meter(1, 1)}, 0, {}});
    });
  }
  EXPECT_EQ(ops_->open_account(kAdmin, {"A1", escape, {meter(1, 1)}, 0, {}}).error().message,
            "tenant name \"Li\\u{1B}[2J\": control character U+001B at character 3; give "
            "printable text on one line");
  EXPECT_EQ(ops_->open_account(kAdmin, {"A1", not_utf8, {meter(1, 1)}, 0, {}}).error().message,
            "tenant name \"Li \\xFF\": not UTF-8 (byte 0xFF at character 4); give the text in "
            "UTF-8");
  EXPECT_EQ(
      ops_->open_account(kAdmin, {"A1", too_long, {meter(1, 1)}, 0, {}}).error().message,
      "tenant name \"" + too_long + "\": too long (201 bytes); give at most 200 bytes of UTF-8");
  // At the limit, and in Chinese, a name is taken.
  ASSERT_TRUE(ops_->open_account(
      kAdmin, {"A1", std::string(TextLimits::kName, 'x'), {meter(1, 1)}, 0, {}}));
  ASSERT_TRUE(ops_->open_account(kAdmin, {"A2", "\xE5\xBC\xA0\xE4\xB8\x89", {meter(1, 2)}, 0, {}}));

  // Every other text an action takes passes the same check.
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->open_account(kAdmin, {"A\t3", "", {meter(1, 3)}, 0, {}});
  });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->open_account(kAdmin, {"A3", "", {meter(1, 3)}, 0, {"138\x07", std::nullopt}});
  });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] { return ops_->sale(kAdmin, escape, 100); });
  expect_refused_unwritten(ErrorKind::kInvalid,
                           [&] { return ops_->refund(kAdmin, not_utf8, 100); });
  expect_refused_unwritten(ErrorKind::kInvalid,
                           [&] { return ops_->close_account(kAdmin, line_break); });
  expect_refused_unwritten(ErrorKind::kInvalid,
                           [&] { return ops_->move_meter(kAdmin, meter(1, 1), escape, false); });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] { return ops_->read_now(kAdmin, escape); });
  expect_refused_unwritten(ErrorKind::kInvalid,
                           [&] { return ops_->sale(Actor{"ad\nmin"}, "A1", 100); });
  domain::Tariff flat;
  flat.rates = {10'000, 10'000, 10'000, 10'000};
  const AddTariff add{std::string(TextLimits::kTariffName + 1, 't'),
                      {kT0 - std::chrono::hours(1), flat},
                      std::chrono::minutes(480)};
  expect_refused_unwritten(ErrorKind::kInvalid, [&] { return ops_->add_tariff(kAdmin, add); });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->assign_tariff(kAdmin, {not_utf8, std::nullopt});
  });

  // A site model's texts too; an account's refusal says where it is declared.
  domain::SiteModel model;
  model.settings.name = "ops";
  model.buildings = {{"b1", "Tower\x1b"}};
  expect_refused_unwritten(ErrorKind::kInvalid,
                           [&] { return ops_->import_site(kAdmin, model, models()); });
  model.buildings = {{"b1", ""}};
  model.accounts = {{"A9", not_utf8, {}, {}, {meter(1, 9)}, 0, "site.yaml:7:5"}};
  EXPECT_EQ(ops_->import_site(kAdmin, model, models()).error().message,
            "site.yaml:7:5: tenant name \"Li \\xFF\": not UTF-8 (byte 0xFF at character 4); give "
            "the text in UTF-8");
}

TEST_F(OperationsTest, AnAmountBeyondOneSaleIsRefusedInYuanBeforeTheStore) {
  ASSERT_TRUE(ops_->open_account(kAdmin, {"A1", "Li", {meter(1, 1)}, 0, {}}));
  expect_refused_unwritten(ErrorKind::kInvalid,
                           [&] { return ops_->sale(kAdmin, "A1", 5'000'000'000'000); });
  EXPECT_EQ(ops_->sale(kAdmin, "A1", 5'000'000'000'000).error().message,
            "sale of 50000000000.00 yuan is more than one sale may be (at most 1000000.00 yuan); "
            "check the amount, or split it");
  expect_refused_unwritten(ErrorKind::kInvalid,
                           [&] { return ops_->refund(kAdmin, "A1", kMaxAmountFen + 1); });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->open_account(kAdmin, {"A2", "", {meter(1, 2)}, kMaxAmountFen + 1, {}});
  });
  EXPECT_TRUE(ops_->sale(kAdmin, "A1", kMaxAmountFen));
}

TEST_F(OperationsTest, QueriesWriteNothingAndSayWhatIsMissing) {
  const auto before = tables();
  const auto account = ops_->account(kCashier, "A404");
  ASSERT_FALSE(account);
  EXPECT_EQ(account.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(account.error().message, "account A404 does not exist; check the id");
  EXPECT_FALSE(ops_->account_balance_fen(kCashier, "A404"));
  EXPECT_FALSE(ops_->meter_placement(kCashier, MeterId{"bus2", 1, 1}));
  EXPECT_FALSE(ops_->read_request(kCashier, 99));
  EXPECT_TRUE(ops_->events(kCashier, std::nullopt).value().empty());
  EXPECT_TRUE(ops_->ledger(kCashier, std::nullopt).value().empty());
  EXPECT_EQ(tables(), before);
}

}  // namespace
}  // namespace phil::service
