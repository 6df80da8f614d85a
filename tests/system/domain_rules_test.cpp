// Decision rules of the bus runtime, pure (domain/supervision.hpp, domain/status.hpp): meter
// replacement suspicion, relay mismatch, host-side trip and close, the status an account change
// leaves; the timing of a bus's communication (silent-box backoff, adaptive timeout, poll
// slots); the thresholds and the price downloads a meter needs and the prices its ledger charges
// (domain/settings.hpp); and the manual monotonic clock the runtime's tests step.
#include <array>
#include <chrono>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <phil/domain/clock.hpp>
#include <phil/domain/closing.hpp>
#include <phil/domain/comm.hpp>
#include <phil/domain/conversion.hpp>
#include <phil/domain/outbox.hpp>
#include <phil/domain/settings.hpp>
#include <phil/domain/status.hpp>
#include <phil/domain/supervision.hpp>

namespace phil::domain {
namespace {

MeterReading reading(std::int64_t energy_wh, std::uint16_t purchase_count) {
  MeterReading r;
  r.energy_wh = energy_wh;
  r.purchase_count = purchase_count;
  return r;
}

MeterReading relay(MeterMode mode, bool closed) {
  MeterReading r;
  r.mode = mode;
  r.relay_closed = closed;
  return r;
}

// ---- serial-suspect heuristic ----

TEST(SerialSuspect, CountersGoingForwardOrStillAreNotSuspect) {
  EXPECT_FALSE(counters_went_back(reading(1000, 3), reading(1000, 3)));
  EXPECT_FALSE(counters_went_back(reading(1000, 3), reading(1500, 4)));
}

TEST(SerialSuspect, EnergyGoingBackIsSuspect) {
  EXPECT_TRUE(counters_went_back(reading(1000, 3), reading(999, 3)));
}

TEST(SerialSuspect, PurchaseCountGoingBackIsSuspectUnlessItWrapped) {
  EXPECT_TRUE(counters_went_back(reading(1000, 3), reading(1000, 2)));
  // 65535 -> 0: the 16-bit count wrapped, the meter is the same.
  EXPECT_FALSE(counters_went_back(reading(1000, 65'535), reading(1000, 0)));
  EXPECT_FALSE(counters_went_back(reading(1000, 65'001), reading(1000, 499)));
  // Not near the ends: a reset, not a wrap.
  EXPECT_TRUE(counters_went_back(reading(1000, 65'000), reading(1000, 10)));
  EXPECT_TRUE(counters_went_back(reading(1000, 65'535), reading(1000, 500)));
}

TEST(SerialSuspect, UnknownSerialsOrARecoveredBoxAreAlwaysRead) {
  const std::array<MeterReading, 1> same{reading(1000, 3)};
  EXPECT_TRUE(serials_suspect(false, false, same, same));
  EXPECT_TRUE(serials_suspect(true, true, same, same));
  EXPECT_FALSE(serials_suspect(true, false, same, same));
}

TEST(SerialSuspect, AnyCircuitGoingBackMakesTheBoxSuspect) {
  const std::array<MeterReading, 3> last{reading(10, 1), reading(20, 1), reading(30, 1)};
  const std::array<MeterReading, 3> now{reading(11, 1), reading(5, 0), reading(31, 1)};
  EXPECT_TRUE(serials_suspect(true, false, last, now));
}

TEST(SerialSuspect, CircuitsBeyondTheShorterListAreNotCompared) {
  const std::array<MeterReading, 1> last{reading(10, 1)};
  const std::array<MeterReading, 2> now{reading(11, 1), reading(0, 0)};
  EXPECT_FALSE(serials_suspect(true, false, last, now));
  EXPECT_FALSE(serials_suspect(true, false, {}, now));  // no reading kept yet
}

// ---- relay mismatch ----

TEST(RelayMismatch, ForcedOffWithTheRelayClosedIsAMismatch) {
  const auto why = relay_mismatch(relay(MeterMode::kForcedOff, true), std::nullopt);
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, "mode forced_off but the relay reports closed");
  EXPECT_FALSE(relay_mismatch(relay(MeterMode::kForcedOff, false), std::nullopt));
}

TEST(RelayMismatch, KeepPowerWithTheRelayOpenIsAMismatch) {
  const auto why = relay_mismatch(relay(MeterMode::kKeepPower, false), std::nullopt);
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, "mode keep_power but the relay reports open");
  EXPECT_FALSE(relay_mismatch(relay(MeterMode::kKeepPower, true), std::nullopt));
}

TEST(RelayMismatch, PrepaidMayHaveItsRelayEitherWay) {
  // A prepaid meter opens its relay by itself at zero: not a mismatch.
  EXPECT_FALSE(relay_mismatch(relay(MeterMode::kPrepaid, false), std::nullopt));
  EXPECT_FALSE(relay_mismatch(relay(MeterMode::kPrepaid, true), MeterMode::kPrepaid));
}

TEST(RelayMismatch, AModeOtherThanTheConfirmedCommandIsAMismatch) {
  const auto why = relay_mismatch(relay(MeterMode::kPrepaid, true), MeterMode::kKeepPower);
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, "commanded mode keep_power but the meter reports prepaid");
}

TEST(RelayMismatch, TheRelayContradictingItsModeIsReportedBeforeTheCommand) {
  const auto why = relay_mismatch(relay(MeterMode::kForcedOff, true), MeterMode::kPrepaid);
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, "mode forced_off but the relay reports closed");
}

// ---- host-side trip and close ----

const auto kNever = [] { return false; };
const auto kAlways = [] { return true; };

TEST(HostRelay, APrepaidMeterIsTrippedAtZeroAndBelowAndOtherwiseHeldSoItNeverTripsItself) {
  EXPECT_EQ(decide_host_relay(0, MeterMode::kPrepaid, kNever, kNever), HostRelayAction::kTrip);
  EXPECT_EQ(decide_host_relay(-1, MeterMode::kPrepaid, kNever, kNever), HostRelayAction::kTrip);
  EXPECT_EQ(decide_host_relay(1, MeterMode::kPrepaid, kNever, kNever), HostRelayAction::kHold);
  EXPECT_EQ(relay_command(HostRelayAction::kHold), RelayCommand::kKeepPower);
  EXPECT_EQ(to_string(HostRelayAction::kHold), "host_hold");
}

TEST(HostRelay, AMeterTheSystemHoldsIsTrippedAtZero) {
  EXPECT_EQ(decide_host_relay(0, MeterMode::kKeepPower, kNever, kNever), HostRelayAction::kTrip);
  EXPECT_EQ(decide_host_relay(1, MeterMode::kKeepPower, kNever, kNever), std::nullopt);
}

TEST(HostRelay, AMeterTheSystemTrippedIsClosedToKeepPowerOnceTheBalanceIsPositive) {
  EXPECT_EQ(decide_host_relay(1, MeterMode::kForcedOff, kAlways, kNever), HostRelayAction::kClose);
  EXPECT_EQ(relay_command(HostRelayAction::kClose), RelayCommand::kKeepPower);
  EXPECT_EQ(decide_host_relay(0, MeterMode::kForcedOff, kAlways, kNever), std::nullopt);
}

TEST(HostRelay, AnOperatorsTripAndAnOperatorsKeepPowerAreNotUndone) {
  EXPECT_EQ(decide_host_relay(500, MeterMode::kForcedOff, kNever, kNever), std::nullopt);
  EXPECT_EQ(decide_host_relay(-500, MeterMode::kKeepPower, kNever, kAlways), std::nullopt);
}

TEST(HostRelay, AnUnknownModeIsLeftAlone) {
  EXPECT_EQ(decide_host_relay(-100, MeterMode::kUnknown, kAlways, kNever), std::nullopt);
  EXPECT_EQ(decide_host_relay(100, MeterMode::kUnknown, kAlways, kNever), std::nullopt);
}

TEST(HostRelay, WhoTrippedIsAskedOnlyWhenAClosingIsOtherwiseDue) {
  int asked = 0;
  const auto count = [&] {
    ++asked;
    return true;
  };
  (void)decide_host_relay(-1, MeterMode::kPrepaid, count, count);
  (void)decide_host_relay(-1, MeterMode::kForcedOff, count, count);
  (void)decide_host_relay(1, MeterMode::kPrepaid, count, count);
  (void)decide_host_relay(1, MeterMode::kKeepPower, count, count);
  EXPECT_EQ(asked, 0);
  (void)decide_host_relay(1, MeterMode::kForcedOff, count, count);
  EXPECT_EQ(asked, 1);
  (void)decide_host_relay(0, MeterMode::kKeepPower, count, count);
  EXPECT_EQ(asked, 2);
}

TEST(HostRelay, ActionsCarryTheirEventKindAndModeCommand) {
  EXPECT_EQ(to_string(HostRelayAction::kTrip), "host_trip");
  EXPECT_EQ(to_string(HostRelayAction::kClose), "host_close");
  EXPECT_EQ(relay_command(HostRelayAction::kTrip), RelayCommand::kForcedOff);
  EXPECT_EQ(relay_command(HostRelayAction::kClose), RelayCommand::kKeepPower);
}

TEST(HostRelay, TheLatestHostBillingEventDecidesWhoTripped) {
  using K = std::string_view;
  EXPECT_FALSE(tripped_by_host(std::array<K, 0>{}));
  EXPECT_TRUE(tripped_by_host(std::array<K, 2>{"host_trip", "relay_mismatch"}));
  EXPECT_FALSE(tripped_by_host(std::array<K, 2>{"host_trip", "host_close"}));
  EXPECT_FALSE(tripped_by_host(std::array<K, 2>{"host_trip", "host_hold"}));
  EXPECT_TRUE(tripped_by_host(std::array<K, 3>{"host_close", "meter_replaced", "host_trip"}));
  EXPECT_FALSE(tripped_by_host(std::array<K, 1>{"clock_drift"}));
}

// ---- status after an account change ----

TEST(StatusAfterAccountChange, AnOfflineMeterStaysOffline) {
  EXPECT_EQ(status_after_account_change(MeterStatus::kOffline, true), MeterStatus::kOffline);
  EXPECT_EQ(status_after_account_change(MeterStatus::kOffline, false), MeterStatus::kOffline);
}

TEST(StatusAfterAccountChange, OtherwiseTheAccountDecides) {
  for (const auto s : {MeterStatus::kNotOpened, MeterStatus::kNormal, MeterStatus::kAlarm1,
                       MeterStatus::kAlarm2, MeterStatus::kArrears}) {
    EXPECT_EQ(status_after_account_change(s, true), MeterStatus::kNormal) << to_string(s);
    EXPECT_EQ(status_after_account_change(s, false), MeterStatus::kNotOpened) << to_string(s);
  }
}

TEST(StatusAfterAccountChange, AgreesWithDeriveStatusBeforeTheNextReading) {
  // Right after the change nothing is read yet: derive_status gives the same answer.
  for (const auto open : {false, true}) {
    for (const int failed : {0, 1, kDefaultOfflineAfter, kDefaultOfflineAfter + 2}) {
      const auto before =
          failed >= kDefaultOfflineAfter ? MeterStatus::kOffline : MeterStatus::kArrears;
      EXPECT_EQ(status_after_account_change(before, open),
                derive_status({open, failed, kDefaultOfflineAfter, std::nullopt, {}}));
    }
  }
}

// ---- communication timing ----

TEST(SilentBoxBackoff, DoublesFromTheFirstRetryDelayUpToThePollInterval) {
  const Millis poll{30 * 60 * 1000};
  const auto first = retry_delay(1);
  EXPECT_EQ(silent_box_backoff(1, poll), first);
  EXPECT_EQ(silent_box_backoff(2, poll), 2 * first);
  EXPECT_EQ(silent_box_backoff(3, poll), 4 * first);
  EXPECT_EQ(silent_box_backoff(40, poll), poll);
}

TEST(SilentBoxBackoff, NeverLongerThanAShortPollIntervalAndNeverZero) {
  EXPECT_EQ(silent_box_backoff(1, Millis(1)), Millis(1));
  EXPECT_EQ(silent_box_backoff(5, Millis(0)), Millis(1));
}

TEST(AdaptiveTimeout, NoFigureBeforeEnoughReplies) {
  const std::vector<Millis> seven(kAdaptiveTimeoutMinSamples - 1, Millis(100));
  EXPECT_EQ(adaptive_timeout(seven, 3, Millis(50), Millis(800)), std::nullopt);
}

TEST(AdaptiveTimeout, IsTheFactorTimesTheP99WithinItsBounds) {
  std::vector<Millis> replies(99, Millis(100));
  replies.emplace_back(250);  // the slowest of 100 is the p99 (index 99)
  EXPECT_EQ(adaptive_timeout(replies, 3, Millis(50), Millis(800)), Millis(750));
  EXPECT_EQ(adaptive_timeout(replies, 3, Millis(50), Millis(500)), Millis(500));
  const std::vector<Millis> fast(8, Millis(5));
  EXPECT_EQ(adaptive_timeout(fast, 3, Millis(50), Millis(800)), Millis(50));
}

TEST(AdaptiveTimeout, TheCeilingWinsWhenItIsBelowTheFloor) {
  const std::vector<Millis> replies(8, Millis(5));
  EXPECT_EQ(adaptive_timeout(replies, 3, Millis(50), Millis(40)), Millis(40));
}

TEST(PollSlot, TheFirstCycleSetsTheAnchorAtTheBussOffset) {
  const TimePoint t0{Millis(1'000'000)};
  const auto slot = next_poll_slot(std::nullopt, t0, Millis(600), Millis(200), t0 + Millis(50));
  EXPECT_EQ(slot.next, t0 + Millis(800));
  EXPECT_EQ(slot.missed, 0U);
}

TEST(PollSlot, LaterCyclesKeepTheAnchorWhateverTheirStart) {
  const TimePoint slot0{Millis(1'000'000)};
  // Started 100 ms late, finished within the interval: the next slot is the anchored one.
  const auto slot =
      next_poll_slot(slot0, slot0 + Millis(100), Millis(600), Millis(200), slot0 + Millis(400));
  EXPECT_EQ(slot.next, slot0 + Millis(600));
  EXPECT_EQ(slot.missed, 0U);
}

TEST(PollSlot, SlotsThatPassedDuringTheCycleAreMissed) {
  const TimePoint slot0{Millis(1'000'000)};
  // The cycle ended exactly on the second slot after: that one is missed too.
  const auto slot = next_poll_slot(slot0, slot0, Millis(600), Millis(0), slot0 + Millis(1200));
  EXPECT_EQ(slot.next, slot0 + Millis(1800));
  EXPECT_EQ(slot.missed, 2U);
}

// ---- settings = the stored ones (thresholds) ----

constexpr Thresholds kStored{2000, 500, 0};
constexpr ThresholdsPayload kStoredPayload{2000, 500, 0};
constexpr ThresholdsPayload kOther{1000, 500, 0};

TEST(ThresholdsDownload, AMeterWhoseValuesAreNotKnownGetsTheStoredOnes) {
  EXPECT_EQ(thresholds_download(kStored, std::nullopt, std::nullopt), kStoredPayload);
}

TEST(ThresholdsDownload, AMeterKnownToHoldTheStoredValuesNeedsNothing) {
  EXPECT_FALSE(thresholds_download(kStored, kStored, std::nullopt));
  EXPECT_EQ(thresholds_download(kStored, Thresholds{1000, 500, 0}, std::nullopt), kStoredPayload);
}

TEST(ThresholdsDownload, AnOpenCommandCarryingTheStoredValuesIsNeverRepeated) {
  EXPECT_FALSE(thresholds_download(kStored, std::nullopt, kStoredPayload));
  EXPECT_FALSE(thresholds_download(kStored, Thresholds{1000, 500, 0}, kStoredPayload));
}

TEST(ThresholdsDownload, AnOpenCommandOfOtherValuesIsFollowedByTheStoredOnes) {
  // Even when the meter holds the stored values now: the open one would overwrite them.
  EXPECT_EQ(thresholds_download(kStored, kStored, kOther), kStoredPayload);
  EXPECT_EQ(thresholds_download(kStored, std::nullopt, kOther), kStoredPayload);
}

TEST(ThresholdsDownload, OnlyAKnownOtherValueDiffers) {
  EXPECT_FALSE(thresholds_differ(kStored, std::nullopt));
  EXPECT_FALSE(thresholds_differ(kStored, kStored));
  EXPECT_TRUE(thresholds_differ(kStored, Thresholds{2000, 500, 4000}));
  EXPECT_EQ(thresholds_expected(kStored, kOther), (Thresholds{1000, 500, 0}));
  EXPECT_EQ(thresholds_expected(kStored, std::nullopt), kStored);
}

TEST(PriceTable, ASingleOrTouTariffIsItsFourRatesATieredOneHasNone) {
  EXPECT_EQ(price_table(Tariff::single(6000)), (PricePayload{{6000, 6000, 6000, 6000}}));
  Tariff tou;
  tou.rates = {12000, 9000, 6000, 3000};
  EXPECT_EQ(price_table(tou), (PricePayload{{12000, 9000, 6000, 3000}}));
  tou.tier_period = TierPeriod::kMonthly;
  tou.tiers = {{0, 0}, {200'000, 500}};
  EXPECT_FALSE(price_table(tou));
}

TEST(PricesState, TheMetersReadBackAgainstTheStoredTable) {
  const PricePayload stored{{6000, 6000, 6000, 6000}};
  EXPECT_EQ(prices_state(stored, stored), PricesState::kEqual);
  EXPECT_EQ(prices_state(stored, PricePayload{{6000, 6000, 6000, 5000}}), PricesState::kDiffer);
  EXPECT_EQ(prices_state(stored, std::nullopt), PricesState::kUnknown);
  EXPECT_EQ(prices_state(std::nullopt, stored), PricesState::kNone);
  EXPECT_EQ(to_string(PricesState::kDiffer), "differ");
}

TEST(TouTable, OnlyATouTariffOfDifferentRatesNeedsTheBoxTable) {
  EXPECT_FALSE(tou_table(Tariff::single(6000)));
  Tariff tou;
  tou.rates = {12000, 9000, 6000, 3000};
  tou.periods = {{0, TouRate::kValley}, {480, TouRate::kPeak}, {1320, TouRate::kValley}};
  EXPECT_EQ(tou_table(tou), (TouSchedulePayload{tou.periods}));
  tou.tier_period = TierPeriod::kMonthly;
  tou.tiers = {{0, 0}, {200'000, 500}};
  EXPECT_FALSE(tou_table(tou));  // tiered: the meter holds nothing of it
}

TEST(PricesDownload, TheStoredTableUnlessTheMeterHoldsOrWillHoldIt) {
  const PricePayload stored{{6000, 6000, 6000, 6000}};
  const PricePayload other{{8000, 8000, 8000, 8000}};
  EXPECT_EQ(prices_download(stored, std::nullopt, std::nullopt), stored);  // not known
  EXPECT_EQ(prices_download(stored, other, std::nullopt), stored);
  EXPECT_FALSE(prices_download(stored, stored, std::nullopt));
  EXPECT_FALSE(prices_download(stored, other, stored));       // never a duplicate of an open one
  EXPECT_EQ(prices_download(stored, stored, other), stored);  // the open one would overwrite
  const TouSchedulePayload table{{{0, TouRate::kValley}, {480, TouRate::kPeak}}};
  EXPECT_EQ(tou_download(table, std::nullopt, std::nullopt), table);
  EXPECT_FALSE(tou_download(table, table, std::nullopt));
  EXPECT_FALSE(tou_download(table, std::nullopt, table));
}

TimePoint hour(int h) {
  return TimePoint{} + std::chrono::hours(24 * 365 * 56 + h);
}

TEST(MeterPriceSchedule, WithoutConfirmationTheStoredScheduleCharges) {
  const TariffSchedule stored{{{hour(0), Tariff::single(6000)}}, std::chrono::minutes(480)};
  const auto s = meter_price_schedule(stored, {});
  ASSERT_EQ(s.versions.size(), 1U);
  EXPECT_EQ(s.at(hour(5)).rates, Tariff::single(6000).rates);
}

TEST(MeterPriceSchedule, FromTheConfirmationOnTheMetersRatesOnTheStoredPeriods) {
  Tariff tou;
  tou.rates = {12000, 9000, 6000, 3000};
  tou.periods = {{0, TouRate::kValley}, {480, TouRate::kPeak}};
  tou.tier_period = TierPeriod::kMonthly;
  tou.tiers = {{0, 0}, {200'000, 500}};
  const TariffSchedule stored{{{hour(0), tou}}, std::chrono::minutes(480)};
  const PricePayload confirmed{{13000, 10000, 7000, 4000}};
  const auto s = meter_price_schedule(stored, {{hour(10), confirmed}});
  ASSERT_FALSE(check_schedule(s));
  EXPECT_EQ(s.at(hour(9)).rates, tou.rates);  // before: the stored tariff, tiers and all
  EXPECT_EQ(s.at(hour(9)).tier_period, TierPeriod::kMonthly);
  EXPECT_EQ(s.at(hour(10)).rates, confirmed.prices);
  EXPECT_EQ(s.at(hour(10)).periods, tou.periods);
  EXPECT_EQ(s.at(hour(10)).tier_period, TierPeriod::kNone);  // the meter applies no tiers
  EXPECT_TRUE(s.at(hour(10)).tiers.empty());
}

TEST(MeterPriceSchedule, EachConfirmationAndEachLaterStoredVersionCuts) {
  Tariff later = Tariff::single(6500);
  later.periods = {{0, TouRate::kFlat}, {600, TouRate::kPeak}};
  const TariffSchedule stored{{{hour(0), Tariff::single(6000)}, {hour(20), later}},
                              std::chrono::minutes(480)};
  const PricePayload first{{8000, 8000, 8000, 8000}};
  const PricePayload second{{9000, 9000, 9000, 9000}};
  // Given out of order: ordered by the read-back instant.
  const auto s = meter_price_schedule(stored, {{hour(30), second}, {hour(10), first}});
  ASSERT_FALSE(check_schedule(s));
  EXPECT_EQ(s.at(hour(5)).rates, Tariff::single(6000).rates);
  EXPECT_EQ(s.at(hour(15)).rates, first.prices);
  // The stored version of hour 20 is not confirmed yet: the meter still deducts `first`, on
  // the new period table.
  EXPECT_EQ(s.at(hour(25)).rates, first.prices);
  EXPECT_EQ(s.at(hour(25)).periods, later.periods);
  EXPECT_EQ(s.at(hour(35)).rates, second.prices);
}

TEST(MeterPriceSchedule, AConfirmationBeforeEveryStoredVersionKeepsTheTimeBeforeIt) {
  const TariffSchedule stored{{{hour(20), Tariff::single(6000)}}, std::chrono::minutes(480)};
  const PricePayload confirmed{{8000, 8000, 8000, 8000}};
  const auto s = meter_price_schedule(stored, {{hour(10), confirmed}});
  ASSERT_FALSE(check_schedule(s));
  EXPECT_EQ(s.at(hour(5)).rates, Tariff::single(6000).rates);
  EXPECT_EQ(s.at(hour(10)).rates, confirmed.prices);
  EXPECT_EQ(s.at(hour(25)).rates, confirmed.prices);
}

// ---- manual monotonic clock ----

TEST(ManualMonotonicClock, SleepingAdvancesItInsteadOfBlocking) {
  ManualMonotonicClock c;
  EXPECT_EQ(c.now().count(), 0);
  c.sleep_for(Millis(250));
  c.advance(std::chrono::microseconds(1500));
  EXPECT_EQ(c.now(), std::chrono::nanoseconds(251'500'000));
}

// ---- closing an account (closing.hpp) ----

StepCommand cmd(CommandState state, std::string error = {}) {
  return {7, state, std::move(error)};
}

TEST(ClosingRules, TheRelayGoesFirstAndItsConfirmationAsksForTheFinalRead) {
  MeterClosingFacts f;
  EXPECT_EQ(next_close_action(f).action, CloseAction::kQueueRelay);
  f.relay = cmd(CommandState::kPending);
  EXPECT_EQ(next_close_action(f).action, CloseAction::kWait);
  f.relay = cmd(CommandState::kInFlight);  // comm loss: the outbox retries, the closing waits
  EXPECT_EQ(next_close_action(f).action, CloseAction::kWait);
  f.relay = cmd(CommandState::kConfirmed);
  EXPECT_EQ(next_close_action(f).action, CloseAction::kRequestRead);
}

TEST(ClosingRules, AfterTheFinalReadAMeterHoldingMoneyIsDebitedOfWhatItHolds) {
  MeterClosingFacts f;
  f.step = CloseStep::kReading;
  f.holds_money = true;
  f.balance_fen = 4870;
  EXPECT_EQ(next_close_action(f).action, CloseAction::kWait);  // not read since the relay opened
  f.read_since_relay = true;
  const auto d = next_close_action(f);
  EXPECT_EQ(d.action, CloseAction::kQueueDebit);
  EXPECT_EQ(d.debit_fen, 4870);
  // Nothing to take off: an empty or negative meter, or one that holds no money (host-side).
  f.balance_fen = 0;
  EXPECT_EQ(next_close_action(f).action, CloseAction::kDone);
  f.balance_fen = -30;
  EXPECT_EQ(next_close_action(f).action, CloseAction::kDone);
  f.balance_fen = 500;
  f.holds_money = false;
  EXPECT_EQ(next_close_action(f).action, CloseAction::kDone);
}

TEST(ClosingRules, ADebitIsDoneOnConfirmationAndARefusalBlocksWithItsReason) {
  MeterClosingFacts f;
  f.step = CloseStep::kDebit;
  f.holds_money = true;
  f.balance_fen = 100;
  f.debit = cmd(CommandState::kInFlight);
  EXPECT_EQ(next_close_action(f).action, CloseAction::kWait);
  f.debit = cmd(CommandState::kConfirmed);
  EXPECT_EQ(next_close_action(f).action, CloseAction::kDone);
  f.debit = cmd(CommandState::kFailed, "exception 03 (illegal data value)");
  const auto d = next_close_action(f);
  EXPECT_EQ(d.action, CloseAction::kBlock);
  EXPECT_NE(d.reason.find("debit 7 failed: exception 03"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("account close again"), std::string::npos) << d.reason;
  f.blocked = true;
  EXPECT_EQ(next_close_action(f).action, CloseAction::kWait);
  // A refused debit is retried from a new reading; a refused relay from a new forced_off.
  EXPECT_EQ(resume_step(CloseStep::kDebit), CloseStep::kReading);
  EXPECT_EQ(resume_step(CloseStep::kRelay), CloseStep::kRelay);
}

TEST(ClosingRules, ASupersededForcedOffBlocksTheClosing) {
  MeterClosingFacts f;
  f.relay = cmd(CommandState::kSuperseded, "superseded by a newer command");
  const auto d = next_close_action(f);
  EXPECT_EQ(d.action, CloseAction::kBlock);
  EXPECT_NE(d.reason.find("forced-off command 7 was superseded"), std::string::npos) << d.reason;
}

TEST(ClosingRules, TheSettlementEndsTheLedgerAtWhatTheMeterHoldsOrRefundsAHostSideBalance) {
  // Meter-side: the meter deducted 10 fen more than the ledger mirrored.
  auto s = settle_close({10, 0});
  EXPECT_EQ(s.settle_debit_fen, 10);
  EXPECT_EQ(s.settle_credit_fen, 0);
  EXPECT_EQ(s.refund_fen, 0);
  EXPECT_EQ(s.owed_fen, 0);
  // ... or 25 fen less.
  s = settle_close({-25, 0});
  EXPECT_EQ(s.settle_credit_fen, 25);
  EXPECT_EQ(s.settle_debit_fen, 0);
  // A meter left at -40 fen: settled to it, and the tenant owes it.
  s = settle_close({0, -40});
  EXPECT_EQ(s.settle_credit_fen, 0);
  EXPECT_EQ(s.settle_debit_fen, 40);
  EXPECT_EQ(s.owed_fen, 40);
  // Host-side: the ledger's balance is paid back; a debt stays owed.
  s = settle_close({4880, std::nullopt});
  EXPECT_EQ(s.refund_fen, 4880);
  EXPECT_EQ(s.owed_fen, 0);
  s = settle_close({-50, std::nullopt});
  EXPECT_EQ(s.refund_fen, 0);
  EXPECT_EQ(s.owed_fen, 50);
  EXPECT_EQ(parse_close_step(to_string(CloseStep::kDebit)), CloseStep::kDebit);
  EXPECT_FALSE(parse_close_step("settled"));
}

TEST(ConversionRules, TheSwitchSettlesTheLedgerToWhatTheMeterHeldForTheTenant) {
  auto s = settle_switch(4940, 4930, 0);  // the meter took 0.10 more than the ledger mirrored
  EXPECT_EQ(s.settle_debit_fen, 10);
  EXPECT_EQ(s.settle_credit_fen, 0);
  s = settle_switch(4940, 3000 + 4950, 3000);  // 30.00 a former tenant left is not the account's
  EXPECT_EQ(s.settle_debit_fen, 0);
  EXPECT_EQ(s.settle_credit_fen, 10);
  s = settle_switch(4940, std::nullopt, 0);  // never read: the ledger is taken as it is
  EXPECT_EQ(s.settle_debit_fen + s.settle_credit_fen, 0);
}

TEST(ConversionRules, TheRegisterIsDebitedOnlyOffPrepaidModeAtANewerReading) {
  ConversionFacts f;
  EXPECT_EQ(next_convert_action(f).action, ConvertAction::kWait);  // no reading since the switch
  f.mode = MeterMode::kPrepaid;
  f.balance_fen = 4930;
  EXPECT_EQ(next_convert_action(f).action, ConvertAction::kWait);  // a 0 would trip it
  f.mode = MeterMode::kUnknown;
  EXPECT_EQ(next_convert_action(f).action, ConvertAction::kWait);
  for (const auto mode : {MeterMode::kKeepPower, MeterMode::kForcedOff}) {
    f.mode = mode;
    const auto d = next_convert_action(f);
    EXPECT_EQ(d.action, ConvertAction::kQueueDebit);
    EXPECT_EQ(d.debit_fen, 4930);
  }
  f.balance_fen = 0;
  EXPECT_EQ(next_convert_action(f).action, ConvertAction::kDone);
  f.balance_fen = -20;  // keep_power went below 0 on the meter: nothing to take off
  EXPECT_EQ(next_convert_action(f).action, ConvertAction::kDone);
}

TEST(ConversionRules, AFailedDebitIsRetriedUntilTheLimitAndALeftMeterIsCancelled) {
  ConversionFacts f;
  f.mode = MeterMode::kKeepPower;
  f.balance_fen = 100;
  f.debit = StepCommand{7, CommandState::kInFlight, ""};
  EXPECT_EQ(next_convert_action(f).action, ConvertAction::kWait);
  f.debit->state = CommandState::kConfirmed;
  EXPECT_EQ(next_convert_action(f).action, ConvertAction::kDone);
  f.debit = StepCommand{7, CommandState::kFailed, "exception 03"};
  EXPECT_EQ(next_convert_action(f).action, ConvertAction::kRetry);
  f.failed_debits = kMaxConvertDebits - 1;
  const auto d = next_convert_action(f);
  EXPECT_EQ(d.action, ConvertAction::kBlock);
  EXPECT_NE(d.reason.find("exception 03"), std::string::npos);
  f.attached = false;
  EXPECT_EQ(next_convert_action(f).action, ConvertAction::kCancel);
}

TEST(ConversionRules, TheWayBackFillsTheRegisterToTheLedgerOffPrepaidModeOutOfArrears) {
  ConvertBackFacts f;
  f.ledger_fen = 3000;
  EXPECT_EQ(next_convert_back_action(f).action, ConvertBackAction::kWait);  // no reading yet
  f.mode = MeterMode::kPrepaid;
  f.balance_fen = 200;
  EXPECT_EQ(next_convert_back_action(f).action, ConvertBackAction::kWait);
  f.mode = MeterMode::kKeepPower;
  auto d = next_convert_back_action(f);
  EXPECT_EQ(d.action, ConvertBackAction::kQueueCredit);
  EXPECT_EQ(d.amount_fen, 2800);
  f.balance_fen = 5000;  // the register holds more than the account's money
  d = next_convert_back_action(f);
  EXPECT_EQ(d.action, ConvertBackAction::kQueueDebit);
  EXPECT_EQ(d.amount_fen, 2000);
  for (const auto held : {2999, 3000, 3001}) {  // within the tolerance
    f.balance_fen = held;
    EXPECT_EQ(next_convert_back_action(f).action, ConvertBackAction::kDone) << held;
  }
  f.balance_fen = 2998;
  EXPECT_EQ(next_convert_back_action(f).action, ConvertBackAction::kQueueCredit);
  f.ledger_fen = 0;  // arrears: a meter holds no debt, a sale first
  EXPECT_EQ(next_convert_back_action(f).action, ConvertBackAction::kWait);
}

TEST(ConversionRules, TheWayBackDecidesAgainAfterEachCommandAndGivesUpAtTheLimit) {
  ConvertBackFacts f;
  f.ledger_fen = 3000;
  f.mode = MeterMode::kForcedOff;
  f.balance_fen = 0;
  f.command = StepCommand{9, CommandState::kInFlight, ""};
  EXPECT_EQ(next_convert_back_action(f).action, ConvertBackAction::kWait);
  for (const auto s :
       {CommandState::kConfirmed, CommandState::kFailed, CommandState::kSuperseded}) {
    f.command->state = s;
    EXPECT_EQ(next_convert_back_action(f).action, ConvertBackAction::kNext);
  }
  f.command.reset();
  f.commands = kMaxConvertDebits;
  const auto d = next_convert_back_action(f);
  EXPECT_EQ(d.action, ConvertBackAction::kBlock);
  EXPECT_NE(d.reason.find("stays host-side"), std::string::npos) << d.reason;
  f.attached = false;
  EXPECT_EQ(next_convert_back_action(f).action, ConvertBackAction::kCancel);
}

}  // namespace
}  // namespace phil::domain
