// Domain rules: money rounding and carry, meter ids, status derivation, the credit delivery
// decision table, ledger journal checks and energy-delta billing.
#include <random>

#include <gtest/gtest.h>

#include <phil/domain/billing.hpp>
#include <phil/domain/ledger.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/money.hpp>
#include <phil/domain/outbox.hpp>
#include <phil/domain/status.hpp>

namespace phil::domain {
namespace {

// ---- money ----

TEST(Money, OneKilowattHourAtSixtyFenCostsSixtyFen) {
  const auto a = accrue(6000, 1000, 0);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->fen, 60);
  EXPECT_EQ(a->carry, 0);
}

TEST(Money, SubFenRemainderCarriesAndIsNeverRoundedUp) {
  // 1 Wh at 0.6000 yuan/kWh = 0.06 fen: nothing charged yet, 6000 cost units carried.
  const auto a = accrue(6000, 1, 0);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->fen, 0);
  EXPECT_EQ(a->carry, 6000);
  // 16 more Wh: 17 Wh = 1.02 fen -> 1 fen charged, 0.02 fen carried.
  const auto b = accrue(6000, 16, a->carry);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->fen, 1);
  EXPECT_EQ(b->carry, 2000);
}

TEST(Money, RejectsOutOfRangeArguments) {
  EXPECT_FALSE(accrue(-1, 10, 0));
  EXPECT_FALSE(accrue(6000, -1, 0));
  EXPECT_FALSE(accrue(6000, 1, kCostUnitsPerFen));
  EXPECT_FALSE(accrue(kMaxPrice + 1, 1, 0));
  EXPECT_FALSE(accrue(6000, kMaxChargeEnergyWh + 1, 0));
  EXPECT_TRUE(accrue(kMaxPrice, kMaxChargeEnergyWh, kCostUnitsPerFen - 1));
}

TEST(Money, ManySmallChargesSumExactlyToOneChargeOfTheirTotal) {
  std::mt19937_64 rng(20260301);  // fixed seed: the same splits on every run
  std::uniform_int_distribution<std::int64_t> price_dist(1, 20'000);
  std::uniform_int_distribution<std::int64_t> piece(0, 5'000);
  std::uniform_int_distribution<int> pieces(1, 200);
  for (int round = 0; round < 500; ++round) {
    const auto price = price_dist(rng);
    std::int64_t carry = 0;
    std::int64_t charged = 0;
    std::int64_t total_wh = 0;
    const int n = pieces(rng);
    for (int i = 0; i < n; ++i) {
      const auto wh = piece(rng);
      const auto a = accrue(price, wh, carry);
      ASSERT_TRUE(a);
      charged += a->fen;
      carry = a->carry;
      total_wh += wh;
    }
    const auto whole = accrue(price, total_wh, 0);
    ASSERT_TRUE(whole);
    ASSERT_EQ(charged, whole->fen) << "price " << price << ", " << n << " pieces";
    ASSERT_EQ(carry, whole->carry);
  }
}

// ---- meter ids ----

TEST(MeterIdParse, AcceptsBusBoxCircuit) {
  const auto id = MeterId::parse("bus1/3/12");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->bus, "bus1");
  EXPECT_EQ(id->box, 3);
  EXPECT_EQ(id->circuit, 12);
  EXPECT_EQ(id->to_string(), "bus1/3/12");
}

TEST(MeterIdParse, RejectsMalformedAndOutOfRange) {
  for (const char* bad :
       {"", "bus1", "bus1/3", "bus1/3/", "/3/1", "bus1/0/1", "bus1/248/1", "bus1/1/0", "bus1/1/65",
        "bus1/01/1", "bus1/1/1/1", "bus 1/1/1", "bus1/+1/1", "bus1/1/x", "bus1/-1/1"}) {
    EXPECT_FALSE(MeterId::parse(bad)) << bad;
  }
  EXPECT_TRUE(MeterId::parse("floor-4.a_b/247/64"));
}

// ---- status ----

MeterReading reading(std::int64_t balance, bool alarm1 = false, bool alarm2 = false,
                     bool arrears = false) {
  MeterReading r;
  r.balance_fen = balance;
  r.alarm1 = alarm1;
  r.alarm2 = alarm2;
  r.arrears = arrears;
  return r;
}

TEST(StatusDerivation, FollowsPrecedenceOfflineNotOpenedArrearsAlarm2Alarm1Normal) {
  struct Case {
    StatusInputs in;
    MeterStatus want = MeterStatus::kNormal;
  };
  const Thresholds t{2000, 500, 0};
  const Case cases[] = {
      {{true, 3, 3, 5000, t}, MeterStatus::kOffline},
      {{false, 3, 3, std::nullopt, t}, MeterStatus::kOffline},
      {{true, 3, 3, -5, t}, MeterStatus::kOffline},
      {{true, 2, 3, 5000, t}, MeterStatus::kNormal},
      {{false, 0, 3, 5000, t}, MeterStatus::kNotOpened},
      {{false, 0, 3, -5, t}, MeterStatus::kNotOpened},
      {{true, 0, 3, std::nullopt, t}, MeterStatus::kNormal},
      {{true, 0, 3, 0, t}, MeterStatus::kArrears},
      {{true, 0, 3, -1, t}, MeterStatus::kArrears},
      {{true, 0, 3, 1, t}, MeterStatus::kAlarm2},
      {{true, 0, 3, 500, t}, MeterStatus::kAlarm2},
      {{true, 0, 3, 501, t}, MeterStatus::kAlarm1},
      {{true, 0, 3, 2000, t}, MeterStatus::kAlarm1},
      {{true, 0, 3, 2001, t}, MeterStatus::kNormal},
      {{true, 1, 1, 2001, t}, MeterStatus::kOffline},
      // The meter's own thresholds, not fixed ones.
      {{true, 0, 3, 2001, {5000, 1000, 0}}, MeterStatus::kAlarm1},
      {{true, 0, 3, 1000, {5000, 1000, 0}}, MeterStatus::kAlarm2},
      {{true, 0, 3, 400, {0, 0, 0}}, MeterStatus::kNormal},
      {{true, 0, 3, 0, {0, 0, 0}}, MeterStatus::kArrears},
      // Alarm 1 and 2 equal: alarm 2 outranks.
      {{true, 0, 3, 700, {700, 700, 0}}, MeterStatus::kAlarm2},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(derive_status(c.in), c.want)
        << "open " << c.in.account_open << " failed " << c.in.failed_cycles << " balance "
        << c.in.balance_fen.value_or(-999999);
  }
}

TEST(StatusDerivation, EveryBalanceAroundTheThresholdsFallsInExactlyOneBand) {
  const Thresholds t{2000, 500, 0};
  for (std::int64_t b = -100; b <= 2100; ++b) {
    const auto want = b <= 0      ? MeterStatus::kArrears
                      : b <= 500  ? MeterStatus::kAlarm2
                      : b <= 2000 ? MeterStatus::kAlarm1
                                  : MeterStatus::kNormal;
    ASSERT_EQ(derive_status({true, 0, 3, b, t}), want) << b;
    // Offline and not opened outrank the balance whatever it is.
    ASSERT_EQ(derive_status({true, 3, 3, b, t}), MeterStatus::kOffline) << b;
    ASSERT_EQ(derive_status({false, 0, 3, b, t}), MeterStatus::kNotOpened) << b;
  }
}

TEST(StatusDerivation, DeviceBitsAreNoInput) {
  // The inputs hold a balance, not a reading: a device that sets no bits (or all of them)
  // cannot move the status. What its bits say is only cross-checked.
  EXPECT_EQ(status_of_bits(reading(100)), MeterStatus::kNormal);
  EXPECT_EQ(status_of_bits(reading(100, true)), MeterStatus::kAlarm1);
  EXPECT_EQ(status_of_bits(reading(100, true, true)), MeterStatus::kAlarm2);
  EXPECT_EQ(status_of_bits(reading(100, false, true)), MeterStatus::kAlarm2);
  EXPECT_EQ(status_of_bits(reading(100, true, true, true)), MeterStatus::kArrears);
  EXPECT_EQ(status_of_bits(reading(100, false, false, true)), MeterStatus::kArrears);
}

TEST(StatusDerivation, BitsMismatchIsTheDisagreementKeyedDerivedThenDevice) {
  EXPECT_EQ(status_bits_mismatch(MeterStatus::kAlarm1, reading(1500)), "alarm1/normal");
  EXPECT_EQ(status_bits_mismatch(MeterStatus::kAlarm2, reading(400)), "alarm2/normal");
  EXPECT_EQ(status_bits_mismatch(MeterStatus::kArrears, reading(0)), "arrears/normal");
  EXPECT_EQ(status_bits_mismatch(MeterStatus::kNormal, reading(3000, true)), "normal/alarm1");
  EXPECT_EQ(status_bits_mismatch(MeterStatus::kAlarm2, reading(400, true)), "alarm2/alarm1");
  EXPECT_EQ(status_bits_mismatch(MeterStatus::kAlarm1, reading(1500, true)), std::nullopt);
  EXPECT_EQ(status_bits_mismatch(MeterStatus::kAlarm2, reading(400, true, true)), std::nullopt);
  EXPECT_EQ(status_bits_mismatch(MeterStatus::kArrears, reading(0, true, true, true)),
            std::nullopt);
  EXPECT_EQ(status_bits_mismatch(MeterStatus::kNormal, reading(3000)), std::nullopt);
  // Nothing to compare: offline or not opened.
  EXPECT_EQ(status_bits_mismatch(MeterStatus::kOffline, reading(0, true, true, true)),
            std::nullopt);
  EXPECT_EQ(status_bits_mismatch(MeterStatus::kNotOpened, reading(0, true, true, true)),
            std::nullopt);
}

TEST(StatusDerivation, BitsMismatchIsNulloptExactlyWhenTheBitsSayTheDerivedStatus) {
  const MeterStatus balance_statuses[] = {MeterStatus::kNormal, MeterStatus::kAlarm1,
                                          MeterStatus::kAlarm2, MeterStatus::kArrears};
  for (const auto derived : balance_statuses) {
    for (int bits = 0; bits < 8; ++bits) {
      const auto r = reading(100, (bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0);
      const auto m = status_bits_mismatch(derived, r);
      EXPECT_EQ(m.has_value(), status_of_bits(r) != derived) << to_string(derived) << bits;
      if (m) {
        EXPECT_EQ(
            *m, std::string(to_string(derived)) + "/" + std::string(to_string(status_of_bits(r))));
      }
    }
  }
}

TEST(StatusDerivation, NamesRoundTrip) {
  for (auto s : {MeterStatus::kNotOpened, MeterStatus::kNormal, MeterStatus::kAlarm1,
                 MeterStatus::kAlarm2, MeterStatus::kArrears, MeterStatus::kOffline}) {
    EXPECT_EQ(parse_meter_status(to_string(s)), s);
  }
  EXPECT_EQ(to_string(MeterStatus::kNotOpened), "not_opened");
  EXPECT_FALSE(parse_meter_status("green"));
}

// ---- credit delivery decision ----

TEST(CreditDecision, FirstAttemptAssignsMeterCountPlusOne) {
  const auto d = decide_credit(std::nullopt, 7);
  EXPECT_EQ(d.action, CreditAction::kWrite);
  EXPECT_EQ(d.count, 8);
  EXPECT_TRUE(d.assign);
}

TEST(CreditDecision, MeterAtAssignedCountMeansAppliedSoConfirmWithoutResending) {
  const auto d = decide_credit(8, 8);
  EXPECT_EQ(d.action, CreditAction::kConfirm);
  EXPECT_FALSE(d.assign);
}

TEST(CreditDecision, MeterOneBelowAssignedMeansNotAppliedSoResendSameCount) {
  const auto d = decide_credit(8, 7);
  EXPECT_EQ(d.action, CreditAction::kWrite);
  EXPECT_EQ(d.count, 8);
  EXPECT_FALSE(d.assign);
}

TEST(CreditDecision, AnyOtherMeterCountIsAConflictForAnOperator) {
  for (int meter_count : {0, 6, 9, 10, 1000, 65535}) {
    const auto meter = static_cast<std::uint16_t>(meter_count);
    const auto d = decide_credit(8, meter);
    EXPECT_EQ(d.action, CreditAction::kFail) << meter;
    EXPECT_NE(d.reason.find("conflict"), std::string::npos);
    EXPECT_NE(d.reason.find(std::to_string(meter)), std::string::npos);
  }
}

TEST(CreditDecision, CountWrapsAtSixteenBits) {
  const auto first = decide_credit(std::nullopt, 65535);
  EXPECT_EQ(first.action, CreditAction::kWrite);
  EXPECT_EQ(first.count, 0);
  EXPECT_EQ(decide_credit(0, 65535).action, CreditAction::kWrite);
  EXPECT_EQ(decide_credit(0, 0).action, CreditAction::kConfirm);
  EXPECT_EQ(decide_credit(0, 1).action, CreditAction::kFail);
}

TEST(DebitDecision, FollowsTheCreditRuleByItsOwnCount) {
  EXPECT_EQ(decide_debit(std::nullopt, 3).count, 4);
  EXPECT_TRUE(decide_debit(std::nullopt, 3).assign);
  EXPECT_EQ(decide_debit(4, 4).action, CreditAction::kConfirm);
  EXPECT_EQ(decide_debit(4, 3).action, CreditAction::kWrite);
  EXPECT_EQ(decide_debit(0, 65535).action, CreditAction::kWrite);
  const auto conflict = decide_debit(4, 9);
  EXPECT_EQ(conflict.action, CreditAction::kFail);
  EXPECT_NE(conflict.reason.find("debit_count conflict: debit was assigned count 4"),
            std::string::npos)
      << conflict.reason;
}

TEST(DebitDecision, AnOperatorSeesPendingConfirmedOrCancelled) {
  EXPECT_EQ(domain::debit_state(CommandState::kPending), "pending");
  EXPECT_EQ(domain::debit_state(CommandState::kInFlight), "pending");
  EXPECT_EQ(domain::debit_state(CommandState::kConfirmed), "confirmed");
  EXPECT_EQ(domain::debit_state(CommandState::kFailed), "cancelled");
  EXPECT_EQ(domain::debit_state(CommandState::kSuperseded), "cancelled");
}

TEST(CommandOutbox, TerminalStatesAndBackoff) {
  EXPECT_FALSE(is_terminal(CommandState::kPending));
  EXPECT_FALSE(is_terminal(CommandState::kInFlight));
  EXPECT_TRUE(is_terminal(CommandState::kConfirmed));
  EXPECT_TRUE(is_terminal(CommandState::kFailed));
  EXPECT_TRUE(is_terminal(CommandState::kSuperseded));
  EXPECT_EQ(retry_delay(1), Millis(5000));
  EXPECT_EQ(retry_delay(2), Millis(10000));
  EXPECT_EQ(retry_delay(30), Millis(300000));
  for (auto k :
       {CommandKind::kCredit, CommandKind::kPrice, CommandKind::kThresholds, CommandKind::kMode}) {
    EXPECT_EQ(parse_command_kind(to_string(k)), k);
  }
  EXPECT_EQ(parse_command_state("in_flight"), CommandState::kInFlight);
}

// ---- ledger ----

TEST(Journal, ConsistentJournalHasNoProblems) {
  const std::vector<JournalEntry> j{{1, "A", EntryKind::kSale, 2000, 2000},
                                    {2, "B", EntryKind::kSale, 500, 500},
                                    {3, "A", EntryKind::kCharge, 0, 2000},
                                    {4, "A", EntryKind::kCharge, 60, 1940}};
  EXPECT_TRUE(verify_journal(j, {{"A", 1940}, {"B", 500}, {"C", 0}}).empty());
}

TEST(Journal, DetectsGapsWrongRunningBalancesAndKeptBalanceMismatch) {
  const std::vector<JournalEntry> gap{{1, "A", EntryKind::kSale, 2000, 2000},
                                      {3, "A", EntryKind::kCharge, 60, 1940}};
  EXPECT_EQ(verify_journal(gap, {{"A", 1940}}).size(), 1U);
  const std::vector<JournalEntry> wrong{{1, "A", EntryKind::kSale, 2000, 2000},
                                        {2, "A", EntryKind::kCharge, 60, 1950}};
  EXPECT_EQ(verify_journal(wrong, {{"A", 1940}}).size(), 1U);
  const std::vector<JournalEntry> ok{{1, "A", EntryKind::kSale, 2000, 2000}};
  EXPECT_EQ(verify_journal(ok, {{"A", 1999}}).size(), 1U);
  EXPECT_EQ(verify_journal(ok, {}).size(), 1U);  // entries of an unknown account
  const std::vector<JournalEntry> zero_sale{{1, "A", EntryKind::kSale, 0, 0}};
  EXPECT_EQ(verify_journal(zero_sale, {{"A", 0}}).size(), 1U);
}

TEST(Journal, SalesCreditAndChargesDebit) {
  EXPECT_EQ(balance_sign(EntryKind::kSale), 1);
  EXPECT_EQ(balance_sign(EntryKind::kTransferIn), 1);
  EXPECT_EQ(balance_sign(EntryKind::kCharge), -1);
  EXPECT_EQ(balance_sign(EntryKind::kRefund), -1);
  EXPECT_EQ(balance_sign(EntryKind::kReversal), -1);
  EXPECT_EQ(balance_sign(EntryKind::kTransferOut), -1);
}

// ---- billing ----

TEST(Billing, FirstReadingAfterOpeningIsTheBaseline) {
  const auto p = plan_charge({std::nullopt, 123'456, 6000, 0});
  EXPECT_EQ(p.event, EnergyEvent::kBaseline);
  EXPECT_EQ(p.fen, 0);
  EXPECT_EQ(p.billed_energy_wh, 123'456);
}

TEST(Billing, ChargesTheDeltaWithTheCarryRule) {
  const auto p = plan_charge({1000, 2017, 6000, 4000});
  EXPECT_EQ(p.event, EnergyEvent::kNone);
  EXPECT_EQ(p.energy_wh, 1017);
  // 1017 Wh x 6000 + 4000 = 6'106'000 units = 61 fen + 6000 units
  EXPECT_EQ(p.fen, 61);
  EXPECT_EQ(p.carry, 6000);
  EXPECT_EQ(p.billed_energy_wh, 2017);
}

TEST(Billing, EnergyGoingBackwardsIsNeverChargedAndRebases) {
  const auto p = plan_charge({50'000, 10, 6000, 123});
  EXPECT_EQ(p.event, EnergyEvent::kMeterReplaced);
  EXPECT_EQ(p.fen, 0);
  EXPECT_EQ(p.carry, 123);
  EXPECT_EQ(p.billed_energy_wh, 10);
}

TEST(Billing, OutOfRangePriceIsAProgrammingError) {
  EXPECT_THROW(plan_charge({0, 10, -1, 0}), std::invalid_argument);
}

}  // namespace
}  // namespace phil::domain
