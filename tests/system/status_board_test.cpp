// The status board (issue 14 item 1): the pure rules (filters, counts, grouping, actions), the
// board through Operations on a real SQLite file (one store query: placement from the site
// model, balance that holds the money, relay, mode, last reading, actions required; every role
// that reads may read it), and the statuses as the polls of the fake site derive them.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <phil/common/yaml.hpp>
#include <phil/domain/status_board.hpp>
#include <phil/service/operations.hpp>
#include <phil/store/store.hpp>

#include "site_model_yaml.hpp"
#include "support/actors.hpp"
#include "support/fake_site.hpp"
#include "support/sqlite_count.hpp"
#include "support/temp_dir.hpp"

namespace phil::service {
namespace {

using domain::BoardFilter;
using domain::BoardRow;
using domain::MeterId;
using domain::MeterStatus;

constexpr TimePoint kT0{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z

BoardRow row(const std::string& id, std::optional<std::string> building, std::optional<int> floor,
             MeterStatus status) {
  BoardRow r;
  r.meter = *MeterId::parse(id);
  r.building = std::move(building);
  r.floor = floor;
  r.status = status;
  return r;
}

std::vector<std::string> ids(const std::vector<domain::BoardBuilding>& g) {
  std::vector<std::string> out;
  for (const auto& b : g) {
    for (const auto& f : b.floors) {
      for (const auto& x : f.boxes) {
        for (const auto& m : x.meters)
          out.push_back(m.meter.to_string());
      }
    }
  }
  return out;
}

TEST(StatusBoardRulesTest, GroupsByBuildingFloorBoxCircuitWithTheUnplacedLast) {
  const auto g =
      domain::group_board({row("bus1/5/2", "b1", 5, MeterStatus::kNormal),
                           row("bus9/1/1", std::nullopt, std::nullopt, MeterStatus::kNormal),
                           row("bus1/4/10", "b1", 4, MeterStatus::kNormal),
                           row("bus1/4/2", "b1", 4, MeterStatus::kNormal),
                           row("bus2/1/1", "a0", 1, MeterStatus::kNormal),
                           row("bus1/5/1", "b1", 5, MeterStatus::kNormal)});
  ASSERT_EQ(g.size(), 3U);
  EXPECT_EQ(g[0].building, "a0");
  EXPECT_EQ(g[1].building, "b1");
  EXPECT_FALSE(g[2].building.has_value());
  ASSERT_EQ(g[1].floors.size(), 2U);
  EXPECT_EQ(g[1].floors[0].floor, 4);
  EXPECT_EQ(g[1].floors[0].boxes.size(), 1U);
  EXPECT_EQ(ids(g), (std::vector<std::string>{"bus2/1/1", "bus1/4/2", "bus1/4/10", "bus1/5/1",
                                              "bus1/5/2", "bus9/1/1"}));
}

TEST(StatusBoardRulesTest, CountsEachOfTheSixStatuses) {
  std::vector<BoardRow> rows;
  int n = 0;
  for (const auto s : domain::kBoardStatuses) {
    for (int i = 0; i <= n; ++i)
      rows.push_back(row("bus1/1/" + std::to_string(rows.size() + 1), "b", 1, s));
    ++n;
  }
  const auto c = domain::count_statuses(rows);
  EXPECT_EQ(c.total, 21U);
  EXPECT_EQ(c.of(MeterStatus::kNormal), 1U);
  EXPECT_EQ(c.of(MeterStatus::kAlarm1), 2U);
  EXPECT_EQ(c.of(MeterStatus::kAlarm2), 3U);
  EXPECT_EQ(c.of(MeterStatus::kArrears), 4U);
  EXPECT_EQ(c.of(MeterStatus::kNotOpened), 5U);
  EXPECT_EQ(c.of(MeterStatus::kOffline), 6U);
}

TEST(StatusBoardRulesTest, EachFilterKeepsOnlyWhatItNames) {
  auto r = row("bus1/4/2", "b1", 4, MeterStatus::kAlarm1);
  r.account = "A402";
  r.tenant = "Wang Fang";
  r.room = "402";
  r.comm_manager = "cm-east";
  EXPECT_TRUE(domain::matches(r, {}));
  const auto keeps = [&](const BoardFilter& f) { return domain::matches(r, f); };
  EXPECT_TRUE(keeps({.building = "b1"}));
  EXPECT_FALSE(keeps({.building = "b2"}));
  EXPECT_TRUE(keeps({.floor = 4}));
  EXPECT_FALSE(keeps({.floor = 5}));
  EXPECT_TRUE(keeps({.bus = "bus1"}));
  EXPECT_FALSE(keeps({.bus = "bus2"}));
  EXPECT_TRUE(keeps({.box = 4}));
  EXPECT_FALSE(keeps({.box = 5}));
  EXPECT_TRUE(keeps({.status = MeterStatus::kAlarm1}));
  EXPECT_FALSE(keeps({.status = MeterStatus::kAlarm2}));
  EXPECT_TRUE(keeps({.account = "A402"}));
  EXPECT_FALSE(keeps({.account = "A40"}));  // an account is named exactly
  EXPECT_TRUE(keeps({.text = "wang"}));     // tenant, any case
  EXPECT_TRUE(keeps({.text = "CM-EA"}));    // comm manager
  EXPECT_TRUE(keeps({.text = "4/2"}));      // meter id
  EXPECT_FALSE(keeps({.text = "zhao"}));
  EXPECT_FALSE(keeps({.building = "b1", .floor = 5}));  // all must hold
}

TEST(StatusBoardRulesTest, ActionsRequiredComeFromSwapBoxAndBalanceCheck) {
  auto r = row("bus1/4/2", "b1", 4, MeterStatus::kNormal);
  EXPECT_TRUE(domain::board_actions(r).empty());
  r.swap_detected_at = kT0;
  r.box_mismatch = "model code 3";
  r.mismatch_fen = 150;
  EXPECT_EQ(domain::board_actions(r),
            (std::vector<domain::BoardAction>{domain::BoardAction::kMeterSwapped,
                                              domain::BoardAction::kBoxBillingStopped,
                                              domain::BoardAction::kBalanceMismatch}));
}

TEST(StatusBoardRulesTest, AnEnergyMeterShowsNoBalanceRelayOrActionAndIsNormalUnlessOffline) {
  // As the store keeps a never-read energy meter (not_opened), and one read like a prepaid
  // meter (a zero balance, relay open) whose box once mismatched.
  auto r = row("bus1/21/1", "b1", 4, MeterStatus::kNotOpened);
  r.balance_fen = 0;
  r.relay_closed = false;
  r.mode = domain::MeterMode::kUnknown;
  r.box_mismatch = "model code 3";
  domain::as_energy_meter(r);
  EXPECT_TRUE(r.energy_meter);
  EXPECT_EQ(r.status, MeterStatus::kNormal);
  EXPECT_FALSE(r.balance_fen);
  EXPECT_FALSE(r.relay_closed);
  EXPECT_FALSE(r.mode);
  EXPECT_TRUE(domain::board_actions(r).empty());
  auto offline = row("bus1/22/1", "b1", 4, MeterStatus::kOffline);
  domain::as_energy_meter(offline);
  EXPECT_EQ(offline.status, MeterStatus::kOffline);
  EXPECT_EQ(domain::count_statuses(std::vector{r, offline}).of(MeterStatus::kNotOpened), 0U);
}

// Two buildings; b1 has boxes on floors 4 and 5 of bus1, b2 one box on bus2. bus2/1/2 has no
// room: it is placed by its box. H1 has two meters, so it is host-side.
constexpr const char* kSite = R"(site:
  name: board-test
  thresholds: {alarm1: "20.00", alarm2: "5.00"}
buildings:
  - id: b1
    floors:
      - {number: 4, rooms: ["401", "402", "403"]}
      - {number: 5, rooms: ["501", "502"]}
  - id: b2
    floors: [{number: 1, rooms: ["B101"]}]
comm_managers:
  - id: cm1
    name: east serial server
    address: "10.0.0.2:4001"
    buses:
      - id: bus1
        boxes:
          - address: 4
            model: adf300l-i
            building: b1
            floor: 4
            meters: [{circuit: 1, room: "401"}, {circuit: 2, room: "402"}, {circuit: 3, room: "403"}]
          - address: 5
            model: adf300l-i
            building: b1
            floor: 5
            meters: [{circuit: 1, room: "501"}, {circuit: 2, room: "502"}]
buses:
  - id: bus2
    boxes:
      - {address: 1, model: adf300l-i, building: b2, floor: 1,
         meters: [{circuit: 1, room: "B101"}, {circuit: 2}]}
accounts:
  - {id: A401, tenant: Wang Fang, room: "401", meters: [bus1/4/1]}
  - {id: A402, tenant: Li Lei, room: "402", meters: [bus1/4/2]}
  - {id: A403, tenant: Zhao Min, room: "403", meters: [bus1/4/3]}
  - {id: A501, tenant: Chen Jie, room: "501", meters: [bus1/5/1]}
  - {id: H1, tenant: Shop One, room: "B101", meters: [bus2/1/1, bus2/1/2], first_sale: "88.00"}
)";

class StatusBoardServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("board.db");
    store_ = store::open_sqlite_store(path_);
    const auto doc = yaml::Document::load_string(kSite, "site.yaml");
    auto imported = store_->import_site(app::parse_site_model(doc.root()), "admin", kT0);
    ASSERT_TRUE(imported) << imported.error().message;
    // What the polls stored (a poll is stood in for by the meter rows it writes).
    const std::string read = "read_at = 1772294400000, energy_wh = 1000, power_w = 0, ";
    ASSERT_EQ(
        test::sql(path_, "UPDATE meters SET " + read +
                             "balance_fen = 10000, relay = 1, mode = 'prepaid', status = 'normal' "
                             "WHERE id = 'bus1/4/1';"
                             "UPDATE meters SET " +
                             read +
                             "balance_fen = 1500, relay = 1, mode = 'prepaid', status = 'alarm1', "
                             "swap_detected_at = 1772294400000 WHERE id = 'bus1/4/2';"
                             "UPDATE meters SET " +
                             read +
                             "balance_fen = 300, relay = 1, mode = 'keep_power', "
                             "status = 'alarm2' WHERE id = 'bus1/4/3';"
                             "UPDATE meters SET " +
                             read +
                             "balance_fen = -50, relay = 0, mode = 'prepaid', status = 'arrears' "
                             "WHERE id = 'bus1/5/1';"
                             "UPDATE meters SET status = 'offline', failed_cycles = 3 "
                             "WHERE id = 'bus2/1/1';"
                             "UPDATE meters SET " +
                             read +
                             "balance_fen = 0, relay = 1, mode = 'forced_off', status = 'normal' "
                             "WHERE id = 'bus2/1/2';"
                             "UPDATE accounts SET mismatch_fen = 150 WHERE id = 'A403';"
                             "INSERT INTO box_identity (bus, address, check_due, mismatch, "
                             "mismatch_at) VALUES ('bus2', 1, 0, 'model code 3', 1772294400000);"),
        "");
    ops_ = std::make_unique<Operations>(*store_, clock_);
  }

  StatusBoard board(const BoardFilter& f = {}) {
    auto b = ops_->status_board(Actor{"qa", domain::Role::kAuditor}, f);
    EXPECT_TRUE(b) << b.error().message;
    return b ? b.value() : StatusBoard{};
  }
  static const BoardRow& find(const StatusBoard& b, const std::string& id) {
    for (const auto& building : b.buildings) {
      for (const auto& f : building.floors) {
        for (const auto& x : f.boxes) {
          for (const auto& m : x.meters) {
            if (m.meter.to_string() == id) return m;
          }
        }
      }
    }
    ADD_FAILURE() << id << " not on the board";
    static const BoardRow kNone;
    return kNone;
  }

  test::TempDir dir_;
  std::string path_;
  std::unique_ptr<store::Store> store_;
  domain::ManualClock clock_{kT0 + Millis(90 * 60 * 1000)};
  std::unique_ptr<Operations> ops_;
};

TEST_F(StatusBoardServiceTest, EveryMeterIsGroupedByItsPlaceInTheSiteModel) {
  const auto b = board();
  EXPECT_EQ(ids(b.buildings),
            (std::vector<std::string>{"bus1/4/1", "bus1/4/2", "bus1/4/3", "bus1/5/1", "bus1/5/2",
                                      "bus2/1/1", "bus2/1/2"}));
  ASSERT_EQ(b.buildings.size(), 2U);
  EXPECT_EQ(b.buildings[0].building, "b1");
  EXPECT_EQ(b.buildings[0].floors.size(), 2U);
  EXPECT_EQ(b.buildings[1].building, "b2");
  // bus2/1/2 has no room: placed by its box.
  EXPECT_EQ(find(b, "bus2/1/2").building, "b2");
  EXPECT_EQ(find(b, "bus2/1/2").floor, 1);
  EXPECT_EQ(find(b, "bus1/4/1").room, "401");
  EXPECT_EQ(find(b, "bus1/4/1").comm_manager, "cm1");
  EXPECT_EQ(b.as_of, clock_.now());
}

TEST_F(StatusBoardServiceTest, CountsAndEachRowShowTheStatusThePollsStored) {
  const auto b = board();
  EXPECT_EQ(b.counts.total, 7U);
  EXPECT_EQ(b.counts.of(MeterStatus::kNormal), 2U);
  EXPECT_EQ(b.counts.of(MeterStatus::kAlarm1), 1U);
  EXPECT_EQ(b.counts.of(MeterStatus::kAlarm2), 1U);
  EXPECT_EQ(b.counts.of(MeterStatus::kArrears), 1U);
  EXPECT_EQ(b.counts.of(MeterStatus::kNotOpened), 1U);
  EXPECT_EQ(b.counts.of(MeterStatus::kOffline), 1U);
  EXPECT_EQ(find(b, "bus1/4/1").status, MeterStatus::kNormal);
  EXPECT_EQ(find(b, "bus1/4/2").status, MeterStatus::kAlarm1);
  EXPECT_EQ(find(b, "bus1/4/3").status, MeterStatus::kAlarm2);
  EXPECT_EQ(find(b, "bus1/5/1").status, MeterStatus::kArrears);
  EXPECT_EQ(find(b, "bus1/5/2").status, MeterStatus::kNotOpened);
  EXPECT_EQ(find(b, "bus2/1/1").status, MeterStatus::kOffline);
}

TEST_F(StatusBoardServiceTest, ARowHasTheBalanceThatHoldsTheMoneyRelayModeAndReading) {
  const auto b = board();
  const auto& arrears = find(b, "bus1/5/1");
  EXPECT_EQ(arrears.account, "A501");
  EXPECT_EQ(arrears.tenant, "Chen Jie");
  EXPECT_EQ(arrears.balance_fen, -50);  // meter-side: the meter's last read balance
  EXPECT_EQ(arrears.relay_closed, false);
  EXPECT_EQ(arrears.mode, domain::MeterMode::kPrepaid);
  EXPECT_EQ(arrears.read_at, kT0);
  EXPECT_EQ(find(b, "bus1/4/3").mode, domain::MeterMode::kKeepPower);
  // Host-side: the account's ledger balance (its first sale), whatever the register says, on
  // both its meters, read or not.
  EXPECT_EQ(find(b, "bus2/1/2").billing_mode, domain::BillingMode::kHostSide);
  EXPECT_EQ(find(b, "bus2/1/2").balance_fen, 8800);
  EXPECT_EQ(find(b, "bus2/1/1").balance_fen, 8800);
  EXPECT_FALSE(find(b, "bus2/1/1").read_at.has_value());
  EXPECT_FALSE(find(b, "bus2/1/1").relay_closed.has_value());
  // Not opened: no account, no balance known.
  EXPECT_FALSE(find(b, "bus1/5/2").account.has_value());
  EXPECT_FALSE(find(b, "bus1/5/2").balance_fen.has_value());
}

TEST_F(StatusBoardServiceTest, ActionsRequiredAreShownOnTheirMeters) {
  const auto b = board();
  using A = domain::BoardAction;
  EXPECT_EQ(domain::board_actions(find(b, "bus1/4/2")), std::vector<A>{A::kMeterSwapped});
  EXPECT_EQ(domain::board_actions(find(b, "bus1/4/3")), std::vector<A>{A::kBalanceMismatch});
  EXPECT_EQ(find(b, "bus1/4/3").mismatch_fen, 150);
  EXPECT_EQ(domain::board_actions(find(b, "bus2/1/1")), std::vector<A>{A::kBoxBillingStopped});
  EXPECT_EQ(domain::board_actions(find(b, "bus2/1/2")), std::vector<A>{A::kBoxBillingStopped});
  EXPECT_TRUE(domain::board_actions(find(b, "bus1/4/1")).empty());
}

TEST_F(StatusBoardServiceTest, EveryFilterNarrowsTheBoardAndItsCounts) {
  const auto shown = [&](const BoardFilter& f) { return ids(board(f).buildings); };
  using V = std::vector<std::string>;
  EXPECT_EQ(shown({.building = "b2"}), (V{"bus2/1/1", "bus2/1/2"}));
  EXPECT_EQ(shown({.floor = 5}), (V{"bus1/5/1", "bus1/5/2"}));
  EXPECT_EQ(shown({.bus = "bus2"}), (V{"bus2/1/1", "bus2/1/2"}));
  EXPECT_EQ(shown({.bus = "bus1", .box = 5}), (V{"bus1/5/1", "bus1/5/2"}));
  EXPECT_EQ(shown({.status = MeterStatus::kArrears}), (V{"bus1/5/1"}));
  EXPECT_EQ(shown({.account = "H1"}), (V{"bus2/1/1", "bus2/1/2"}));
  EXPECT_EQ(shown({.text = "zhao"}), (V{"bus1/4/3"}));
  EXPECT_EQ(shown({.text = "CM1"}).size(), 5U);  // the comm manager of bus1
  EXPECT_TRUE(shown({.building = "nowhere"}).empty());
  const auto b = board({.building = "b1", .floor = 4});
  EXPECT_EQ(b.counts.total, 3U);
  EXPECT_EQ(b.counts.of(MeterStatus::kAlarm2), 1U);
  EXPECT_EQ(b.counts.of(MeterStatus::kOffline), 0U);
}

TEST_F(StatusBoardServiceTest, EveryRoleMayReadTheBoardAndABadFilterTextIsRefused) {
  for (const auto role : {domain::Role::kAdmin, domain::Role::kManager, domain::Role::kCashier,
                          domain::Role::kEngineer, domain::Role::kAuditor}) {
    auto b = ops_->status_board(Actor{"qa", role}, {});
    ASSERT_TRUE(b) << domain::to_string(role);
    EXPECT_EQ(b.value().counts.total, 7U);
  }
  const auto bad =
      ops_->status_board(Actor{"qa", domain::Role::kAuditor}, {.text = std::string("a\x1b[2J")});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, domain::ErrorKind::kInvalid);
}

// The statuses as the polls derive them, on the fake site's line.
TEST(StatusBoardPollTest, TheBoardFollowsWhatThePollsDeriveUpToOffline) {
  test::FakeSite site(kT0);
  site.config.clock_sync.reset();
  test::FakeAdf300::Circuit c;
  c.energy_wh = 1000;
  site.device.set(1, 1, c);
  site.start();
  const MeterId m{"bus1", 1, 1};
  ASSERT_TRUE(site.desk->open_account("A1", "Li", {m}, 1500, "cashier"));
  site.step(Millis(1000));
  site.step(site.config.poll_interval);
  const Actor auditor{"qa", domain::Role::kAuditor};
  const auto status_of = [&] {
    const auto b = site.desk->ops().status_board(auditor, {.account = "A1"});
    EXPECT_TRUE(b);
    return b && b.value().counts.total == 1 ? b.value().buildings[0].floors[0].boxes[0].meters[0]
                                            : BoardRow{};
  };
  // 15.00 yuan on the meter, under the default alarm 1 (20.00): alarm 1.
  EXPECT_EQ(status_of().status, MeterStatus::kAlarm1);
  EXPECT_EQ(status_of().balance_fen, 1500);
  EXPECT_EQ(status_of().relay_closed, true);
  site.master.set_silent(1, true);
  for (int i = 0; i < domain::kDefaultOfflineAfter; ++i)
    site.step(site.config.poll_interval);
  EXPECT_EQ(status_of().status, MeterStatus::kOffline);
  EXPECT_EQ(status_of().balance_fen, 1500);  // the last read balance stays on the board
}

}  // namespace
}  // namespace phil::service
