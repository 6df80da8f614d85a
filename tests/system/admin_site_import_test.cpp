// `site import`: the strict site model file (errors located file:line:col) and the store's
// import (one transaction, idempotent, a refusal changes nothing, meters keep their state).
#include <gtest/gtest.h>

#include <phil/common/yaml.hpp>
#include <phil/store/store.hpp>

#include "site_model_yaml.hpp"
#include "support/closing_driver.hpp"
#include "support/sqlite_count.hpp"
#include "support/temp_dir.hpp"

namespace phil::app {
namespace {

using domain::MeterId;

constexpr TimePoint kT0{Millis(1'772'294'400'000)};

constexpr const char* kSite = R"(site:
  name: test-site
  billing_mode: meter-side
  mismatch_tolerance: "2.00"
  thresholds: {alarm1: "30.00", alarm2: "10.00", overload: 5000}
buildings:
  - id: b1
    name: Block 1
    floors:
      - {number: 4, rooms: ["401", "402"]}
      - {number: 5, rooms: ["501"]}
comm_managers:
  - id: cm1
    name: serial server
    address: "10.0.0.2:4001"
    buses:
      - id: bus1
        boxes:
          - address: 4
            model: adf300l-iii
            floor: 4
            meters:
              - {circuit: 1, room: "401"}
              - {circuit: 2, room: "402", billing_mode: host-side, thresholds: {alarm1: "50.00"}}
buses:
  - id: bus2
    boxes: [{address: 5, model: adf300l-i, floor: 5, meters: [{circuit: 1, room: "501"}]}]
)";

domain::SiteModel parse(const std::string& text) {
  const auto doc = yaml::Document::load_string(text, "site.yaml");
  return parse_site_model(doc.root());
}

/// The error message parsing `text` gives ("" if it parses).
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const yaml::ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(SiteModelFileTest, ParsesTheWholeHierarchy) {
  const auto m = parse(kSite);
  EXPECT_EQ(m.settings.name, "test-site");
  EXPECT_EQ(m.settings.mismatch_tolerance_fen, 200);
  EXPECT_EQ(m.settings.thresholds, (domain::Thresholds{3000, 1000, 5000}));
  EXPECT_EQ(m.floors.size(), 2U);
  EXPECT_EQ(m.rooms.size(), 3U);
  ASSERT_EQ(m.buses.size(), 2U);
  EXPECT_EQ(m.buses[0].comm_manager, "cm1");
  EXPECT_EQ(m.buses[1].comm_manager, "");
  ASSERT_EQ(m.boxes.size(), 2U);
  EXPECT_EQ(m.boxes[0].building, "b1");  // the only building, implied
  ASSERT_EQ(m.meters.size(), 3U);
  EXPECT_EQ(m.meters[1].id, (MeterId{"bus1", 4, 2}));
  EXPECT_EQ(m.meters[1].billing_mode, domain::BillingMode::kHostSide);
  EXPECT_EQ(m.meters[1].thresholds.alarm1_fen, 5000);
  EXPECT_FALSE(m.meters[1].thresholds.alarm2_fen);
  EXPECT_EQ(m.meters[2].room, "501");
}

TEST(SiteModelFileTest, ErrorsNameFileLineColumnAndKey) {
  EXPECT_NE(
      error_of(replaced(kSite, "  name: test-site", "  nmae: test-site")).find("site.yaml:2:3"),
      std::string::npos);
  const auto room =
      error_of(replaced(kSite, R"({circuit: 1, room: "401"})", R"({circuit: 1, room: "499"})"));
  EXPECT_NE(room.find("site.yaml:23:"), std::string::npos) << room;
  EXPECT_NE(room.find("room 499 is not listed"), std::string::npos) << room;
  const auto mode = error_of(replaced(kSite, "billing_mode: host-side", "billing_mode: host"));
  EXPECT_NE(mode.find("site.yaml:24:"), std::string::npos) << mode;
  const auto dup = error_of(replaced(kSite, R"(rooms: ["501"])", R"(rooms: ["401"])"));
  EXPECT_NE(dup.find("site.yaml:11:"), std::string::npos) << dup;
  EXPECT_NE(dup.find("room 401 is listed twice"), std::string::npos) << dup;
  const auto alarms = error_of(replaced(kSite, R"(alarm2: "10.00")", R"(alarm2: "40.00")"));
  EXPECT_NE(alarms.find("site.yaml:5:"), std::string::npos) << alarms;
  EXPECT_NE(alarms.find("alarm 2"), std::string::npos) << alarms;
  const auto floor = error_of(replaced(kSite, "floor: 5,", "floor: 6,"));
  EXPECT_NE(floor.find("floor 6 of building b1 is not listed"), std::string::npos) << floor;
  const auto box = error_of(replaced(kSite, "address: 5,", "address: 0,"));
  EXPECT_NE(box.find("site.yaml:27:"), std::string::npos) << box;
  const auto building =
      error_of(replaced(kSite, "comm_managers:\n", "  - {id: b1}\ncomm_managers:\n"));
  EXPECT_NE(building.find("site.yaml:12:"), std::string::npos) << building;
  EXPECT_NE(building.find("building b1 is listed twice"), std::string::npos) << building;
  const auto cm =
      error_of(replaced(kSite, "buses:\n  - id: bus2", "  - {id: cm1}\nbuses:\n  - id: bus2"));
  EXPECT_NE(cm.find("site.yaml:25:"), std::string::npos) << cm;
  EXPECT_NE(cm.find("comm manager cm1 is listed twice"), std::string::npos) << cm;
}

TEST(SiteModelFileTest, TheSeedSiteExampleDescribesNineteenBoxes) {
  const auto m = load_site_model(PHIL_SOURCE_DIR "/system/app/examples/seed-site-admin.yaml");
  EXPECT_EQ(m.boxes.size(), 19U);
  EXPECT_EQ(m.floors.size(), 19U);
  EXPECT_EQ(m.meters.size(), 38U);
  EXPECT_EQ(m.boxes.front().floor, 4);
  EXPECT_EQ(m.boxes.back().floor, 22);
}

std::int64_t count(const std::string& path, const std::string& table) {
  return test::count_rows(path, table);
}

class SiteImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("site.db");
    store_ = store::open_sqlite_store(path_);
  }
  test::TempDir dir_;
  std::string path_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(SiteImportTest, ImportAddsEverythingAndAgainChangesNothing) {
  const auto m = parse(kSite);
  auto first = store_->import_site(m, "admin", kT0);
  ASSERT_TRUE(first) << first.error().message;
  // 1 building, 2 floors, 3 rooms, 1 comm manager, 2 buses, 2 boxes, 3 meters; the site row.
  EXPECT_EQ(first.value().added, 14);
  EXPECT_EQ(first.value().updated, 1);
  EXPECT_EQ(count(path_, "audit WHERE action = 'site_import'"), 1);
  auto again = store_->import_site(m, "admin", kT0);
  ASSERT_TRUE(again);
  EXPECT_EQ(again.value().added, 0);
  EXPECT_EQ(again.value().updated, 0);
  EXPECT_EQ(again.value().unchanged, 15);
  EXPECT_EQ(count(path_, "audit WHERE action = 'site_import'"), 1);
  EXPECT_EQ(store_->site_settings(), m.settings);
}

TEST_F(SiteImportTest, MetersGetTheirPlaceThresholdsAndBillingMode) {
  ASSERT_TRUE(store_->import_site(parse(kSite), "admin", kT0));
  const auto host = store_->meter_placement({"bus1", 4, 2});
  ASSERT_TRUE(host);
  EXPECT_EQ(host->room, "402");
  EXPECT_EQ(host->building, "b1");
  EXPECT_EQ(host->floor, 4);
  EXPECT_EQ(host->comm_manager, "cm1");
  EXPECT_EQ(host->thresholds, (domain::Thresholds{5000, 1000, 5000}));
  EXPECT_EQ(store_->meter({"bus1", 4, 2})->billing_mode, domain::BillingMode::kHostSide);
  EXPECT_EQ(store_->meter({"bus1", 4, 1})->billing_mode, domain::BillingMode::kMeterSide);
  EXPECT_EQ(store_->meter_placement({"bus1", 4, 1})->thresholds,
            (domain::Thresholds{3000, 1000, 5000}));
  EXPECT_FALSE(store_->meter_placement({"bus2", 5, 1})->comm_manager);
}

TEST_F(SiteImportTest, AChangedFileUpdatesOnlyWhatChangedAndKeepsMeterState) {
  ASSERT_TRUE(store_->import_site(parse(kSite), "admin", kT0));
  ASSERT_TRUE(store_->open_account({"A401", "Li", {{"bus1", 4, 1}}, 2000, "cashier", kT0}));
  auto changed = parse(replaced(kSite, "{circuit: 1, room: \"401\"}",
                                "{circuit: 1, room: \"401\", billing_mode: host-side}"));
  auto r = store_->import_site(changed, "admin", kT0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().updated, 1);
  const auto m = store_->meter({"bus1", 4, 1});
  EXPECT_EQ(m->billing_mode, domain::BillingMode::kHostSide);
  EXPECT_EQ(m->account, "A401");
  EXPECT_EQ(store_->account_balance_fen("A401"), 2000);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(SiteImportTest, AnInconsistentModelIsRefusedAndChangesNothing) {
  auto m = parse(kSite);
  m.meters.push_back({MeterId{"bus9", 1, 1}, std::nullopt, {}, std::nullopt});
  auto r = store_->import_site(m, "admin", kT0);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("meter bus9/1/1: its box is not listed"), std::string::npos);
  EXPECT_EQ(count(path_, "buildings"), 0);
  EXPECT_EQ(count(path_, "meters"), 0);
  // Only the row the new database's chain starts with (schema v17).
  EXPECT_EQ(count(path_, "audit WHERE action <> 'audit_chain_start'"), 0);
}

// ---- accounts in the site file ----

// Appended to kSite: lines 28..35.
constexpr const char* kAccounts = R"(accounts:
  - id: A401
    tenant: Li
    phone: "13800138000"
    room: "401"
    meters: [bus1/4/1, bus1/4/2]
    first_sale: "20.05"
  - {id: A501, tenant: Wang, room: "501", meters: [bus2/5/1]}
)";

std::string with_accounts() {
  return std::string(kSite) + kAccounts;
}

TEST(SiteModelFileTest, AccountsAreReadWithTheirMetersAndExactFirstSale) {
  const auto m = parse(with_accounts());
  ASSERT_EQ(m.accounts.size(), 2U);
  const auto& a = m.accounts[0];
  EXPECT_EQ(a.id, "A401");
  EXPECT_EQ(a.tenant, "Li");
  EXPECT_EQ(a.phone, "13800138000");
  EXPECT_EQ(a.room, "401");
  EXPECT_EQ(a.meters, (std::vector<MeterId>{{"bus1", 4, 1}, {"bus1", 4, 2}}));
  EXPECT_EQ(a.first_sale_fen, 2005);
  EXPECT_EQ(a.source, "site.yaml:29:5");
  const auto& b = m.accounts[1];
  EXPECT_FALSE(b.phone);  // absent: an existing account keeps its stored phone
  EXPECT_EQ(b.first_sale_fen, 0);
}

TEST(SiteModelFileTest, AccountErrorsNameFileLineAndWhatToDo) {
  const auto with = [](const std::string& from, const std::string& to) {
    return error_of(replaced(with_accounts(), from, to));
  };
  const auto expect = [](const std::string& error, const std::string& where,
                         const std::string& what) {
    EXPECT_NE(error.find(where), std::string::npos) << error;
    EXPECT_NE(error.find(what), std::string::npos) << error;
  };
  expect(with("first_sale:", "frist_sale:"), "site.yaml:34:", "frist_sale");
  expect(with(R"("13800138000")", R"("call me")"), "site.yaml:31:", "may hold only digits");
  expect(with("[bus1/4/1, bus1/4/2]", "[]"), "site.yaml:33:", "has no meter");
  expect(with("[bus1/4/1, bus1/4/2]", "bus1/4/1"), "site.yaml:33:", "expected a list");
  expect(with("room: \"401\"\n    meters", "room: \"499\"\n    meters"),
         "site.yaml:32:", "room 499 is not listed");
  expect(with("bus1/4/2]", "bus1/4/3]"), "site.yaml:33:", "meter bus1/4/3 is not listed");
  expect(with("bus1/4/2]", "bus1-4-2]"), "site.yaml:33:", "write bus/box/circuit");
  expect(with("[bus2/5/1]", "[bus1/4/2]"),
         "site.yaml:35:", "already claimed by account A401 (site.yaml:33:");
  expect(with(R"("20.05")", R"("20.055")"), "site.yaml:34:", "");
  expect(with(R"("20.05")", R"("-1.00")"), "site.yaml:34:", "must not be negative");
  expect(with(R"("20.05")", R"("2000000.00")"), "site.yaml:34:", "taken for a typo");
  expect(with("{id: A501,", "{id: A401,"), "site.yaml:35:", "account A401 is listed twice");
}

/// Rows of every table an import may write, in a fixed order.
std::vector<std::int64_t> rows(const std::string& path) {
  std::vector<std::int64_t> out;
  for (const char* t :
       {"site", "buildings", "floors", "rooms", "comm_managers", "buses", "boxes", "meters",
        "accounts", "account_meters", "ledger", "outbox", "audit", "events"}) {
    out.push_back(count(path, t));
  }
  return out;
}

TEST_F(SiteImportTest, ImportOpensTheFilesAccountsWithTheirFirstSales) {
  auto r = store_->import_site(parse(with_accounts()), "admin", kT0);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().accounts_opened, 2);
  EXPECT_EQ(r.value().first_sales_fen, 2005);
  EXPECT_EQ(r.value().added, 16);  // 14 site rows and 2 accounts
  const auto a = store_->account("A401");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->tenant, "Li");
  EXPECT_EQ(a->phone, "13800138000");
  EXPECT_EQ(a->room, "401");
  EXPECT_EQ(a->meters, (std::vector<MeterId>{{"bus1", 4, 1}, {"bus1", 4, 2}}));
  EXPECT_EQ(store_->account_balance_fen("A401"), 2005);
  EXPECT_EQ(store_->meter({"bus2", 5, 1})->account, "A501");
  // The first sale took the sale path: its ledger entry. A401 has two meters, so it is billed
  // host-side whatever the file says of them: the ledger holds the money, no meter is credited.
  EXPECT_EQ(count(path_, "ledger WHERE account = 'A401' AND kind = 'sale' AND amount_fen = 2005"),
            1);
  EXPECT_EQ(count(path_, "outbox WHERE kind = 'credit'"), 0);
  for (const auto& id : {MeterId{"bus1", 4, 1}, MeterId{"bus1", 4, 2}}) {
    EXPECT_EQ(store_->meter(id)->billing_mode, domain::BillingMode::kHostSide) << id.to_string();
  }
  EXPECT_EQ(count(path_, "ledger WHERE account = 'A501'"), 0);  // no first sale: none
  EXPECT_EQ(count(path_, "audit WHERE action = 'open_account'"), 2);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(SiteImportTest, ImportingTheSameAccountsAgainChangesNothing) {
  const auto m = parse(with_accounts());
  ASSERT_TRUE(store_->import_site(m, "admin", kT0));
  const auto before = rows(path_);
  auto again = store_->import_site(m, "admin", kT0);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again.value().added, 0);
  EXPECT_EQ(again.value().updated, 0);
  EXPECT_EQ(again.value().unchanged, 17);  // 15 site rows and 2 accounts
  EXPECT_EQ(again.value().accounts_opened, 0);
  EXPECT_EQ(rows(path_), before);  // no second first sale, no audit row
  EXPECT_EQ(store_->account_balance_fen("A401"), 2005);
}

TEST_F(SiteImportTest, AnAccountOpenedByHandWithTheSameMetersIsKept) {
  ASSERT_TRUE(store_->import_site(parse(kSite), "admin", kT0));
  ASSERT_TRUE(store_->open_account({"A501", "Wang", {{"bus2", 5, 1}}, 1000, "cashier", kT0},
                                   {"010-1234567", std::nullopt}));
  auto r = store_->import_site(parse(with_accounts()), "admin", kT0);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().accounts_opened, 1);  // A401 only
  EXPECT_EQ(store_->account_balance_fen("A501"), 1000);
  EXPECT_EQ(count(path_, "ledger WHERE account = 'A501'"), 1);
  const auto a = store_->account("A501");
  EXPECT_EQ(a->phone, "010-1234567");  // the file gives no phone: the stored one stays
  EXPECT_EQ(a->room, "501");           // the file gives the room: it is recorded
}

TEST_F(SiteImportTest, ContactDetailsInTheFileUpdateAnOpenAccountWithoutASale) {
  ASSERT_TRUE(store_->import_site(parse(with_accounts()), "admin", kT0));
  const auto ledger_rows = count(path_, "ledger");
  auto r =
      store_->import_site(parse(replaced(replaced(with_accounts(), "13800138000", "13900139000"),
                                         "tenant: Li", "tenant: Li Na")),
                          "admin", kT0);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().updated, 1);
  const auto a = store_->account("A401");
  EXPECT_EQ(a->phone, "13900139000");
  EXPECT_EQ(a->tenant, "Li Na");
  EXPECT_EQ(count(path_, "ledger"), ledger_rows);
  EXPECT_EQ(count(path_,
                  "audit WHERE action = 'account_contact' AND target = 'A401' AND "
                  "json_extract(details, '$.phone') = '13900139000'"),
            1);
}

TEST_F(SiteImportTest, AccountsAbsentFromTheFileStayOpen) {
  ASSERT_TRUE(store_->import_site(parse(with_accounts()), "admin", kT0));
  ASSERT_TRUE(store_->import_site(parse(kSite), "admin", kT0));
  EXPECT_EQ(store_->meter({"bus1", 4, 1})->account, "A401");
  EXPECT_FALSE(store_->account("A401")->closed_at);
  EXPECT_EQ(store_->account_balance_fen("A401"), 2005);
}

/// Imports `text` expecting a refusal that mentions `what`; nothing may change.
void expect_refused(store::Store& st, const std::string& path, const std::string& text,
                    const std::string& what) {
  const auto before = rows(path);
  auto r = st.import_site(parse(text), "admin", kT0);
  ASSERT_FALSE(r) << what;
  EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("nothing was imported"), std::string::npos) << r.error().message;
  EXPECT_EQ(rows(path), before) << what;
}

TEST_F(SiteImportTest, AnAccountWhoseStoredMetersDifferRefusesTheImport) {
  ASSERT_TRUE(store_->import_site(parse(with_accounts()), "admin", kT0));
  // Also a changed building name: that change must not be written either.
  expect_refused(*store_, path_,
                 replaced(replaced(with_accounts(), "[bus1/4/1, bus1/4/2]", "[bus1/4/1]"),
                          "name: Block 1", "name: Block One"),
                 "account A401 (site.yaml:29:5): the file gives it meters [bus1/4/1] but the "
                 "open account has [bus1/4/1, bus1/4/2]");
  expect_refused(*store_, path_,
                 replaced(with_accounts(), "[bus1/4/1, bus1/4/2]", "[bus1/4/2, bus1/4/1]"),
                 "write [bus1/4/1, bus1/4/2] into the file");
}

TEST_F(SiteImportTest, AMeterInAnotherOpenAccountRefusesTheImport) {
  ASSERT_TRUE(store_->import_site(parse(kSite), "admin", kT0));
  ASSERT_TRUE(store_->open_account({"B1", "Zhao", {{"bus2", 5, 1}}, 0, "cashier", kT0}));
  expect_refused(*store_, path_, with_accounts(),
                 "account A501 (site.yaml:35:5): meter bus2/5/1 already belongs to open "
                 "account B1");
  EXPECT_FALSE(store_->account("A401"));  // opened before A501 in the same import: rolled back
}

TEST_F(SiteImportTest, AClosedAccountInTheFileRefusesTheImport) {
  ASSERT_TRUE(store_->import_site(parse(kSite), "admin", kT0));
  ASSERT_TRUE(store_->open_account({"A501", "Wang", {{"bus2", 5, 1}}, 0, "cashier", kT0}));
  ASSERT_TRUE(store_->close_account({"A501", "cashier", kT0}));
  test::drive_closings(*store_, "bus2", kT0, {6000, 3});
  expect_refused(*store_, path_, with_accounts(), "give the tenant a new account id");
}

TEST_F(SiteImportTest, AModelWithAMeterInTwoAccountsIsRefusedAndChangesNothing) {
  auto m = parse(with_accounts());
  m.accounts[1].meters.push_back({"bus1", 4, 2});  // claimed by A401 as well
  m.accounts.push_back({"A9", std::nullopt, std::nullopt, "499", {{"bus1", 4, 9}}, 0, ""});
  auto r = store_->import_site(m, "admin", kT0);
  ASSERT_FALSE(r);
  const auto& text = r.error().message;
  EXPECT_NE(text.find("meter bus1/4/2 is claimed by two accounts"), std::string::npos) << text;
  EXPECT_NE(text.find("account A9: meter bus1/4/9 is not listed"), std::string::npos) << text;
  EXPECT_NE(text.find("account A9: no room 499"), std::string::npos) << text;
  EXPECT_EQ(count(path_, "meters"), 0);
  EXPECT_EQ(count(path_, "accounts"), 0);
}

TEST(SiteModelFileTest, TheSeedSiteExampleOpensAFewAccounts) {
  const auto m = load_site_model(PHIL_SOURCE_DIR "/system/app/examples/seed-site-admin.yaml");
  ASSERT_GE(m.accounts.size(), 2U);
  for (const auto& a : m.accounts)
    EXPECT_FALSE(a.meters.empty()) << a.id;
}

}  // namespace
}  // namespace phil::app
