// Settings = the stored ones (issue 12.5), in the SQLite store on a real file: the thresholds
// stored for a meter (its own, else the site's) are queued to it when they change (a site
// import, a command typed by hand) and at its first contact (its first answered poll), once;
// an equal open command is never repeated, a newer one supersedes an older pending one, and a
// confirmed read-back is recorded as what the meter holds (meter_placement, `meter show`).
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <phil/domain/settings.hpp>
#include <phil/store/store.hpp>

#include "support/sqlite_count.hpp"
#include "support/temp_dir.hpp"

namespace phil::store {
namespace {

using domain::CommandKind;
using domain::CommandState;
using domain::MeterId;
using domain::Thresholds;
using domain::ThresholdsPayload;

constexpr TimePoint kT0{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z
const BillingRules kRules{6000, 3};

MeterId meter(int circuit) {
  return MeterId{"bus1", 1, circuit};
}

/// A one-box site of three meters; meter 2 has its own alarm 1.
domain::SiteModel site(const Thresholds& defaults, std::int64_t own_alarm1 = 3000) {
  domain::SiteModel m;
  m.settings.name = "test";
  m.settings.thresholds = defaults;
  m.buses = {{"bus1", ""}};
  m.boxes = {{"bus1", 1, "adf300l-i", "", std::nullopt}};
  for (int c = 1; c <= 3; ++c)
    m.meters.push_back({meter(c), std::nullopt, {}, std::nullopt});
  m.meters[1].thresholds.alarm1_fen = own_alarm1;
  return m;
}

class SettingsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("site.db");
    store_ = open_sqlite_store(path_);
    ASSERT_TRUE(store_->import_site(site(kDefaults), "admin", kT0));
  }
  /// An answered poll of `circuit`.
  void poll(int circuit) {
    domain::MeterReading r;
    r.energy_wh = energy_ += 10;
    r.balance_fen = 5000;
    r.relay_closed = true;
    r.mode = domain::MeterMode::kPrepaid;
    store_->record_readings({{meter(circuit), r}}, kT0, kRules);
  }
  /// The thresholds commands of `circuit`, oldest first.
  std::vector<CommandRecord> thresholds_commands(int circuit) const {
    std::vector<CommandRecord> out;
    for (const auto& c : store_->meter_commands(meter(circuit), 100)) {
      if (c.kind == CommandKind::kThresholds) out.insert(out.begin(), c);
    }
    return out;
  }
  std::vector<CommandRecord> open_thresholds(int circuit) const {
    std::vector<CommandRecord> out;
    for (const auto& c : thresholds_commands(circuit)) {
      if (!domain::is_terminal(c.state)) out.push_back(c);
    }
    return out;
  }
  /// Delivers `id` as the bus worker does when its read-back shows it.
  void confirm(std::int64_t id) {
    ASSERT_TRUE(store_->try_begin_attempt(id, std::nullopt, kT0));
    store_->confirm_command(id, {}, kT0, kRules);
  }
  static ThresholdsPayload payload(const Thresholds& t) { return domain::thresholds_payload(t); }

  static constexpr Thresholds kDefaults{2000, 500, 0};
  test::TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
  std::int64_t energy_ = 0;
};

TEST_F(SettingsStoreTest, AMetersFirstContactQueuesItsStoredThresholdsOnce) {
  EXPECT_TRUE(thresholds_commands(1).empty());  // nothing before the meter answers
  poll(1);
  auto cmds = thresholds_commands(1);
  ASSERT_EQ(cmds.size(), 1U);
  EXPECT_EQ(std::get<ThresholdsPayload>(cmds[0].params), payload(kDefaults));
  EXPECT_EQ(cmds[0].state, CommandState::kPending);
  // Meter 2 gets its own values, the site's for the rest.
  poll(2);
  ASSERT_EQ(thresholds_commands(2).size(), 1U);
  EXPECT_EQ(std::get<ThresholdsPayload>(thresholds_commands(2)[0].params),
            (ThresholdsPayload{3000, 500, 0}));
  // Later polls queue nothing more, confirmed or not.
  poll(1);
  EXPECT_EQ(thresholds_commands(1).size(), 1U);
  confirm(cmds[0].id);
  poll(1);
  EXPECT_EQ(thresholds_commands(1).size(), 1U);
  EXPECT_TRUE(thresholds_commands(3).empty());  // never answered
}

TEST_F(SettingsStoreTest, AConfirmedDownloadIsWhatTheMeterHolds) {
  auto p = store_->meter_placement(meter(1));
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->on_meter_thresholds);
  EXPECT_FALSE(p->thresholds_command);
  poll(1);
  const auto id = thresholds_commands(1).at(0).id;
  EXPECT_EQ(store_->meter_placement(meter(1))->thresholds_command, id);
  confirm(id);
  p = store_->meter_placement(meter(1));
  EXPECT_EQ(p->on_meter_thresholds, kDefaults);
  EXPECT_EQ(p->on_meter_thresholds_at, kT0);
  EXPECT_FALSE(p->thresholds_command);
  EXPECT_FALSE(domain::thresholds_differ(p->thresholds, p->on_meter_thresholds));
}

TEST_F(SettingsStoreTest, AFirstContactFindingTheStoredValuesOnTheMeterQueuesNothing) {
  // Known on the meter already (a confirmed download before an upgrade made the check due).
  ASSERT_EQ(test::sql(path_,
                      "UPDATE meters SET onmeter_alarm1_fen = 2000, onmeter_alarm2_fen = 500, "
                      "onmeter_overload_w = 0 WHERE id = 'bus1/1/1'"),
            "");
  poll(1);
  EXPECT_TRUE(thresholds_commands(1).empty());
  // Other values on the meter: downloaded.
  ASSERT_EQ(test::sql(path_,
                      "UPDATE meters SET onmeter_alarm1_fen = 1000, onmeter_alarm2_fen = 500, "
                      "onmeter_overload_w = 0 WHERE id = 'bus1/1/3'"),
            "");
  poll(3);
  EXPECT_EQ(thresholds_commands(3).size(), 1U);
}

TEST_F(SettingsStoreTest, ASiteImportChangingTheDefaultsQueuesEachAffectedMeterOnce) {
  for (int c = 1; c <= 3; ++c)
    poll(c);
  for (int c = 1; c <= 3; ++c)
    confirm(open_thresholds(c).at(0).id);
  // Alarm 1 changes: meter 2 keeps its own alarm 1, so it needs nothing.
  const Thresholds changed{2500, 500, 0};
  ASSERT_TRUE(store_->import_site(site(changed), "admin", kT0));
  ASSERT_EQ(open_thresholds(1).size(), 1U);
  EXPECT_EQ(std::get<ThresholdsPayload>(open_thresholds(1)[0].params), payload(changed));
  EXPECT_TRUE(open_thresholds(2).empty());
  EXPECT_EQ(open_thresholds(3).size(), 1U);
  // The same file again changes nothing and queues nothing.
  ASSERT_TRUE(store_->import_site(site(changed), "admin", kT0));
  EXPECT_EQ(thresholds_commands(1).size(), 2U);
  // The meter's own value changed: only that meter.
  ASSERT_TRUE(store_->import_site(site(changed, 4000), "admin", kT0));
  EXPECT_EQ(thresholds_commands(1).size(), 2U);
  ASSERT_EQ(open_thresholds(2).size(), 1U);
  EXPECT_EQ(std::get<ThresholdsPayload>(open_thresholds(2)[0].params),
            (ThresholdsPayload{4000, 500, 0}));
  EXPECT_EQ(store_->meter_placement(meter(2))->on_meter_thresholds, (Thresholds{3000, 500, 0}));
}

TEST_F(SettingsStoreTest, ANewerValueSupersedesAPendingOneAndFollowsAnInFlightOne) {
  poll(1);
  const auto first = open_thresholds(1).at(0).id;
  // Pending: the import's newer values supersede it.
  ASSERT_TRUE(store_->import_site(site({2500, 500, 0}), "admin", kT0));
  auto cmds = thresholds_commands(1);
  ASSERT_EQ(cmds.size(), 2U);
  EXPECT_EQ(cmds[0].id, first);
  EXPECT_EQ(cmds[0].state, CommandState::kSuperseded);
  EXPECT_EQ(cmds[1].state, CommandState::kPending);
  // In flight: it runs to its end, the newer one is queued after it.
  ASSERT_TRUE(store_->try_begin_attempt(cmds[1].id, std::nullopt, kT0));
  ASSERT_TRUE(store_->import_site(site({2600, 500, 0}), "admin", kT0));
  cmds = thresholds_commands(1);
  ASSERT_EQ(cmds.size(), 3U);
  EXPECT_EQ(cmds[1].state, CommandState::kInFlight);
  EXPECT_EQ(cmds[2].state, CommandState::kPending);
  EXPECT_EQ(std::get<ThresholdsPayload>(cmds[2].params), (ThresholdsPayload{2600, 500, 0}));
  // Back to the in-flight one's values: the newest open one carries others, so one more.
  ASSERT_TRUE(store_->import_site(site({2500, 500, 0}), "admin", kT0));
  cmds = thresholds_commands(1);
  ASSERT_EQ(cmds.size(), 4U);
  EXPECT_EQ(cmds[2].state, CommandState::kSuperseded);
}

TEST_F(SettingsStoreTest, AHandTypedCommandEqualToAnOpenOneIsNotQueuedTwice) {
  const auto typed = [&](const ThresholdsPayload& t) {
    auto r = store_->enqueue_command({meter(1), t, "engineer", kT0});
    EXPECT_TRUE(r);
    return r ? r.value() : 0;
  };
  const auto first = typed({1000, 400, 6000});
  EXPECT_EQ(typed({1000, 400, 6000}), first);
  EXPECT_EQ(thresholds_commands(1).size(), 1U);
  // The meter's stored values follow what was typed, and a first contact adds nothing.
  EXPECT_EQ(store_->meter_placement(meter(1))->thresholds, (Thresholds{1000, 400, 6000}));
  poll(1);
  EXPECT_EQ(thresholds_commands(1).size(), 1U);
  // Other values: the pending one is superseded.
  const auto second = typed({900, 400, 6000});
  EXPECT_NE(second, first);
  const auto cmds = thresholds_commands(1);
  ASSERT_EQ(cmds.size(), 2U);
  EXPECT_EQ(cmds[0].state, CommandState::kSuperseded);
  // Every typed command has its audit row, the repeated one naming the command it found.
  EXPECT_EQ(test::sql(path_,
                      "SELECT count(*) FROM audit WHERE action = 'command' AND "
                      "json_extract(details, '$.already_queued')"),
            "1|");
}

TEST_F(SettingsStoreTest, ADetectedSwapMakesTheNextPollAFirstContactAgain) {
  poll(1);
  confirm(open_thresholds(1).at(0).id);
  ASSERT_TRUE(store_->record_serials({{meter(1), "000000000001"}}, kT0).empty());
  ASSERT_EQ(store_->record_serials({{meter(1), "000000000002"}}, kT0).size(), 1U);
  EXPECT_FALSE(store_->meter_placement(meter(1))->on_meter_thresholds);
  poll(1);
  EXPECT_EQ(open_thresholds(1).size(), 1U);
}

TEST_F(SettingsStoreTest, AFailedDownloadIsNotRepeatedByEveryPoll) {
  poll(1);
  store_->fail_command(open_thresholds(1).at(0).id, "the meter refused the thresholds", kT0);
  poll(1);
  poll(1);
  EXPECT_EQ(thresholds_commands(1).size(), 1U);
  EXPECT_FALSE(store_->meter_placement(meter(1))->on_meter_thresholds);
}

/// v12: an upgraded database knows nothing of what its meters hold, so each meter's next
/// answered poll is a first contact.
TEST_F(SettingsStoreTest, MigrationV12MakesEveryMetersNextPollAFirstContact) {
  store_.reset();
  ASSERT_EQ(test::undo_schema_to(path_, sqlite_schema_version(), 11), "");
  store_ = open_sqlite_store(path_);
  EXPECT_EQ(test::sql(path_, "PRAGMA user_version"), std::to_string(sqlite_schema_version()) + "|");
  EXPECT_FALSE(store_->meter_placement(meter(1))->on_meter_thresholds);
  poll(1);
  EXPECT_EQ(open_thresholds(1).size(), 1U);
}

}  // namespace
}  // namespace phil::store
