// service::Operations, the front door: every action writes exactly one audit row naming its actor
// (in the action's own transaction), a refused action writes nothing, queries write nothing; the
// site file's registration; read-now targets checked against the site file.
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include <phil/service/operations.hpp>
#include <phil/store/store.hpp>

#include "support/actors.hpp"
#include "support/closing_driver.hpp"
#include "support/fake_adf300.hpp"
#include "support/sqlite_count.hpp"
#include "support/temp_dir.hpp"
#include "support/two_box_site.hpp"

namespace phil::service {
namespace {

/// The error of a result, or nullopt.
template <typename T>
std::optional<domain::Error> error_of(const domain::Result<T>& r) {
  if (r) return std::nullopt;
  return r.error();
}

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

SiteConfig site_file() {
  return test::two_box_site("ops");
}

class OperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("site.db");
    ops_ = Operations::open(db_, clock_, site_file());
    ASSERT_TRUE(ops_->register_site(test::as(kAdmin, domain::Action::kRegisterSite)));
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
  EXPECT_TRUE(ops_->meter(test::as(kAdmin, domain::Action::kQuery), meter(1, 12)));
  const auto beyond = ops_->meter(test::as(kAdmin, domain::Action::kQuery), meter(1, 13));
  ASSERT_FALSE(beyond);
  EXPECT_EQ(beyond.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(ops_->meter_placement(test::as(kAdmin, domain::Action::kQuery), meter(1, 1))
                .value()
                .billing_mode,
            domain::BillingMode::kMeterSide);
  EXPECT_EQ(ops_->meter_placement(test::as(kAdmin, domain::Action::kQuery), meter(2, 5))
                .value()
                .billing_mode,
            domain::BillingMode::kHostSide);
  // The billing-mode change is audited in the name of who registered the site, once.
  EXPECT_EQ(last_audit(), "admin|billing_mode|");
  const auto before = audit_rows();
  ASSERT_TRUE(ops_->register_site(test::as(kCashier, domain::Action::kRegisterSite)));
  EXPECT_EQ(audit_rows(), before);
}

TEST_F(OperationsTest, RegisterSiteAndReadNowWithoutASiteFileAreRefused) {
  const auto bare = Operations::open(db_, clock_);
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return bare->register_site(test::as(kAdmin, domain::Action::kRegisterSite));
  });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return bare->read_now(test::as(kAdmin, domain::Action::kReadNow), "bus1");
  });
}

TEST_F(OperationsTest, MoneyActionsWriteOneAuditRowEachAndRefusalsNothing) {
  expect_one_audit_row(kCashier, "open_account", [&] {
    return ops_->open_account(test::as(kCashier, domain::Action::kOpenAccount),
                              {"A1", "Li", {meter(1, 1)}, 0, {"13800138000", {}}});
  });
  expect_refused_unwritten(ErrorKind::kRefused, [&] {
    return ops_->open_account(test::as(kCashier, domain::Action::kOpenAccount),
                              {"A1", "Li", {meter(1, 2)}, 0, {}});
  });
  expect_one_audit_row(kCashier, "sale", [&] {
    return ops_->sale(test::as(kCashier, domain::Action::kSale), "A1", 2000);
  });
  // The sale's ledger entry and its credit were written with the audit row.
  EXPECT_EQ(ops_->ledger(test::as(kCashier, domain::Action::kQuery), "A1").value().size(), 1U);
  EXPECT_EQ(ops_->meter_commands(test::as(kCashier, domain::Action::kQuery), meter(1, 1), 10)
                .value()
                .size(),
            1U);
  expect_refused_unwritten(ErrorKind::kNotFound, [&] {
    return ops_->sale(test::as(kCashier, domain::Action::kSale), "nobody", 2000);
  });
  // A credit never written to the meter can be reversed.
  const auto sale_seq =
      ops_->ledger(test::as(kCashier, domain::Action::kQuery), "A1").value().back().seq;
  expect_one_audit_row(kAdmin, "reversal", [&] {
    return ops_->reversal(test::as(kAdmin, domain::Action::kReversal), sale_seq);
  });
  expect_refused_unwritten(ErrorKind::kRefused, [&] {
    return ops_->reversal(test::as(kAdmin, domain::Action::kReversal), sale_seq);
  });

  ASSERT_TRUE(ops_->sale(test::as(kCashier, domain::Action::kSale), "A1", 1000));
  expect_refused_unwritten(
      ErrorKind::kRefused,  // its credit is not delivered yet
      [&] { return ops_->refund(test::as(kCashier, domain::Action::kRefund), "A1", 300); });
  confirm(meter(1, 1));
  expect_one_audit_row(kCashier, "refund", [&] {
    return ops_->refund(test::as(kCashier, domain::Action::kRefund), "A1", 300);
  });
  // The meter holds the money: the refund is booked when it confirms the debit.
  EXPECT_EQ(ops_->account_balance_fen(test::as(kCashier, domain::Action::kQuery), "A1").value(),
            1000);
  ASSERT_EQ(ops_->account_debits(test::as(kCashier, domain::Action::kQuery), "A1").value().size(),
            1U);
  confirm(meter(1, 1));
  EXPECT_EQ(ops_->account_balance_fen(test::as(kCashier, domain::Action::kQuery), "A1").value(),
            700);
  expect_one_audit_row(kAdmin, "close_account", [&] {
    return ops_->close_account(test::as(kAdmin, domain::Action::kCloseAccount), "A1");
  });
  // Closing: forced off, final reading, what the meter holds taken off, then closed.
  expect_refused_unwritten(ErrorKind::kRefused, [&] {
    return ops_->close_account(test::as(kAdmin, domain::Action::kCloseAccount), "A1");
  });
  test::drive_closings(*daemon_, "bus1", kT0, kRules);
  const auto closing =
      ops_->account_closing(test::as(kCashier, domain::Action::kQuery), "A1").value();
  ASSERT_TRUE(closing && closing->finished_at);
  EXPECT_EQ(ops_->account_balance_fen(test::as(kCashier, domain::Action::kQuery), "A1").value(), 0);
  expect_refused_unwritten(ErrorKind::kRefused, [&] {
    return ops_->close_account(test::as(kAdmin, domain::Action::kCloseAccount), "A1");
  });
  EXPECT_TRUE(ops_->verify_ledger(test::as(kAdmin, domain::Action::kQuery)).value().empty());
}

TEST_F(OperationsTest, AnEnergyMetersReadingsAreNeverChargedEvenOnAnAccountOpenedByMistake) {
  // An account opened on the meter (as without the site file, which is what tells the counter
  // that a meter is an energy meter): its readings, stored as an energy meter's, charge nothing.
  ASSERT_TRUE(ops_->open_account(test::as(kCashier, domain::Action::kOpenAccount),
                                 {"A1", "Li", {meter(1, 1)}, 0, {}}));
  const auto before = test::count_rows(db_, "outbox");
  auto rules = kRules;
  rules.metering_only = true;
  for (const std::int64_t energy_wh : {1000, 6000}) {
    domain::MeterReading r;
    r.energy_wh = energy_wh;
    daemon_->record_readings({{meter(1, 1), r}}, kT0 + Millis(energy_wh), rules);
  }
  EXPECT_EQ(test::count_rows(db_, "ledger"), 0);
  const auto m = ops_->meter(test::as(kAdmin, domain::Action::kQuery), meter(1, 1)).value();
  EXPECT_EQ(m.last.energy_wh, 6000);
  EXPECT_EQ(m.status, domain::MeterStatus::kNormal);  // not arrears at a zero balance
  // Nothing queued at its first contact (a prepaid meter would get its stored thresholds).
  EXPECT_EQ(test::count_rows(db_, "outbox"), before);
  // Prepaid rules on such readings charge: a baseline, then 5 kWh.
  for (const std::int64_t energy_wh : {11'000, 16'000}) {
    domain::MeterReading r;
    r.energy_wh = energy_wh;
    daemon_->record_readings({{meter(1, 1), r}}, kT0 + Millis(energy_wh), kRules);
  }
  EXPECT_EQ(test::count_rows(db_, "ledger"), 1);
}

/// Every role through every action Operations has (issue 13 item 2): an action outside the role
/// is refused naming the roles that may, and writes nothing; one inside it is not refused for
/// the role (it may fail for its own reasons: the walk uses one set of arguments for all).
TEST_F(OperationsTest, EveryRoleIsWalkedThroughEveryActionAndRefusedOutsideItsRole) {
  ASSERT_TRUE(ops_->open_account(test::as(kCashier, domain::Action::kOpenAccount),
                                 {"A1", "Li", {meter(1, 1)}, 0, {}}));
  ASSERT_TRUE(ops_->sale(test::as(kCashier, domain::Action::kSale), "A1", 2000));
  const auto sale_seq =
      ops_->ledger(test::as(kCashier, domain::Action::kQuery), "A1").value().back().seq;
  domain::Tariff flat = domain::Tariff::single(6000);
  using A = domain::Action;
  // Each action once, with arguments that reach past the role check.
  const std::map<A, std::function<std::optional<domain::Error>(const Actor&)>> calls{
      {A::kRegisterSite, [&](const Actor& a) { return error_of(ops_->register_site(a)); }},
      {A::kImportSite,
       [&](const Actor& a) {
         return error_of(ops_->import_site(a, domain::SiteModel{}, models()));
       }},
      {A::kOpenAccount,
       [&](const Actor& a) {
         return error_of(ops_->open_account(a, {"A9", "Wu", {meter(1, 9)}, 0, {}}));
       }},
      {A::kCloseAccount,
       [&](const Actor& a) { return error_of(ops_->close_account(a, "nobody")); }},
      {A::kSale, [&](const Actor& a) { return error_of(ops_->sale(a, "nobody", 100)); }},
      {A::kRefund, [&](const Actor& a) { return error_of(ops_->refund(a, "nobody", 100)); }},
      {A::kReversal, [&](const Actor& a) { return error_of(ops_->reversal(a, sale_seq + 99)); }},
      {A::kReplaceMeter,
       [&](const Actor& a) { return error_of(ops_->replace_meter(a, meter(1, 7), meter(1, 7))); }},
      {A::kMoveMeter,
       [&](const Actor& a) { return error_of(ops_->move_meter(a, meter(1, 7), "nobody", false)); }},
      {A::kConfirmBox, [&](const Actor& a) { return error_of(ops_->confirm_box(a, "bus1", 9)); }},
      {A::kAddTariff,
       [&](const Actor& a) {
         return error_of(ops_->add_tariff(a, {"", {kT0, flat}}));
       }},
      {A::kAssignTariff,
       [&](const Actor& a) {
         return error_of(ops_->assign_tariff(a, {"none", std::nullopt}));
       }},
      {A::kCommand,
       [&](const Actor& a) {
         return error_of(ops_->command(a, MeterId{"bus9", 1, 1}, domain::ClockPayload{}));
       }},
      {A::kReadNow, [&](const Actor& a) { return error_of(ops_->read_now(a, "bus9")); }},
      {A::kQuery, [&](const Actor& a) { return error_of(ops_->account(a, "A1")); }},
      {A::kReport, [&](const Actor& a) { return error_of(ops_->readings_export(a)); }},
      {A::kRebuildReports, [&](const Actor& a) { return error_of(ops_->rebuild_reports(a)); }},
      {A::kAckAlarm, [&](const Actor& a) { return error_of(ops_->ack_alarm(a, 999)); }},
  };
  int refused = 0;
  for (std::size_t r = 0; r < domain::kRoleCount; ++r) {
    const auto role = static_cast<domain::Role>(r);
    const Actor actor{"walker", role};
    for (const auto& [action, call] : calls) {
      const auto before = tables();
      const auto err = call(actor);
      const auto what =
          std::string(domain::to_string(role)) + " " + std::string(domain::to_string(action));
      if (domain::permits(role, action)) {
        EXPECT_TRUE(!err || err->message.find("may not") == std::string::npos)
            << what << ": " << err->message;
        continue;
      }
      ++refused;
      ASSERT_TRUE(err) << what << " was allowed";
      EXPECT_EQ(err->kind, ErrorKind::kForbidden) << what;
      EXPECT_NE(err->message.find("walker (" + std::string(domain::to_string(role)) + ") may not " +
                                  std::string(domain::to_string(action))),
                std::string::npos)
          << err->message;
      for (const auto may : domain::roles_for(action))
        EXPECT_NE(err->message.find(domain::to_string(may)), std::string::npos) << err->message;
      // Nothing written but the refusal's own row of the system log.
      auto after = before;
      ++after.front();
      EXPECT_EQ(tables(), after) << what;
      EXPECT_EQ(test::sql(db_,
                          "SELECT operator, action, target, outcome FROM audit ORDER BY id "
                          "DESC LIMIT 1"),
                "walker|denied|" + std::string(domain::to_string(action)) + "|denied|")
          << what;
    }
  }
  EXPECT_GT(refused, 40);
  // The same calls without a role (not logged in yet) are not checked.
  EXPECT_FALSE(error_of(ops_->account(test::as(Actor{"script"}, domain::Action::kQuery), "A1")));
}

TEST_F(OperationsTest, MeterActionsWriteOneAuditRowEachAndRefusalsNothing) {
  ASSERT_TRUE(ops_->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                                 {"A2", "", {meter(1, 3), meter(1, 5)}, 0, {}}));
  ASSERT_TRUE(ops_->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                                 {"A3", "", {meter(1, 6)}, 0, {}}));
  read(meter(1, 3), 10'000, 0);
  expect_one_audit_row(kAdmin, "replace_meter", [&] {
    return ops_->replace_meter(test::as(kAdmin, domain::Action::kReplaceMeter), meter(1, 3),
                               meter(1, 4));
  });
  expect_refused_unwritten(ErrorKind::kRefused, [&] {  // no longer in an open account
    return ops_->replace_meter(test::as(kAdmin, domain::Action::kReplaceMeter), meter(1, 3),
                               meter(1, 7));
  });
  expect_one_audit_row(kAdmin, "move_meter", [&] {
    return ops_->move_meter(test::as(kAdmin, domain::Action::kMoveMeter), meter(1, 5), "A3", false);
  });
  expect_refused_unwritten(ErrorKind::kNotFound, [&] {
    return ops_->move_meter(test::as(kAdmin, domain::Action::kMoveMeter), meter(1, 5), "A9", false);
  });
  EXPECT_EQ(ops_->account(test::as(kAdmin, domain::Action::kQuery), "A2").value().meters,
            std::vector<MeterId>{meter(1, 4)});
}

TEST_F(OperationsTest, CommandsAndReadNowWriteOneAuditRowEachAndRefusalsNothing) {
  expect_one_audit_row(kAdmin, "command", [&] {
    return ops_->command(test::as(kAdmin, domain::Action::kCommand), meter(1, 2),
                         domain::ModePayload{domain::RelayCommand::kForcedOff});
  });
  expect_refused_unwritten(ErrorKind::kRefused, [&] {
    return ops_->command(test::as(kAdmin, domain::Action::kCommand), MeterId{"bus1", 9, 1},
                         domain::ModePayload{domain::RelayCommand::kForcedOff});
  });
  expect_one_audit_row(kAdmin, "read_now", [&] {
    return ops_->read_now(test::as(kAdmin, domain::Action::kReadNow), "bus1/1/12");
  });
  const auto id = ops_->read_now(test::as(kAdmin, domain::Action::kReadNow), "bus1/2");
  ASSERT_TRUE(id);
  EXPECT_EQ(ops_->read_request(test::as(kAdmin, domain::Action::kQuery), id.value()).value().state,
            "pending");
  EXPECT_EQ(ops_->read_request(test::as(kAdmin, domain::Action::kQuery), id.value()).value().target,
            "bus1/2");
  for (const char* target : {"bus9", "bus1/7", "bus1/x", "bus1/1/13"}) {
    expect_refused_unwritten(ErrorKind::kNotFound, [&] {
      return ops_->read_now(test::as(kAdmin, domain::Action::kReadNow), target);
    });
  }
  EXPECT_EQ(ops_->read_now(test::as(kAdmin, domain::Action::kReadNow), "bus1/1/13").error().message,
            "read-now bus1/1/13: box 1 has circuits 1..12");
}

TEST_F(OperationsTest, TariffAndSiteActionsWriteTheirAuditRowsAndRefusalsNothing) {
  domain::Tariff flat;
  flat.rates = {10'000, 10'000, 10'000, 10'000};
  const AddTariff add{"flat", {kT0 - std::chrono::hours(1), flat}, std::chrono::minutes(480)};
  expect_one_audit_row(kAdmin, "tariff_add", [&] {
    return ops_->add_tariff(test::as(kAdmin, domain::Action::kAddTariff), add);
  });
  expect_refused_unwritten(ErrorKind::kRefused, [&] {
    return ops_->add_tariff(test::as(kAdmin, domain::Action::kAddTariff),
                            {"", add.version, add.utc_offset});
  });
  {
    // Its row, and one for each price download it queues to the site's meter-side meters.
    const auto before = audit_rows();
    ASSERT_TRUE(ops_->assign_tariff(test::as(kAdmin, domain::Action::kAssignTariff),
                                    {"flat", std::nullopt}));
    const auto downloads = test::count_rows(db_, "outbox");
    EXPECT_GT(downloads, 0);
    EXPECT_EQ(audit_rows(), before + 1 + downloads);
    EXPECT_EQ(test::sql(db_, "SELECT operator, count(*) FROM audit WHERE action = 'tariff_assign'"),
              "admin|1|");
  }
  expect_refused_unwritten(ErrorKind::kNotFound, [&] {
    return ops_->assign_tariff(test::as(kAdmin, domain::Action::kAssignTariff),
                               {"none", meter(1, 1)});
  });
  EXPECT_TRUE(ops_->tariffs(test::as(kAdmin, domain::Action::kQuery)).value().front().site_default);

  domain::SiteModel model;
  model.settings.name = "ops";
  model.buildings = {{"b1", ""}};
  model.floors = {{"b1", 1}};
  model.buses = {{"bus1", ""}};
  model.boxes = {{"bus1", 1, "adf300l-i", "b1", 1}};
  model.meters = {{meter(1, 1), std::nullopt, {}, std::nullopt}};
  expect_one_audit_row(kAdmin, "site_import", [&] {
    return ops_->import_site(test::as(kAdmin, domain::Action::kImportSite), model, models());
  });
  // The same file again changes nothing, so it writes nothing.
  const auto before = audit_rows();
  ASSERT_TRUE(ops_->import_site(test::as(kAdmin, domain::Action::kImportSite), model, models()));
  EXPECT_EQ(audit_rows(), before);
  model.meters.push_back({meter(1, 1), std::nullopt, {}, std::nullopt});  // listed twice
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->import_site(test::as(kAdmin, domain::Action::kImportSite), model, models());
  });
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
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->import_site(test::as(kAdmin, domain::Action::kImportSite), model, models());
  });
  EXPECT_EQ(ops_->import_site(test::as(kAdmin, domain::Action::kImportSite), model, models())
                .error()
                .message,
            "the site model is refused, nothing was imported:\n"
            "  box bus1/1: unknown model \"adf999\"; the profiles define: adf300l-i, "
            "adf300l-iii. Correct the model name\n"
            "  meter bus1/2/37: circuit 37 does not exist on model adf300l-iii (circuits 1..36). "
            "Use a circuit in range");
  model.boxes.front().model = "adf300l-i";
  model.meters.pop_back();
  EXPECT_TRUE(ops_->import_site(test::as(kAdmin, domain::Action::kImportSite), model, models()));
}

TEST_F(OperationsTest, AnImportTakesAnEnergyMeterAsAMeterNeverBilledAndRefusesAnAccountOnIt) {
  // The profiles folder as load_device_models reads it: an energy meter's model says so.
  auto with_energy = models();
  with_energy.push_back({"em-1p", 1, true});
  domain::SiteModel model;
  model.settings.name = "ops";
  model.buildings = {{"b1", ""}};
  model.floors = {{"b1", 1}};
  model.buses = {{"bus1", ""}};
  model.boxes = {{"bus1", 1, "adf300l-i", "b1", 1}, {"bus1", 21, "em-1p", "b1", 1}};
  model.meters = {{meter(1, 1), std::nullopt, {}, std::nullopt},
                  {meter(21, 1), std::nullopt, {}, std::nullopt}};
  model.accounts = {{"S1", "stairs", {}, {}, {meter(21, 1)}, 0, "site.yaml:30:5"}};
  const auto import = [&] {
    return ops_->import_site(test::as(kAdmin, domain::Action::kImportSite), model, with_energy);
  };
  expect_refused_unwritten(ErrorKind::kInvalid, import);
  const auto refused = import().error().message;
  EXPECT_NE(refused.find("site.yaml:30:5: account S1"), std::string::npos) << refused;
  EXPECT_NE(refused.find("bus1/21/1 is an energy meter (model em-1p)"), std::string::npos)
      << refused;
  EXPECT_NE(refused.find("never billed"), std::string::npos) << refused;
  // Without the account the energy meter is imported as a meter of the site.
  model.accounts.clear();
  ASSERT_TRUE(import());
  EXPECT_TRUE(ops_->meter(test::as(kAdmin, domain::Action::kQuery), meter(21, 1)));
}

TEST_F(OperationsTest, TextThatIsNotPrintableUtf8OrTooLongIsRefusedAtTheDoorNamingFieldAndValue) {
  const std::string not_utf8 = "Li \xFF";
  const std::string escape = "Li\x1b[2J";
  const std::string line_break = "Li\nBad";
  const std::string too_long(TextLimits::kName + 1, 'x');
  for (const auto& tenant : {not_utf8, escape, line_break, too_long}) {
    expect_refused_unwritten(ErrorKind::kInvalid, [&] {
      return ops_->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                                {"A1", tenant, {meter(1, 1)}, 0, {}});
    });
  }
  EXPECT_EQ(ops_->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                               {"A1", escape, {meter(1, 1)}, 0, {}})
                .error()
                .message,
            "tenant name \"Li\\u{1B}[2J\": control character U+001B at character 3; give "
            "printable text on one line");
  EXPECT_EQ(ops_->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                               {"A1", not_utf8, {meter(1, 1)}, 0, {}})
                .error()
                .message,
            "tenant name \"Li \\xFF\": not UTF-8 (byte 0xFF at character 4); give the text in "
            "UTF-8");
  EXPECT_EQ(
      ops_->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                         {"A1", too_long, {meter(1, 1)}, 0, {}})
          .error()
          .message,
      "tenant name \"" + too_long + "\": too long (201 bytes); give at most 200 bytes of UTF-8");
  // At the limit, and in Chinese, a name is taken.
  ASSERT_TRUE(
      ops_->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                         {"A1", std::string(TextLimits::kName, 'x'), {meter(1, 1)}, 0, {}}));
  ASSERT_TRUE(ops_->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                                 {"A2", "\xE5\xBC\xA0\xE4\xB8\x89", {meter(1, 2)}, 0, {}}));

  // Every other text an action takes passes the same check.
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                              {"A\t3", "", {meter(1, 3)}, 0, {}});
  });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                              {"A3", "", {meter(1, 3)}, 0, {"138\x07", std::nullopt}});
  });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->sale(test::as(kAdmin, domain::Action::kSale), escape, 100);
  });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->refund(test::as(kAdmin, domain::Action::kRefund), not_utf8, 100);
  });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->close_account(test::as(kAdmin, domain::Action::kCloseAccount), line_break);
  });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->move_meter(test::as(kAdmin, domain::Action::kMoveMeter), meter(1, 1), escape,
                            false);
  });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->read_now(test::as(kAdmin, domain::Action::kReadNow), escape);
  });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->sale(test::as(Actor{"ad\nmin"}, domain::Action::kSale), "A1", 100);
  });
  domain::Tariff flat;
  flat.rates = {10'000, 10'000, 10'000, 10'000};
  const AddTariff add{std::string(TextLimits::kTariffName + 1, 't'),
                      {kT0 - std::chrono::hours(1), flat},
                      std::chrono::minutes(480)};
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->add_tariff(test::as(kAdmin, domain::Action::kAddTariff), add);
  });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->assign_tariff(test::as(kAdmin, domain::Action::kAssignTariff),
                               {not_utf8, std::nullopt});
  });

  // A site model's texts too; an account's refusal says where it is declared.
  domain::SiteModel model;
  model.settings.name = "ops";
  model.buildings = {{"b1", "Tower\x1b"}};
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->import_site(test::as(kAdmin, domain::Action::kImportSite), model, models());
  });
  model.buildings = {{"b1", ""}};
  model.accounts = {{"A9", not_utf8, {}, {}, {meter(1, 9)}, 0, "site.yaml:7:5"}};
  EXPECT_EQ(ops_->import_site(test::as(kAdmin, domain::Action::kImportSite), model, models())
                .error()
                .message,
            "site.yaml:7:5: tenant name \"Li \\xFF\": not UTF-8 (byte 0xFF at character 4); give "
            "the text in UTF-8");
}

TEST_F(OperationsTest, ASaleRefundOrFirstSaleAboveTheDefaultLimitIsRefusedInYuanUnwritten) {
  ASSERT_EQ(ops_->max_amount_fen(), kDefaultMaxAmountFen);
  ASSERT_EQ(kDefaultMaxAmountFen, 1'000'000);  // 10,000.00 yuan
  ASSERT_TRUE(ops_->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                                 {"A1", "Li", {meter(1, 1)}, 0, {}}));
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->sale(test::as(kAdmin, domain::Action::kSale), "A1", kDefaultMaxAmountFen + 1);
  });
  EXPECT_EQ(ops_->sale(test::as(kAdmin, domain::Action::kSale), "A1", kDefaultMaxAmountFen + 1)
                .error()
                .message,
            "sale of 10000.01 yuan is more than one sale may be (at most 10000.00 yuan, the site "
            "file's max_amount); check the amount, or split it");
  // The sale the issue found wrapping the meter's balance, and the one that stuck in flight.
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->sale(test::as(kAdmin, domain::Action::kSale), "A1", 2'147'483'647);
  });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->sale(test::as(kAdmin, domain::Action::kSale), "A1", 5'000'000'000);
  });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->refund(test::as(kAdmin, domain::Action::kRefund), "A1", kDefaultMaxAmountFen + 1);
  });
  EXPECT_EQ(ops_->refund(test::as(kAdmin, domain::Action::kRefund), "A1", kDefaultMaxAmountFen + 1)
                .error()
                .message,
            "refund of 10000.01 yuan is more than one refund may be (at most 10000.00 yuan, the "
            "site file's max_amount); check the amount, or split it");
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                              {"A2", "", {meter(1, 2)}, kDefaultMaxAmountFen + 1, {}});
  });
  // A site import's first sales too, named where the file declares them.
  domain::SiteModel model;
  model.settings.name = "ops";
  model.accounts = {
      {"A9", std::nullopt, {}, {}, {meter(1, 9)}, kDefaultMaxAmountFen + 1, "site.yaml:7:5"}};
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->import_site(test::as(kAdmin, domain::Action::kImportSite), model, models());
  });
  EXPECT_EQ(ops_->import_site(test::as(kAdmin, domain::Action::kImportSite), model, models())
                .error()
                .message,
            "site.yaml:7:5: account A9: first sale of 10000.01 yuan is more than one first sale "
            "may be (at most 10000.00 yuan, the site file's max_amount); check the amount, or "
            "split it");
  EXPECT_TRUE(ops_->sale(test::as(kAdmin, domain::Action::kSale), "A1", kDefaultMaxAmountFen));
}

TEST_F(OperationsTest, TheSiteFilesMaxAmountIsTheLimitAndWithoutASiteFileTheDefaultIs) {
  auto site = site_file();
  site.max_amount_fen = 50'000;  // 500.00 yuan
  const auto ops = Operations::open(db_, clock_, site);
  EXPECT_EQ(ops->max_amount_fen(), 50'000);
  ASSERT_TRUE(ops->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                                {"A1", "Li", {meter(1, 1)}, 50'000, {}}));
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops->sale(test::as(kAdmin, domain::Action::kSale), "A1", 50'001);
  });
  EXPECT_EQ(ops->sale(test::as(kAdmin, domain::Action::kSale), "A1", 50'001).error().message,
            "sale of 500.01 yuan is more than one sale may be (at most 500.00 yuan, the site "
            "file's max_amount); check the amount, or split it");
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops->refund(test::as(kAdmin, domain::Action::kRefund), "A1", 50'001);
  });
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                             {"A2", "", {meter(1, 2)}, 50'001, {}});
  });
  EXPECT_TRUE(ops->sale(test::as(kAdmin, domain::Action::kSale), "A1", 50'000));
  const auto bare = Operations::open(db_, clock_);
  EXPECT_EQ(bare->max_amount_fen(), kDefaultMaxAmountFen);
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return bare->refund(test::as(kAdmin, domain::Action::kRefund), "A1", kDefaultMaxAmountFen + 1);
  });
}

TEST_F(OperationsTest, ASaleThatWouldOverflowTheMetersBalanceRegisterIsRefusedUnwritten) {
  ASSERT_TRUE(ops_->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                                 {"A1", "Li", {meter(1, 1)}, 0, {}}));
  // The profile's balance register is i32 at 0.01 yuan: at most 21474836.47 yuan.
  read(meter(1, 1), 0, 2'147'480'000);
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->sale(test::as(kAdmin, domain::Action::kSale), "A1", 10'000);
  });
  EXPECT_EQ(ops_->sale(test::as(kAdmin, domain::Action::kSale), "A1", 10'000).error().message,
            "sale of 100.00 yuan would take meter bus1/1/1's balance to 21474900.00 yuan (last "
            "read 21474800.00, 0.00 still to be credited), past the 21474836.47 yuan its balance "
            "register holds; at most 36.47 yuan fits now, nothing was written");
  ASSERT_TRUE(ops_->sale(test::as(kAdmin, domain::Action::kSale), "A1", 2'000));
  // The credit still open counts as on its way to the meter.
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->sale(test::as(kAdmin, domain::Action::kSale), "A1", 1'648);
  });
  EXPECT_TRUE(ops_->sale(test::as(kAdmin, domain::Action::kSale), "A1", 1'647));
  // A first sale onto a meter that is nearly full, as well.
  read(meter(1, 2), 0, 2'147'483'600);
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                              {"A2", "", {meter(1, 2)}, 100, {}});
  });
}

TEST_F(OperationsTest, ACloseOfAMeterAtZeroBalanceIsRefusedAtTheCounterNamingTheWayOut) {
  const domain::CommandPayload close = domain::ModePayload{domain::RelayCommand::kClose};
  // Never read: its balance is not known, so the close is not refused.
  EXPECT_TRUE(ops_->command(test::as(kAdmin, domain::Action::kCommand), meter(1, 3), close));
  read(meter(1, 1), 0, 0);
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->command(test::as(kAdmin, domain::Action::kCommand), meter(1, 1), close);
  });
  EXPECT_EQ(
      ops_->command(test::as(kAdmin, domain::Action::kCommand), meter(1, 1), close).error().message,
      "close of meter bus1/1/1 refused: balance 0.00: sell first, or use keep-power");
  read(meter(1, 1), 0, -150);
  EXPECT_EQ(
      ops_->command(test::as(kAdmin, domain::Action::kCommand), meter(1, 1), close).error().message,
      "close of meter bus1/1/1 refused: balance -1.50: sell first, or use keep-power");
  EXPECT_TRUE(ops_->command(test::as(kAdmin, domain::Action::kCommand), meter(1, 1),
                            domain::ModePayload{domain::RelayCommand::kKeepPower}));
  // A sale not delivered yet: the close would go first (mode before credit) and fail.
  ASSERT_TRUE(ops_->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                                 {"A1", "Li", {meter(1, 1)}, 0, {}}));
  ASSERT_TRUE(ops_->sale(test::as(kAdmin, domain::Action::kSale), "A1", 10'000));
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->command(test::as(kAdmin, domain::Action::kCommand), meter(1, 1), close);
  });
  EXPECT_EQ(
      ops_->command(test::as(kAdmin, domain::Action::kCommand), meter(1, 1), close).error().message,
      "close of meter bus1/1/1 refused: balance -1.50, and a credit of 100.00 yuan is still "
      "being delivered: close after it is confirmed, or use keep-power");
  confirm(meter(1, 1));
  read(meter(1, 1), 0, 9'850);
  EXPECT_TRUE(ops_->command(test::as(kAdmin, domain::Action::kCommand), meter(1, 1), close));
}

TEST_F(OperationsTest, ATransferAboveTheLimitOrBeyondTheNewMetersRegistersIsRefusedUnwritten) {
  // Replacement: the old meter's balance is carried to the new one as a transfer and a credit.
  ASSERT_TRUE(ops_->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                                 {"A1", "Li", {meter(1, 1)}, 0, {}}));
  read(meter(1, 1), 0, kDefaultMaxAmountFen + 1);
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->replace_meter(test::as(kAdmin, domain::Action::kReplaceMeter), meter(1, 1),
                               meter(1, 2));
  });
  EXPECT_EQ(
      ops_->replace_meter(test::as(kAdmin, domain::Action::kReplaceMeter), meter(1, 1), meter(1, 2))
          .error()
          .message,
      "transfer of 10000.01 yuan is more than one transfer may be (at most 10000.00 yuan, "
      "the site file's max_amount); refund part of the balance first, or raise max_amount "
      "in the site file; nothing was written");
  EXPECT_EQ(ops_->meter(test::as(kAdmin, domain::Action::kQuery), meter(1, 1)).value().account,
            "A1");  // still in place
  // The new meter's balance register has room for 6.47 yuan only.
  read(meter(1, 1), 0, 1'000);
  read(meter(1, 2), 0, 2'147'483'000);
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops_->replace_meter(test::as(kAdmin, domain::Action::kReplaceMeter), meter(1, 1),
                               meter(1, 2));
  });
  EXPECT_EQ(
      ops_->replace_meter(test::as(kAdmin, domain::Action::kReplaceMeter), meter(1, 1), meter(1, 2))
          .error()
          .message,
      "transfer of 10.00 yuan cannot be credited to meter bus1/1/2: its purchase_amount "
      "and balance registers take at most 6.47 yuan now; nothing was written");
  EXPECT_TRUE(ops_->replace_meter(test::as(kAdmin, domain::Action::kReplaceMeter), meter(1, 1),
                                  meter(1, 3)));
}

/// The test profile's text.
std::string test_profile_text() {
  std::ifstream in(test::test_profiles_dir() + "/adf300l.yaml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A profiles folder `name` in `dir` holding `profile` as adf300l.yaml; returns its path.
std::string profiles_folder(const test::TempDir& dir, const std::string& name,
                            const std::string& profile) {
  auto folder = dir.file(name);
  std::filesystem::create_directories(folder);
  std::ofstream(folder + "/adf300l.yaml") << profile;
  return folder;
}

/// The test profile with registers narrowed (written to `dir`): purchase_amount, price_flat and
/// alarm1_threshold u16, no keep_power in the mode enum, no box clock, a TOU table of 2 rows.
std::string narrow_profiles(const test::TempDir& dir) {
  std::string s = test_profile_text();
  const auto replace = [&s](const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
  };
  replace("name: purchase_amount, base: 0x1015, stride: 0x20, type: u32",
          "name: purchase_amount, base: 0x1015, stride: 0x20, type: u16");
  replace("name: price_flat, base: 0x200A, stride: 0x20, type: u32",
          "name: price_flat, base: 0x200A, stride: 0x20, type: u16");
  replace("name: alarm1_threshold, base: 0x2000, stride: 0x20, type: u32",
          "name: alarm1_threshold, base: 0x2000, stride: 0x20, type: u16");
  replace("mode: {prepaid: 0, keep_power: 1, forced_off: 2}", "mode: {prepaid: 0, forced_off: 2}");
  replace("type: raw, words: 28", "type: raw, words: 4");
  const auto clock = s.find("  - {name: clock,");
  const auto next = s.find("  - {name: password", clock);
  s.erase(clock, next - clock);
  return profiles_folder(dir, "narrow", s);
}

TEST_F(OperationsTest, ACommandOrCreditTheMetersRegistersCannotHoldIsRefusedWhenQueued) {
  auto site = site_file();
  site.profiles_dir = narrow_profiles(dir_);
  const auto ops = Operations::open(db_, clock_, site);
  // purchase_amount u16 at 0.01 yuan: at most 655.35 yuan in one credit.
  ASSERT_TRUE(ops->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                                {"A1", "Li", {meter(1, 1)}, 0, {}}));
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops->sale(test::as(kAdmin, domain::Action::kSale), "A1", 65'536);
  });
  EXPECT_EQ(ops->sale(test::as(kAdmin, domain::Action::kSale), "A1", 65'536).error().message,
            "sale of 655.36 yuan cannot be credited to meter bus1/1/1: a credit of 655.36 yuan "
            "does not fit the meter's purchase_amount register (u16, at most 655.35 yuan); "
            "nothing was written");
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                             {"A2", "", {meter(1, 2)}, 65'536, {}});
  });
  EXPECT_TRUE(ops->sale(test::as(kAdmin, domain::Action::kSale), "A1", 65'535));

  domain::PricePayload price;
  price.prices.fill(65'536);  // 6.5536 yuan/kWh; price_flat holds at most 6.5535
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops->command(test::as(kAdmin, domain::Action::kCommand), meter(1, 1), price);
  });
  EXPECT_EQ(
      ops->command(test::as(kAdmin, domain::Action::kCommand), meter(1, 1), price).error().message,
      "price command for bus1/1/1 refused: price_flat 6.5536 yuan/kWh does not fit the "
      "meter's register (u16, at most 6.5535 yuan/kWh); give a value the meter can hold, "
      "nothing was queued");
  const domain::ThresholdsPayload thresholds{65'536, 500, 4'000};
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops->command(test::as(kAdmin, domain::Action::kCommand), meter(1, 1), thresholds);
  });
  EXPECT_NE(ops->command(test::as(kAdmin, domain::Action::kCommand), meter(1, 1), thresholds)
                .error()
                .message.find("alarm1_threshold 655.36 yuan does not fit"),
            std::string::npos);
  const domain::CommandPayload keep_power = domain::ModePayload{domain::RelayCommand::kKeepPower};
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops->command(test::as(kAdmin, domain::Action::kCommand), meter(1, 1), keep_power);
  });
  EXPECT_NE(ops->command(test::as(kAdmin, domain::Action::kCommand), meter(1, 1), keep_power)
                .error()
                .message.find("the profile's mode enum has no value for keep_power"),
            std::string::npos);
  const MeterId box{"bus1", 1, 0};
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops->command(test::as(kAdmin, domain::Action::kCommand), box, domain::ClockPayload{});
  });
  EXPECT_EQ(ops->command(test::as(kAdmin, domain::Action::kCommand), box, domain::ClockPayload{})
                .error()
                .message,
            "clock command for box bus1/1 refused: profile adf300l has no writable box register "
            "clock; give a value the meter can hold, nothing was queued");
  const domain::TouSchedulePayload tou{{{0, domain::TouRate::kValley},
                                        {480, domain::TouRate::kPeak},
                                        {1320, domain::TouRate::kValley}}};
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops->command(test::as(kAdmin, domain::Action::kCommand), box, tou);
  });
  // What the registers hold is queued.
  price.prices.fill(65'535);
  EXPECT_TRUE(ops->command(test::as(kAdmin, domain::Action::kCommand), meter(1, 1), price));
  EXPECT_TRUE(ops->command(test::as(kAdmin, domain::Action::kCommand), meter(1, 1),
                           domain::ThresholdsPayload{65'535, 500, 4'000}));
  EXPECT_TRUE(ops->command(
      test::as(kAdmin, domain::Action::kCommand), box,
      domain::TouSchedulePayload{{{0, domain::TouRate::kFlat}, {480, domain::TouRate::kPeak}}}));
}

/// The test profile without its debit registers (written to `dir`): a meter that cannot give
/// money back.
std::string profiles_without_debits(const test::TempDir& dir) {
  std::string s = test_profile_text();
  const auto from = s.find("  - {name: debit_count");
  const auto to = s.find("  # Settings block");
  EXPECT_NE(from, std::string::npos);
  EXPECT_NE(to, std::string::npos);
  s.erase(from, to - from);
  return profiles_folder(dir, "no-debits", s);
}

TEST_F(OperationsTest, ARefundOfMoneyOnAMeterWithoutDebitRegistersIsRefusedAtTheCounter) {
  auto site = site_file();
  site.profiles_dir = profiles_without_debits(dir_);
  const auto ops = Operations::open(db_, clock_, site);
  ASSERT_TRUE(ops->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                                {"A1", "Li", {meter(1, 1)}, 2'000, {}}));
  ASSERT_TRUE(ops->open_account(test::as(kAdmin, domain::Action::kOpenAccount),
                                {"A2", "Wang", {meter(2, 1)}, 2'000, {}}));
  confirm(meter(1, 1));  // host-side A2's sale credited no meter
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops->refund(test::as(kAdmin, domain::Action::kRefund), "A1", 500);
  });
  EXPECT_EQ(ops->refund(test::as(kAdmin, domain::Action::kRefund), "A1", 500).error().message,
            "refund of 5.00 yuan cannot be taken off meter bus1/1/1, which holds the account's "
            "money: profile adf300l has no debit registers (debit_count, debit_amount) for "
            "adf300l-i: money on this meter cannot be taken back remotely; nothing was written");
  // The reversal of its sale, whose credit the meter confirmed, would be a debit too.
  const auto sale_seq =
      ops->ledger(test::as(kAdmin, domain::Action::kQuery), "A1").value().front().seq;
  expect_refused_unwritten(ErrorKind::kInvalid, [&] {
    return ops->reversal(test::as(kAdmin, domain::Action::kReversal), sale_seq);
  });
  EXPECT_NE(ops->reversal(test::as(kAdmin, domain::Action::kReversal), sale_seq)
                .error()
                .message.find("reversal of 20.00 yuan"),
            std::string::npos);
  // Host-side (box 2): the ledger holds the money, so the refund is booked at once.
  const auto host = ops->refund(test::as(kAdmin, domain::Action::kRefund), "A2", 500);
  ASSERT_TRUE(host) << host.error().message;
  EXPECT_TRUE(host.value().seq);
  EXPECT_FALSE(host.value().command);
}

TEST_F(OperationsTest, QueriesWriteNothingAndSayWhatIsMissing) {
  const auto before = tables();
  const auto account = ops_->account(test::as(kCashier, domain::Action::kQuery), "A404");
  ASSERT_FALSE(account);
  EXPECT_EQ(account.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(account.error().message, "account A404 does not exist; check the id");
  EXPECT_FALSE(ops_->account_balance_fen(test::as(kCashier, domain::Action::kQuery), "A404"));
  EXPECT_FALSE(
      ops_->meter_placement(test::as(kCashier, domain::Action::kQuery), MeterId{"bus2", 1, 1}));
  EXPECT_FALSE(ops_->read_request(test::as(kCashier, domain::Action::kQuery), 99));
  EXPECT_TRUE(
      ops_->events(test::as(kCashier, domain::Action::kQuery), std::nullopt).value().empty());
  EXPECT_TRUE(
      ops_->ledger(test::as(kCashier, domain::Action::kQuery), std::nullopt).value().empty());
  EXPECT_EQ(tables(), before);
}

}  // namespace
}  // namespace phil::service
