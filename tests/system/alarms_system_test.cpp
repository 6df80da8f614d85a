// Alarms end to end (issue 14 item 3): the System on the scripted line (test::FakeSite, a real
// SQLite file) raises an alarm once per occurrence, not once per poll, and clears it when the
// condition ends; an operator lists them through Operations and acknowledges each once.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <phil/service/operations.hpp>
#include <phil/service/system.hpp>
#include <phil/store/store.hpp>

#include "support/fake_site.hpp"
#include "support/sqlite_count.hpp"
#include "support/temp_dir.hpp"

namespace phil::service {
namespace {

using domain::AlarmKind;
using domain::MeterId;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};
constexpr Millis kPoll{30 * 60 * 1000};

Actor engineer() {
  return {"eng", domain::Role::kEngineer};
}
Actor cashier() {
  return {"cash", domain::Role::kCashier};
}

class AlarmsSystemTest : public ::testing::Test {
 protected:
  AlarmsSystemTest() {
    site_.config.clock_sync.reset();  // no broadcasts: these specs look at polls only
    site_.start();
  }

  void balance(int box, int circuit, std::int64_t fen) {
    std::lock_guard l(site_.master_mutex);
    auto c = site_.device.circuit(box, circuit);
    c.balance_fen = fen;
    site_.device.set(box, circuit, c);
  }
  std::vector<store::AlarmRecord> alarms(const store::AlarmFilter& f) {
    auto got = site_.desk->ops().alarms(engineer(), f);
    EXPECT_TRUE(got) << got.error().message;
    return got ? got.value().alarms : std::vector<store::AlarmRecord>{};
  }
  std::vector<store::AlarmRecord> of(AlarmKind kind, const domain::AlarmTarget& target) {
    store::AlarmFilter f;
    f.kind = kind;
    f.bus = target.bus;
    f.box = target.box;
    f.circuit = target.circuit;
    auto all = alarms(f);
    // A box filter also matches the box's meters: keep the target's own rows.
    std::erase_if(all, [&](const store::AlarmRecord& a) { return a.key.target != target; });
    return all;
  }
  TimePoint now() const { return site_.clock.now(); }

  test::FakeSite site_{kStart};
  const MeterId m11_{"bus1", 1, 1};
  const MeterId m21_{"bus1", 2, 1};
};

TEST_F(AlarmsSystemTest, AMeterOfflineForSeveralPollsAndBackIsExactlyOneAlarmRaisedAndCleared) {
  site_.system->run_iterate();
  site_.set_silent(2, true);
  site_.step_polls(2);
  EXPECT_TRUE(of(AlarmKind::kMeterOffline, domain::AlarmTarget::of_meter(m21_)).empty())
      << "two failed cycles are not offline yet (offline_after 3)";
  site_.step_polls(1);
  const auto raised_at = now();
  site_.step_polls(4);  // still offline: no second row
  auto rows = of(AlarmKind::kMeterOffline, domain::AlarmTarget::of_meter(m21_));
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].raised_at, raised_at);
  EXPECT_FALSE(rows[0].cleared_at);
  const auto box = of(AlarmKind::kBoxOffline, domain::AlarmTarget::of_box("bus1", 2));
  ASSERT_EQ(box.size(), 1U);
  EXPECT_EQ(box[0].raised_at, raised_at);
  EXPECT_TRUE(of(AlarmKind::kMeterOffline, domain::AlarmTarget::of_meter(m11_)).empty());
  EXPECT_TRUE(of(AlarmKind::kBusOffline, domain::AlarmTarget::of_bus("bus1")).empty())
      << "box 1 still answers";

  site_.set_silent(2, false);
  site_.step_polls(1);
  const auto cleared_at = now();
  site_.step_polls(3);
  rows = of(AlarmKind::kMeterOffline, domain::AlarmTarget::of_meter(m21_));
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].raised_at, raised_at);
  EXPECT_EQ(rows[0].cleared_at, cleared_at);
  EXPECT_EQ(of(AlarmKind::kBoxOffline, domain::AlarmTarget::of_box("bus1", 2))[0].cleared_at,
            cleared_at);
  for (const auto kind : {AlarmKind::kMeterOffline, AlarmKind::kBoxOffline}) {
    store::AlarmFilter active;
    active.active_only = true;
    active.kind = kind;
    EXPECT_TRUE(alarms(active).empty()) << domain::to_string(kind);
  }
  // The fake boxes' clocks stand at 0 and no sync is sent: one clock drift alarm per box, open
  // since the first poll, not one per poll.
  const auto drift = of(AlarmKind::kClockDrift, domain::AlarmTarget::of_box("bus1", 1));
  ASSERT_EQ(drift.size(), 1U);
  EXPECT_EQ(drift[0].raised_at, kStart);
  EXPECT_FALSE(drift[0].cleared_at);

  // A new occurrence after the clearing is a new row.
  site_.set_silent(2, true);
  site_.step_polls(3);
  rows = of(AlarmKind::kMeterOffline, domain::AlarmTarget::of_meter(m21_));
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[0].cleared_at, cleared_at);
  EXPECT_EQ(rows[1].raised_at, now());
  EXPECT_FALSE(rows[1].cleared_at);
}

TEST_F(AlarmsSystemTest, TheWholeBusOfflineIsOneCommManagerAlarmClearedWhenABoxAnswers) {
  site_.system->run_iterate();
  site_.set_silent(1, true);
  site_.set_silent(2, true);
  site_.step_polls(6);
  auto bus = of(AlarmKind::kBusOffline, domain::AlarmTarget::of_bus("bus1"));
  ASSERT_EQ(bus.size(), 1U);
  EXPECT_FALSE(bus[0].cleared_at);
  site_.set_silent(1, false);
  site_.step_polls(2);
  bus = of(AlarmKind::kBusOffline, domain::AlarmTarget::of_bus("bus1"));
  ASSERT_EQ(bus.size(), 1U);
  EXPECT_TRUE(bus[0].cleared_at);
}

TEST_F(AlarmsSystemTest, ALowBalanceCrossesAlarm1ThenAlarm2OneRowEachNotOnePerPoll) {
  ASSERT_TRUE(site_.desk->open_account("A1", "Li", {m11_}, 0, "cash"));
  balance(1, 1, 5000);  // 50.00: above alarm 1 (20.00)
  site_.step_polls(2);
  const auto target = domain::AlarmTarget::of_meter(m11_);
  EXPECT_TRUE(of(AlarmKind::kAlarm1, target).empty());
  balance(1, 1, 1500);  // 15.00: alarm 1
  site_.step_polls(1);
  const auto alarm1_at = now();
  site_.step_polls(3);
  auto a1 = of(AlarmKind::kAlarm1, target);
  ASSERT_EQ(a1.size(), 1U);
  EXPECT_EQ(a1[0].raised_at, alarm1_at);
  EXPECT_FALSE(a1[0].cleared_at);
  EXPECT_NE(a1[0].details.find("\"balance\":\"15.00\""), std::string::npos) << a1[0].details;
  balance(1, 1, 400);  // 4.00: alarm 2 (5.00)
  site_.step_polls(1);
  const auto alarm2_at = now();
  site_.step_polls(2);
  a1 = of(AlarmKind::kAlarm1, target);
  ASSERT_EQ(a1.size(), 1U);
  EXPECT_EQ(a1[0].cleared_at, alarm2_at);
  const auto a2 = of(AlarmKind::kAlarm2, target);
  ASSERT_EQ(a2.size(), 1U);
  EXPECT_EQ(a2[0].raised_at, alarm2_at);
  EXPECT_FALSE(a2[0].cleared_at);
  EXPECT_TRUE(of(AlarmKind::kArrears, target).empty());
}

TEST_F(AlarmsSystemTest, AnAlarmIsAcknowledgedOnceWithOneLogRowAndRefusalsChangeNothing) {
  site_.system->run_iterate();
  site_.set_silent(2, true);
  site_.step_polls(3);
  const auto rows = of(AlarmKind::kBoxOffline, domain::AlarmTarget::of_box("bus1", 2));
  ASSERT_EQ(rows.size(), 1U);
  const auto id = rows[0].id;
  auto& ops = site_.desk->ops();
  const auto log_rows = [&] { return test::sql(site_.db, "SELECT count(*) FROM audit"); };
  const auto acks = [&] {
    return test::sql(site_.db, "SELECT count(*) FROM alarms WHERE acknowledged_by IS NOT NULL");
  };
  const auto before = log_rows();

  const auto denied = ops.ack_alarm(cashier(), id);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().kind, domain::ErrorKind::kForbidden);
  EXPECT_EQ(acks(), "0|");

  const auto done = ops.ack_alarm(engineer(), id);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done.value().acknowledged_by, "eng");
  EXPECT_EQ(done.value().acknowledged_at, now());
  EXPECT_EQ(acks(), "1|");
  EXPECT_EQ(test::sql(site_.db,
                      "SELECT operator, action, target, outcome FROM audit ORDER BY id DESC "
                      "LIMIT 1"),
            "eng|ack_alarm|" + std::to_string(id) + "|ok|");
  const auto after_ack = log_rows();

  const auto again = ops.ack_alarm(Actor{"boss", domain::Role::kManager}, id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, domain::ErrorKind::kRefused);
  EXPECT_NE(again.error().message.find("eng"), std::string::npos) << again.error().message;
  const auto unknown = ops.ack_alarm(engineer(), id + 1000);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, domain::ErrorKind::kNotFound);
  EXPECT_EQ(log_rows(), after_ack);
  EXPECT_EQ(acks(), "1|");
  EXPECT_NE(before, after_ack);
}

TEST_F(AlarmsSystemTest, TheOfflineReportSaysWhenEachWentOfflineAndForHowLong) {
  const auto from = now();
  site_.system->run_iterate();
  site_.set_silent(2, true);
  site_.step_polls(3);
  const auto went = now();
  site_.step_polls(2);
  site_.set_silent(2, false);
  site_.step_polls(1);
  const auto back = now();
  const Actor manager{"boss", domain::Role::kManager};
  auto& ops = site_.desk->ops();
  const auto r = ops.offline_report(manager, from, now() + kPoll);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r.value().targets.size(), 13U);  // box 2 and its 12 meters
  const auto& box = r.value().targets[0];
  EXPECT_EQ(box.kind, AlarmKind::kBoxOffline);
  ASSERT_EQ(box.spells.size(), 1U);
  EXPECT_EQ(box.spells[0].raised_at, went);
  EXPECT_EQ(box.spells[0].cleared_at, back);
  EXPECT_EQ(box.total, back - went);
  EXPECT_FALSE(box.still_offline);
  const auto denied = ops.offline_report(engineer(), from, now());
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().kind, domain::ErrorKind::kForbidden);
  const auto empty = ops.offline_report(manager, now(), from);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().kind, domain::ErrorKind::kInvalid);
}

TEST_F(AlarmsSystemTest, TheListFiltersByTimeKindAndTarget) {
  site_.system->run_iterate();
  site_.set_silent(2, true);
  site_.step_polls(3);
  const auto raised = now();
  site_.set_silent(2, false);
  site_.step_polls(1);
  const auto cleared = now();
  site_.step_polls(2);
  store::AlarmFilter before;
  before.kind = AlarmKind::kBoxOffline;
  before.to = raised;  // raised before `to`: nothing
  EXPECT_TRUE(alarms(before).empty());
  store::AlarmFilter after;
  after.kind = AlarmKind::kBoxOffline;
  after.from = cleared + Millis(1);  // cleared before `from`: nothing
  EXPECT_TRUE(alarms(after).empty());
  store::AlarmFilter during;
  during.from = raised;
  during.to = cleared;
  during.kind = AlarmKind::kBoxOffline;
  ASSERT_EQ(alarms(during).size(), 1U);
  store::AlarmFilter meter;
  meter.bus = "bus1";
  meter.box = 2;
  meter.circuit = 3;
  const auto m23 = alarms(meter);
  ASSERT_EQ(m23.size(), 1U);
  EXPECT_EQ(m23[0].key.kind, AlarmKind::kMeterOffline);
}

TEST(AlarmsMigration, AFileOfSchemaV19GetsAnEmptyAlarmsTableThatHoldsOneOpenAlarmPerKey) {
  test::TempDir dir;
  const auto path = dir.file("v19.db");
  store::open_sqlite_store(path).reset();
  ASSERT_EQ(test::undo_schema_to(path, store::sqlite_schema_version(), 19), "");
  ASSERT_EQ(test::sql(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'alarms'"), "0|");
  auto s = store::open_sqlite_store(path);
  EXPECT_TRUE(s->alarms({}).empty());
  const domain::AlarmKey key{AlarmKind::kBusOffline, domain::AlarmTarget::of_bus("bus1")};
  s->observe_alarms({{key, true, "{}"}}, kStart);
  s->observe_alarms({{key, true, "{}"}}, kStart + kPoll);
  ASSERT_EQ(s->alarms({}).size(), 1U);
  // The table itself refuses a second open row of the same kind and target.
  EXPECT_NE(
      test::sql(path, "INSERT INTO alarms (kind, bus, raised_at) VALUES ('bus_offline', 'bus1', 1)")
          .find("UNIQUE"),
      std::string::npos);
}

}  // namespace
}  // namespace phil::service
