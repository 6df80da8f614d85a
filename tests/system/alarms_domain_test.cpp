// The raise/clear decision of alarms (domain/alarms.hpp), pure: raised once per occurrence, not
// once per poll; cleared when the condition is seen to end; a new occurrence is a new alarm;
// what was not looked at is left alone. Every combination of (open or not) x (not looked at,
// holds, does not hold) for one key, beside a second key that must not be touched.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <phil/domain/alarms.hpp>

namespace phil::domain {
namespace {

MeterId the_meter() {
  return {"bus1", 3, 2};
}

AlarmKey offline_key() {
  return {AlarmKind::kMeterOffline, AlarmTarget::of_meter(the_meter())};
}
AlarmKey drift_key() {
  return {AlarmKind::kClockDrift, AlarmTarget::of_box("bus1", 3)};
}

enum class Look : std::uint8_t { kNotLooked, kHolds, kEnded };

TEST(AlarmChanges, EveryCombinationOfOpenAndObservedForOneKeyDecidesAsSpecified) {
  for (const bool was_open : {false, true}) {
    for (const auto look : {Look::kNotLooked, Look::kHolds, Look::kEnded}) {
      for (const bool other_open : {false, true}) {
        SCOPED_TRACE(std::to_string(static_cast<int>(was_open)) + "/" +
                     std::to_string(static_cast<int>(look)) + "/" +
                     std::to_string(static_cast<int>(other_open)));
        std::vector<OpenAlarm> open;
        if (was_open) open.push_back({7, offline_key()});
        if (other_open) open.push_back({9, drift_key()});
        std::vector<AlarmSeen> seen;
        if (look != Look::kNotLooked) {
          seen.push_back({offline_key(), look == Look::kHolds, R"({"failed_cycles":3})"});
        }
        const auto c = alarm_changes(open, seen);
        const bool raise = look == Look::kHolds && !was_open;
        const bool clear = look == Look::kEnded && was_open;
        ASSERT_EQ(c.raise.size(), raise ? 1U : 0U);
        if (raise) {
          EXPECT_EQ(c.raise[0].key, offline_key());
          EXPECT_EQ(c.raise[0].details, R"({"failed_cycles":3})");
        }
        EXPECT_EQ(c.clear, clear ? std::vector<std::int64_t>{7} : std::vector<std::int64_t>{});
        EXPECT_EQ(c.empty(), !raise && !clear);
      }
    }
  }
}

TEST(AlarmChanges, AConditionThatPersistsOverManyPollsIsRaisedOnceThenClearedThenRaisedAnew) {
  std::vector<OpenAlarm> open;
  std::int64_t next_id = 1;
  int raised = 0;
  int cleared = 0;
  // Offline for 5 polls, back for 2, offline again for 3.
  const std::array<bool, 10> polls{true, true, true, true, true, false, false, true, true, true};
  for (const bool offline : polls) {
    const auto c = alarm_changes(open, {{offline_key(), offline, "{}"}});
    for (const auto id : c.clear) {
      std::erase_if(open, [&](const OpenAlarm& a) { return a.id == id; });
      ++cleared;
    }
    for (const auto& r : c.raise) {
      open.push_back({next_id++, r.key});
      ++raised;
    }
  }
  EXPECT_EQ(raised, 2);
  EXPECT_EQ(cleared, 1);
  ASSERT_EQ(open.size(), 1U);
  EXPECT_EQ(open[0].id, 2);
}

TEST(AlarmChanges, AKeyListedTwiceIsRaisedOnceAndHoldingWinsOverEnded) {
  const auto c = alarm_changes(
      {}, {{offline_key(), false, "{}"}, {offline_key(), true, "{}"}, {offline_key(), true, "{}"}});
  ASSERT_EQ(c.raise.size(), 1U);
  EXPECT_TRUE(c.clear.empty());
  const auto open = alarm_changes({{4, offline_key()}},
                                  {{offline_key(), true, "{}"}, {offline_key(), false, "{}"}});
  EXPECT_TRUE(open.empty());
}

TEST(AlarmChanges, TheSameKindOnAnotherTargetIsAnotherAlarm) {
  const AlarmKey other{AlarmKind::kMeterOffline, AlarmTarget::of_meter({"bus1", 3, 3})};
  const auto c = alarm_changes({{1, offline_key()}}, {{other, true, "{}"}});
  ASSERT_EQ(c.raise.size(), 1U);
  EXPECT_EQ(c.raise[0].key, other);
  EXPECT_TRUE(c.clear.empty());
}

TEST(StatusAlarms, ABalanceFallingThroughAlarm1And2ToArrearsMovesTheOneBalanceAlarm) {
  std::vector<OpenAlarm> open;
  std::vector<AlarmKind> raised;
  std::int64_t next = 1;
  for (const auto status : {MeterStatus::kNormal, MeterStatus::kAlarm1, MeterStatus::kAlarm1,
                            MeterStatus::kAlarm2, MeterStatus::kArrears, MeterStatus::kNormal}) {
    const auto c =
        alarm_changes(open, status_alarms(the_meter(), status, [] { return std::string("{}"); }));
    for (const auto id : c.clear)
      std::erase_if(open, [&](const OpenAlarm& a) { return a.id == id; });
    for (const auto& r : c.raise) {
      open.push_back({next++, r.key});
      raised.push_back(r.key.kind);
    }
  }
  EXPECT_EQ(raised, (std::vector{AlarmKind::kAlarm1, AlarmKind::kAlarm2, AlarmKind::kArrears}));
  EXPECT_TRUE(open.empty());  // normal again: the arrears alarm cleared
}

TEST(StatusAlarms, AnOfflineMeterLooksOnlyAtItsOfflineAlarmSoItsBalanceAlarmStays) {
  const auto seen =
      status_alarms(the_meter(), MeterStatus::kOffline, [] { return std::string(R"({"x":1})"); });
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen[0].key, offline_key());
  EXPECT_TRUE(seen[0].holds);
  const AlarmKey alarm2{AlarmKind::kAlarm2, AlarmTarget::of_meter(the_meter())};
  const auto c = alarm_changes({{5, alarm2}}, seen);
  EXPECT_TRUE(c.clear.empty());
  ASSERT_EQ(c.raise.size(), 1U);
}

TEST(StatusAlarms, AMeterNotOpenedOrNormalHoldsNoneAndEndsOffline) {
  for (const auto status : {MeterStatus::kNotOpened, MeterStatus::kNormal}) {
    const auto seen = status_alarms(the_meter(), status, [] { return std::string("{}"); });
    EXPECT_EQ(seen.size(), 4U);
    for (const auto& s : seen)
      EXPECT_FALSE(s.holds) << to_string(s.key.kind);
  }
}

TEST(AlarmKindNames, EveryKindHasANameThatParsesBack) {
  for (std::size_t i = 0; i < kAlarmKindCount; ++i) {
    const auto k = static_cast<AlarmKind>(i);
    ASSERT_NE(to_string(k), "?");
    EXPECT_EQ(parse_alarm_kind(to_string(k)), k);
  }
  EXPECT_FALSE(parse_alarm_kind("offline"));
}

TEST(AlarmTarget, NamesAMeterABoxABusOrAnAccount) {
  EXPECT_EQ(AlarmTarget::of_meter(the_meter()).to_string(), "bus1/3/2");
  EXPECT_EQ(AlarmTarget::of_meter(the_meter()).meter(), the_meter());
  EXPECT_EQ(AlarmTarget::of_box("bus1", 3).to_string(), "bus1/3");
  EXPECT_FALSE(AlarmTarget::of_box("bus1", 3).meter());
  EXPECT_EQ(AlarmTarget::of_bus("bus1").to_string(), "bus1");
  EXPECT_EQ(AlarmTarget::of_account("A401").to_string(), "account A401");
}

// ---- the offline report ----

constexpr TimePoint kT0{Millis(1'796'457'600'000)};
constexpr Millis kHour{3'600'000};

TEST(OfflineReport, EachTargetsSpellsAreSummedWithinThePeriodAndStillOfflineCountsToItsEnd) {
  const auto meter = AlarmTarget::of_meter(the_meter());
  const auto box = AlarmTarget::of_box("bus1", 3);
  const auto bus = AlarmTarget::of_bus("bus1");
  const std::vector<AlarmSpan> alarms{
      // The meter: 1 h before the period (clipped), 2 h inside, and from 9 h on still offline.
      {{AlarmKind::kMeterOffline, meter}, kT0 - kHour, kT0 + kHour},
      {{AlarmKind::kMeterOffline, meter}, kT0 + 3 * kHour, kT0 + 5 * kHour},
      {{AlarmKind::kMeterOffline, meter}, kT0 + 9 * kHour, std::nullopt},
      // The box: once, 30 min.
      {{AlarmKind::kBoxOffline, box}, kT0 + 2 * kHour, kT0 + 2 * kHour + kHour / 2},
      // The bus: ended before the period; not in the report.
      {{AlarmKind::kBusOffline, bus}, kT0 - 3 * kHour, kT0 - 2 * kHour},
      // Not an offline kind.
      {{AlarmKind::kAlarm1, meter}, kT0, std::nullopt},
      // After the period.
      {{AlarmKind::kBoxOffline, AlarmTarget::of_box("bus1", 4)}, kT0 + 10 * kHour, std::nullopt},
  };
  const auto r = offline_report(alarms, kT0, kT0 + 10 * kHour);
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[0].kind, AlarmKind::kBoxOffline);  // boxes before meters
  EXPECT_EQ(r[0].target, box);
  EXPECT_EQ(r[0].total, kHour / 2);
  EXPECT_FALSE(r[0].still_offline);
  EXPECT_EQ(r[1].kind, AlarmKind::kMeterOffline);
  ASSERT_EQ(r[1].spells.size(), 3U);
  EXPECT_EQ(r[1].spells[0].raised_at, kT0 - kHour);
  EXPECT_EQ(r[1].total, kHour + 2 * kHour + kHour);
  EXPECT_TRUE(r[1].still_offline);
}

TEST(OfflineReport, BusesComeFirstAndAnEmptyInputIsAnEmptyReport) {
  EXPECT_TRUE(offline_report({}, kT0, kT0 + kHour).empty());
  const auto r = offline_report(
      {{{AlarmKind::kMeterOffline, AlarmTarget::of_meter(the_meter())}, kT0, std::nullopt},
       {{AlarmKind::kBusOffline, AlarmTarget::of_bus("bus2")}, kT0, kT0 + kHour / 4}},
      kT0, kT0 + kHour);
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[0].kind, AlarmKind::kBusOffline);
  EXPECT_EQ(r[0].total, kHour / 4);
  EXPECT_EQ(r[1].total, kHour);
}

}  // namespace
}  // namespace phil::domain
