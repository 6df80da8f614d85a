// `site import`: the strict site model file (errors located file:line:col) and the store's
// import (one transaction, idempotent, a refusal changes nothing, meters keep their state).
#include <gtest/gtest.h>

#include <phil/common/yaml.hpp>
#include <phil/store/store.hpp>

#include "site_model_yaml.hpp"
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
  EXPECT_EQ(count(path_, "audit"), 0);
}

}  // namespace
}  // namespace phil::app
