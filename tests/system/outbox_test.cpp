// The meter-command outbox: payload forms, priority, supersede rules (domain), and the SQLite
// store's queue API on a real database file.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <phil/domain/daily_periods.hpp>
#include <phil/domain/outbox.hpp>
#include <phil/store/store.hpp>

#include "support/sqlite_count.hpp"
#include "support/temp_dir.hpp"

namespace phil {
namespace {

using domain::ClockPayload;
using domain::CommandKind;
using domain::CommandPayload;
using domain::CommandState;
using domain::CreditPayload;
using domain::DailyPeriod;
using domain::MeterId;
using domain::MeterMode;
using domain::ModePayload;
using domain::PricePayload;
using domain::RelayCommand;
using domain::ThresholdsPayload;
using domain::TouRate;
using domain::TouSchedulePayload;

constexpr TimePoint kT0{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z

const std::vector<CommandPayload>& all_payloads() {
  static const std::vector<CommandPayload> kAll{
      CreditPayload{2000},
      CreditPayload{2000, true},
      PricePayload{{12000, 9000, 6000, 3000}},
      ThresholdsPayload{2000, 500, 4000},
      ModePayload{RelayCommand::kForcedOff},
      TouSchedulePayload{{{0, TouRate::kValley}, {480, TouRate::kPeak}, {1320, TouRate::kValley}}},
      ClockPayload{},
      domain::DebitPayload{1500, domain::DebitPurpose::kRefund, std::nullopt},
      domain::DebitPayload{2000, domain::DebitPurpose::kReversal, 7},
  };
  return kAll;
}

// ---- domain ----

TEST(OutboxPayload, EveryKindRoundTripsThroughItsTextForm) {
  for (const auto& p : all_payloads()) {
    const auto kind = domain::kind_of(p);
    const auto text = domain::encode_payload(p);
    auto back = domain::decode_payload(kind, text);
    ASSERT_TRUE(back) << text << ": " << back.error().message;
    EXPECT_EQ(back.value(), p) << text;
    EXPECT_EQ(domain::parse_command_kind(domain::to_string(kind)), kind);
  }
}

TEST(OutboxPayload, TextFormsAreTheDocumentedOnes) {
  EXPECT_EQ(domain::encode_payload(CreditPayload{2000}), "amount_fen=2000");
  EXPECT_EQ(domain::encode_payload(CreditPayload{2000, true}), "amount_fen=2000 purpose=convert");
  EXPECT_EQ(domain::encode_payload(PricePayload{{12000, 9000, 6000, 3000}}),
            "sharp=12000 peak=9000 flat=6000 valley=3000");
  EXPECT_EQ(domain::encode_payload(ThresholdsPayload{2000, 500, 4000}),
            "alarm1_fen=2000 alarm2_fen=500 overload_w=4000");
  EXPECT_EQ(domain::encode_payload(ModePayload{RelayCommand::kClose}), "relay=close");
  EXPECT_EQ(
      domain::encode_payload(TouSchedulePayload{{{0, TouRate::kValley}, {485, TouRate::kPeak}}}),
      "periods=00:00/valley,08:05/peak");
  EXPECT_EQ(domain::encode_payload(ClockPayload{}), "");
}

TEST(OutboxPayload, ADebitNamesItsPurposeAndAReversalItsSale) {
  using domain::DebitPayload;
  using domain::DebitPurpose;
  EXPECT_EQ(domain::encode_payload(DebitPayload{1500, DebitPurpose::kRefund, std::nullopt}),
            "amount_fen=1500 purpose=refund");
  EXPECT_EQ(domain::encode_payload(DebitPayload{2000, DebitPurpose::kReversal, 7}),
            "amount_fen=2000 purpose=reversal ref_seq=7");
  for (const auto* bad : {"amount_fen=0 purpose=refund", "amount_fen=5 purpose=gift",
                          "amount_fen=5 purpose=reversal", "amount_fen=5 purpose=refund ref_seq=3",
                          "amount_fen=5", "amount_fen=5 purpose=refund extra=1"}) {
    EXPECT_FALSE(domain::decode_payload(CommandKind::kDebit, bad)) << bad;
  }
}

TEST(OutboxPayload, MalformedOrOutOfRangeTextIsRejectedWithTheKey) {
  struct Case {
    CommandKind kind;
    const char* text;
  };
  for (const auto& c : std::vector<Case>{
           {CommandKind::kCredit, ""},
           {CommandKind::kCredit, "amount_fen=0"},
           {CommandKind::kCredit, "amount_fen=12x"},
           {CommandKind::kCredit, "amount_fen=1 amount_fen=2"},
           {CommandKind::kCredit, "amount_fen=1 purpose=refund"},
           {CommandKind::kCredit, "purpose=convert"},
           {CommandKind::kCredit, "amount_fen=0 purpose=convert"},
           {CommandKind::kPrice, "sharp=1 peak=2 flat=3"},
           {CommandKind::kPrice, "sharp=1 peak=2 flat=3 valley=-1"},
           {CommandKind::kThresholds, "alarm1_fen=100 alarm2_fen=500 overload_w=4000"},
           {CommandKind::kThresholds, "alarm1_fen=500 alarm2_fen=100 overload_w=-1"},
           {CommandKind::kMode, "relay=open"},
           {CommandKind::kTouSchedule, "periods=08:00/peak"},
           {CommandKind::kTouSchedule, "periods=00:00/peak,25:00/flat"},
           {CommandKind::kTouSchedule, "periods=00:00/peak,08:00/cheap"},
           {CommandKind::kClock, "now=1"},
       }) {
    auto r = domain::decode_payload(c.kind, c.text);
    EXPECT_FALSE(r) << c.text;
    if (!r) {
      EXPECT_NE(r.error().message.find(std::string(domain::to_string(c.kind))), std::string::npos)
          << r.error().message;
    }
  }
}

TEST(OutboxPayload, APeriodTableAsTypedIsRefusedNamingTheRowAndWhatIsWrongWithIt) {
  const auto message = [](const char* text) {
    const auto r = domain::parse_daily_periods(text);
    EXPECT_FALSE(r) << text;
    return r ? std::string() : r.error().message;
  };
  EXPECT_EQ(message("00:00/peak,25:00/flat"),
            "row 2 \"25:00/flat\": \"25:00\" is not a time of day HH:MM (00:00..23:59)");
  EXPECT_EQ(message("00:00/peak,08:00/cheap"),
            "row 2 \"08:00/cheap\": \"cheap\" is not a rate; use sharp, peak, flat or valley");
  EXPECT_EQ(message("00:00"), "row 1 \"00:00\" has no rate; write HH:MM/rate, e.g. 08:00/peak");
  EXPECT_EQ(message("08:00/peak"),
            "the daily period table must start at 00:00 so every minute of the day has a rate");
  // Nothing of the outbox's own wording reaches the operator.
  EXPECT_EQ(message("00:00/peak,25:00/flat").find("outbox"), std::string::npos);
  const auto ok = domain::parse_daily_periods("00:00/valley,08:00/peak");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok.value(), (std::vector<DailyPeriod>{{0, TouRate::kValley}, {480, TouRate::kPeak}}));
}

TEST(OutboxPayload, AThresholdBeyondItsRegisterIsBlamedOnItsOwnFieldInYuan) {
  EXPECT_EQ(*domain::check_payload(ThresholdsPayload{5'000'000'000, 500, 4000}),
            "alarm 1 of 50000000.00 yuan is more than the meter's register holds (at most "
            "42949672.95 yuan)");
  EXPECT_EQ(*domain::check_payload(ThresholdsPayload{2000, 500, -1}),
            "overload threshold -1 W is outside 0..4294967295 W (0: no overload protection)");
  // 0 is the site's default: no overload protection, as the meter's register takes it.
  EXPECT_FALSE(domain::check_payload(ThresholdsPayload{2000, 500, 0}));
}

TEST(OutboxRules, PriorityPutsRelayControlFirstThenCreditsThenSettingsThenClock) {
  EXPECT_LT(domain::priority(CommandKind::kMode), domain::priority(CommandKind::kCredit));
  EXPECT_LT(domain::priority(CommandKind::kCredit), domain::priority(CommandKind::kThresholds));
  EXPECT_LT(domain::priority(CommandKind::kThresholds), domain::priority(CommandKind::kPrice));
  EXPECT_EQ(domain::priority(CommandKind::kPrice), domain::priority(CommandKind::kTouSchedule));
  EXPECT_LT(domain::priority(CommandKind::kPrice), domain::priority(CommandKind::kClock));
}

TEST(OutboxRules, EveryKindButCreditAndDebitSupersedesAndOnlyTouAndClockAreBoxLevel) {
  EXPECT_EQ(domain::priority(CommandKind::kDebit), domain::priority(CommandKind::kCredit));
  for (const auto& p : all_payloads()) {
    const auto k = domain::kind_of(p);
    EXPECT_EQ(domain::supersedes(k), k != CommandKind::kCredit && k != CommandKind::kDebit)
        << domain::to_string(k);
    EXPECT_EQ(domain::is_box_level(k), k == CommandKind::kTouSchedule || k == CommandKind::kClock)
        << domain::to_string(k);
  }
}

TEST(OutboxRules, RelayCommandsMapToModesAndCloseNeedsTheRelayClosed) {
  EXPECT_EQ(domain::target_mode(RelayCommand::kKeepPower), MeterMode::kKeepPower);
  EXPECT_EQ(domain::target_mode(RelayCommand::kPrepaid), MeterMode::kPrepaid);
  EXPECT_EQ(domain::target_mode(RelayCommand::kForcedOff), MeterMode::kForcedOff);
  EXPECT_EQ(domain::target_mode(RelayCommand::kClose), MeterMode::kPrepaid);
  EXPECT_TRUE(domain::mode_confirmed(RelayCommand::kPrepaid, MeterMode::kPrepaid, false));
  EXPECT_FALSE(domain::mode_confirmed(RelayCommand::kClose, MeterMode::kPrepaid, false));
  EXPECT_TRUE(domain::mode_confirmed(RelayCommand::kClose, MeterMode::kPrepaid, true));
  EXPECT_FALSE(domain::mode_confirmed(RelayCommand::kForcedOff, MeterMode::kPrepaid, false));
  for (auto c : {RelayCommand::kKeepPower, RelayCommand::kPrepaid, RelayCommand::kForcedOff,
                 RelayCommand::kClose}) {
    EXPECT_EQ(domain::parse_relay_command(domain::to_string(c)), c);
  }
}

TEST(OutboxRules, SendableHeadsAreOnePerTargetInPriorityOrderAndANotDueHeadBlocks) {
  const TimePoint later = kT0 + Millis(60'000);
  const std::vector<domain::QueuedCommand> open{
      {1, "bus1/1/1", CommandKind::kCredit, kT0},
      {2, "bus1/1/1", CommandKind::kCredit, kT0},      // behind credit 1
      {3, "bus1/1/2", CommandKind::kPrice, kT0},       // head of meter 2 until 4 arrives
      {4, "bus1/1/2", CommandKind::kMode, kT0},        // mode jumps ahead of the price
      {5, "bus1/1/3", CommandKind::kCredit, later},    // head, not due: blocks meter 3
      {6, "bus1/1/3", CommandKind::kThresholds, kT0},  // behind a head that is not due
      {7, "bus1/1/0", CommandKind::kClock, kT0},       // the box itself
  };
  const auto heads = domain::sendable_heads(open, kT0, 10);
  std::vector<std::int64_t> ids;
  ids.reserve(heads.size());
  for (auto i : heads)
    ids.push_back(open[i].id);
  EXPECT_EQ(ids, (std::vector<std::int64_t>{4, 1, 7}));
  EXPECT_EQ(domain::sendable_heads(open, kT0, 2).size(), 2U);
  EXPECT_EQ(domain::sendable_heads(open, later, 10).size(), 4U);
}

// ---- store ----

class OutboxStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("site.db");
    store_ = store::open_sqlite_store(path_);
    store_->register_meters({meter(1), meter(2)}, "adf300l-i", false);
    store_->register_meters({MeterId{"bus2", 3, 1}}, "adf300l-i", false);
  }
  static MeterId meter(int circuit) { return MeterId{"bus1", 1, circuit}; }
  static MeterId box1() { return MeterId{"bus1", 1, 0}; }
  std::int64_t enqueue(const MeterId& t, CommandPayload p, TimePoint at = kT0) {
    auto r = store_->enqueue_command({t, std::move(p), "manager", at});
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? r.value() : -1;
  }
  CommandState state(std::int64_t id) { return store_->command(id)->state; }

  test::TempDir dir_;
  std::string path_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(OutboxStoreTest, EveryOperatorKindIsQueuedWithTypedPayloadPriorityAndAudit) {
  const auto price = enqueue(meter(1), PricePayload{{12000, 9000, 6000, 3000}});
  const auto thresholds = enqueue(meter(1), ThresholdsPayload{2000, 500, 4000});
  const auto mode = enqueue(meter(2), ModePayload{RelayCommand::kKeepPower});
  const auto tou = enqueue(box1(), TouSchedulePayload{{{0, TouRate::kFlat}}});
  const auto clock = enqueue(box1(), ClockPayload{});
  const auto c = store_->command(thresholds);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, CommandKind::kThresholds);
  EXPECT_EQ(c->meter, meter(1));
  EXPECT_EQ(c->priority, domain::priority(CommandKind::kThresholds));
  EXPECT_EQ(std::get<ThresholdsPayload>(c->params), (ThresholdsPayload{2000, 500, 4000}));
  EXPECT_EQ(c->state, CommandState::kPending);
  EXPECT_EQ(store_->command(tou)->meter, box1());
  EXPECT_EQ(store_->open_commands("bus1").size(), 5U);
  // Per target one head, by priority: mode (meter 2), thresholds (meter 1), TOU (box 1).
  std::vector<std::int64_t> ids;
  for (const auto& cmd : store_->next_commands("bus1", kT0, 10))
    ids.push_back(cmd.id);
  EXPECT_EQ(ids, (std::vector<std::int64_t>{mode, thresholds, tou}));
  (void)price;
  (void)clock;
}

TEST_F(OutboxStoreTest, ANewerCommandSupersedesPendingOnesOfTheSameKindAndTargetOnly) {
  const auto trip = enqueue(meter(1), ModePayload{RelayCommand::kForcedOff});
  const auto other_meter = enqueue(meter(2), ModePayload{RelayCommand::kForcedOff});
  const auto price = enqueue(meter(1), PricePayload{{6000, 6000, 6000, 6000}});
  const auto close = enqueue(meter(1), ModePayload{RelayCommand::kClose});
  EXPECT_EQ(state(trip), CommandState::kSuperseded);
  EXPECT_EQ(state(other_meter), CommandState::kPending);
  EXPECT_EQ(state(price), CommandState::kPending);
  EXPECT_EQ(state(close), CommandState::kPending);
}

TEST_F(OutboxStoreTest, AnInFlightCommandIsNeverSupersededAndRunsToItsEnd) {
  const auto trip = enqueue(meter(1), ModePayload{RelayCommand::kForcedOff});
  ASSERT_TRUE(store_->try_begin_attempt(trip, std::nullopt, kT0));
  const auto close = enqueue(meter(1), ModePayload{RelayCommand::kClose});
  EXPECT_EQ(state(trip), CommandState::kInFlight);
  // The older one stays the head until it is confirmed; then the newer one is sent.
  auto next = store_->next_commands("bus1", kT0, 10);
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(next[0].id, trip);
  store_->confirm_command(trip, {}, kT0, {});
  next = store_->next_commands("bus1", kT0, 10);
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(next[0].id, close);
}

TEST_F(OutboxStoreTest, CreditsAreNeverSupersededAndCannotBeEnqueuedWithoutASale) {
  ASSERT_TRUE(store_->open_account({"A401", "Li", {meter(1)}, 1000, "cashier", kT0}));
  ASSERT_TRUE(store_->sale({"A401", 500, "cashier", kT0}));
  auto open = store_->open_commands("bus1");
  ASSERT_EQ(open.size(), 2U);
  for (const auto& c : open) {
    EXPECT_EQ(c.kind, CommandKind::kCredit);
    EXPECT_EQ(c.state, CommandState::kPending);
    EXPECT_EQ(std::get<CreditPayload>(c.params).amount_fen, c.amount_fen);
  }
  auto r = store_->enqueue_command({meter(1), CreditPayload{100}, "manager", kT0});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("sale"), std::string::npos);
  auto d = store_->enqueue_command(
      {meter(1), domain::DebitPayload{100, domain::DebitPurpose::kRefund, std::nullopt}, "manager",
       kT0});
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("refund"), std::string::npos);
  // The credits go one after the other, in sale order.
  auto next = store_->next_commands("bus1", kT0, 10);
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(next[0].id, open[0].id);
}

TEST_F(OutboxStoreTest, RefusalsNameTheProblemAndWriteNothing) {
  struct Case {
    MeterId target;
    CommandPayload params;
    const char* expect;
  };
  for (const auto& c : std::vector<Case>{
           {MeterId{"bus1", 1, 9}, ModePayload{}, "not configured"},
           {MeterId{"bus9", 1, 0}, ClockPayload{}, "not configured"},
           {meter(1), ClockPayload{}, "box command"},
           {box1(), ModePayload{}, "not configured"},
           {meter(1), ThresholdsPayload{100, 500, 4000}, "alarm 2"},
           {box1(), TouSchedulePayload{}, "empty"},
       }) {
    auto r = store_->enqueue_command({c.target, c.params, "manager", kT0});
    ASSERT_FALSE(r) << c.expect;
    EXPECT_NE(r.error().message.find(c.expect), std::string::npos) << r.error().message;
  }
  EXPECT_TRUE(store_->open_commands("bus1").empty());
}

TEST_F(OutboxStoreTest, TryBeginAttemptReportsACommandSupersededMeanwhile) {
  const auto first = enqueue(meter(1), PricePayload{{1, 1, 1, 1}});
  const auto seen = store_->next_commands("bus1", kT0, 10);
  ASSERT_EQ(seen.size(), 1U);
  // Another process (prepaidctl) queues a newer price before the worker starts the attempt.
  auto other = store::open_sqlite_store(path_);
  ASSERT_TRUE(
      other->enqueue_command({meter(1), PricePayload{{2, 2, 2, 2}}, "manager", kT0 + Millis(1)}));
  EXPECT_FALSE(store_->try_begin_attempt(first, std::nullopt, kT0));
  EXPECT_THROW(store_->begin_attempt(first, std::nullopt, kT0), store::StoreError);
  EXPECT_EQ(state(first), CommandState::kSuperseded);
}

TEST_F(OutboxStoreTest, BoxLevelCommandsConfirmAndFailWithoutAMeter) {
  const auto clock = enqueue(box1(), ClockPayload{});
  const auto tou = enqueue(box1(), TouSchedulePayload{{{0, TouRate::kFlat}}});
  ASSERT_TRUE(store_->try_begin_attempt(tou, std::nullopt, kT0));
  store_->confirm_command(tou, {}, kT0, {});
  EXPECT_EQ(state(tou), CommandState::kConfirmed);
  store_->fail_command(clock, "box clock register refused the write", kT0);
  EXPECT_EQ(state(clock), CommandState::kFailed);
  const auto events = store_->events(std::nullopt);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind, "command_failed");
  EXPECT_FALSE(events.back().meter);
  EXPECT_NE(events.back().details.find("bus1/1/0"), std::string::npos);
}

TEST_F(OutboxStoreTest, DeferredHeadIsNotSendableUntilDueAndNextDueReportsIt) {
  const auto mode = enqueue(meter(1), ModePayload{RelayCommand::kForcedOff});
  ASSERT_TRUE(store_->try_begin_attempt(mode, std::nullopt, kT0));
  const TimePoint retry = kT0 + Millis(5000);
  store_->defer_command(mode, "timeout", retry, kT0, 1);
  enqueue(meter(1), PricePayload{{1, 1, 1, 1}});
  EXPECT_TRUE(store_->next_commands("bus1", kT0, 10).empty());
  EXPECT_EQ(store_->next_command_due("bus1"), retry);
  EXPECT_EQ(store_->next_commands("bus1", retry, 10).size(), 1U);
  EXPECT_FALSE(store_->next_command_due("bus2"));
}

/// Credits and debits are written by the money operations, not enqueued.
bool operator_kind(const CommandPayload& p) {
  const auto k = domain::kind_of(p);
  return k != CommandKind::kCredit && k != CommandKind::kDebit;
}

TEST_F(OutboxStoreTest, PendingCommandsOfEveryKindSurviveReopening) {
  for (const auto& p : all_payloads()) {
    if (!operator_kind(p)) continue;
    enqueue(domain::is_box_level(domain::kind_of(p)) ? box1() : meter(1), p);
  }
  store_.reset();
  store_ = store::open_sqlite_store(path_);
  const auto open = store_->open_commands("bus1");
  ASSERT_EQ(open.size(), 5U);
  std::size_t i = 0;
  for (const auto& p : all_payloads()) {
    if (!operator_kind(p)) continue;
    EXPECT_EQ(open[i++].params, p);
  }
}

/// v9 rebuilds the outbox for debits. A v8 file (test::undo_schema_to) keeps every command, its
/// state and count, and a meter replacement that refers to one of them (the rebuild drops the table
/// others refer to: the migration must not trip over the key).
TEST_F(OutboxStoreTest, MigrationV9KeepsTheCommandsAndWhatRefersToThem) {
  ASSERT_TRUE(store_->open_account({"A401", "Li", {meter(1)}, 1000, "cashier", kT0}));
  const auto trip = enqueue(meter(2), ModePayload{RelayCommand::kForcedOff});
  const auto credit = store_->open_commands("bus1").front().id;
  ASSERT_TRUE(store_->try_begin_attempt(credit, std::uint16_t{5}, kT0));
  store_.reset();
  ASSERT_EQ(test::undo_schema_to(path_, store::sqlite_schema_version(), 8), "");
  ASSERT_EQ(test::sql(path_,
                      "INSERT INTO meter_replacements (old_meter, new_meter, account, "
                      "final_read_at, final_energy_wh, final_balance_fen, transferred_fen, "
                      "credit_command, operator, at) VALUES ('bus1/1/2', 'bus1/1/1', "
                      "'A401', 0, 0, 0, 0, " +
                          std::to_string(credit) + ", 'installer', 0)"),
            "");
  store_ = store::open_sqlite_store(path_);
  const auto open = store_->open_commands("bus1");
  ASSERT_EQ(open.size(), 2U);
  EXPECT_EQ(open[0].id, credit);
  EXPECT_EQ(open[0].state, CommandState::kInFlight);
  EXPECT_EQ(open[0].purchase_count, 5);
  EXPECT_EQ(open[1].id, trip);
  EXPECT_EQ(test::count_rows(path_,
                             "meter_replacements WHERE credit_command = " + std::to_string(credit)),
            1);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

}  // namespace
}  // namespace phil
