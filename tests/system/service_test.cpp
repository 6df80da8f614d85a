// System end to end against an emulated ADF300 on the scripted fake master: polling, billing,
// exactly-once credit delivery through lost requests and replies, comm loss.
#include <gtest/gtest.h>

#include <phil/service/system.hpp>
#include <phil/store/store.hpp>

#include "support/fake_site.hpp"

namespace phil::service {
namespace {

using domain::MeterId;
using meterlink::FakeMaster;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z
constexpr Millis kPoll{30 * 60 * 1000};

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest() {
    // These specs count the frames of polls and deliveries; clock sync has its own tests.
    site_.config.clock_sync.reset();
    site_.start();
  }

  std::vector<FakeMaster::Request> writes_log() const {
    std::vector<FakeMaster::Request> out;
    for (const auto& r : site_.master.log()) {
      if (r.op == FakeMaster::Op::kWrite) out.push_back(r);
    }
    return out;
  }
  void open(const std::string& account, const MeterId& m, std::int64_t first_sale) {
    const auto r = site_.desk->open_account(account, "tenant", {m}, first_sale, "cashier");
    ASSERT_TRUE(r) << r.error().message;
  }
  /// Meter at purchase_count 3, account A401 open and polled, then a 20.00 sale whose first
  /// write meets `fault`; the clock is 1 s later.
  void sell_with_first_write_fault(FakeMaster::Fault fault) {
    site_.device.set(1, 1, {.purchase_count = 3});
    open("A401", m11_, 0);
    site_.system->run_iterate();
    site_.master.inject({FakeMaster::Op::kWrite, 1, fault});
    ASSERT_TRUE(site_.desk->sale("A401", 2'000, "cashier"));
    site_.step(Millis(1000));
  }

  test::FakeSite site_{kStart};
  const MeterId m11_{"bus1", 1, 1};
  const MeterId m21_{"bus1", 2, 1};
};

TEST_F(ServiceTest, RegistersEveryCircuitOfEveryConfiguredBox) {
  EXPECT_TRUE(site_.system->meter({"bus1", 1, 12}));
  EXPECT_TRUE(site_.system->meter({"bus1", 2, 1}));
  EXPECT_FALSE(site_.system->meter({"bus1", 1, 13}));
  EXPECT_FALSE(site_.system->meter({"bus1", 3, 1}));
  EXPECT_EQ(site_.system->meter(m11_)->status, domain::MeterStatus::kNotOpened);
  EXPECT_FALSE(site_.system->meter(m11_)->ever_read);
}

TEST_F(ServiceTest, FirstPollAtFirstIterationStoresReadings) {
  site_.device.set(1, 1,
                   {.energy_wh = 5'000, .balance_fen = 1234, .purchase_count = 2, .power_w = 900});
  EXPECT_EQ(site_.system->next_due(), kStart);
  site_.system->run_iterate();
  const auto m = site_.system->meter(m11_);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->ever_read);
  EXPECT_EQ(m->read_at, kStart);
  EXPECT_EQ(m->energy_wh, 5'000);
  EXPECT_EQ(m->meter_balance_fen, 1234);
  EXPECT_EQ(m->power_w, 900);
  EXPECT_TRUE(m->relay_closed);
  EXPECT_EQ(m->mode, domain::MeterMode::kPrepaid);
  EXPECT_EQ(m->purchase_count, 2);
  EXPECT_EQ(site_.system->counters("bus1").polls_completed, 1U);
  EXPECT_EQ(site_.system->next_due(), kStart + kPoll);
  // Not due: a second iteration at the same time reads nothing.
  site_.clear_log();
  site_.system->run_iterate();
  EXPECT_TRUE(site_.master.log().empty());
  EXPECT_EQ(site_.system->counters("bus1").polls_completed, 1U);
}

TEST_F(ServiceTest, SaleIsDeliveredBeforeTheNextPollAndConfirmedByReadBack) {
  site_.device.set(1, 1, {.balance_fen = 0, .purchase_count = 7});
  open("A401", m11_, 0);
  site_.system->run_iterate();
  EXPECT_EQ(site_.system->meter(m11_)->status, domain::MeterStatus::kArrears);
  ASSERT_TRUE(site_.desk->sale("A401", 10'000, "cashier"));
  EXPECT_EQ(site_.system->counters("bus1").commands_pending, 1U);
  EXPECT_EQ(site_.system->next_due(), kStart);  // a pending command is due at once
  site_.clear_log();
  site_.step(Millis(60'000));
  // Read count, write once with count 8, read back; no poll (not due yet).
  const auto w = writes_log();
  ASSERT_EQ(w.size(), 1U);
  EXPECT_EQ(w[0].values[0], 8);
  EXPECT_EQ(site_.master.log().back().op, FakeMaster::Op::kRead);
  EXPECT_EQ(site_.device.circuit(1, 1).balance_fen, 10'000);
  const auto c = site_.system->counters("bus1");
  EXPECT_EQ(c.commands_confirmed, 1U);
  EXPECT_EQ(c.commands_pending, 0U);
  EXPECT_EQ(c.polls_completed, 1U);
  const auto m = site_.system->meter(m11_);
  EXPECT_EQ(m->purchase_count, 8);
  EXPECT_EQ(m->meter_balance_fen, 10'000);
  EXPECT_TRUE(m->relay_closed);
  EXPECT_EQ(m->status, domain::MeterStatus::kNormal);
  EXPECT_EQ(site_.system->account_balance_fen("A401"), 10'000);
  EXPECT_EQ(site_.system->commands(m11_).front().state, domain::CommandState::kConfirmed);
  EXPECT_EQ(site_.system->commands(m11_).front().purchase_count, 8);
}

TEST_F(ServiceTest, ReplyLostAfterTheMeterAppliedTheCreditIsConfirmedOnceAndNotResent) {
  sell_with_first_write_fault(FakeMaster::Fault::kReplyLost);
  EXPECT_EQ(site_.device.credits_applied(), 1);
  EXPECT_EQ(site_.system->counters("bus1").commands_pending, 1U);
  EXPECT_EQ(site_.system->commands(m11_).front().state, domain::CommandState::kInFlight);
  EXPECT_EQ(site_.system->commands(m11_).front().purchase_count, 4);
  // The retry reads purchase_count == 4 == assigned: confirmed without writing again.
  site_.step(kPoll);
  EXPECT_EQ(site_.writes(), 1);
  EXPECT_EQ(site_.device.credits_applied(), 1);
  EXPECT_EQ(site_.device.circuit(1, 1).balance_fen, 2'000);
  EXPECT_EQ(site_.system->counters("bus1").commands_confirmed, 1U);
  EXPECT_EQ(site_.system->counters("bus1").commands_pending, 0U);
  site_.step(kPoll);
  EXPECT_EQ(site_.writes(), 1);
}

TEST_F(ServiceTest, RequestLostIsResentWithTheSameCount) {
  sell_with_first_write_fault(FakeMaster::Fault::kRequestLost);
  EXPECT_EQ(site_.device.credits_applied(), 0);
  // Backoff: nothing is sent before the retry is due.
  site_.step(Millis(1000));
  EXPECT_EQ(site_.writes(), 1);
  site_.step(Millis(10'000));
  const auto w = writes_log();
  ASSERT_EQ(w.size(), 2U);
  EXPECT_EQ(w[0].values, w[1].values);  // same count 4, same amount
  EXPECT_EQ(w[1].values[0], 4);
  EXPECT_EQ(site_.device.credits_applied(), 1);
  EXPECT_EQ(site_.system->counters("bus1").commands_confirmed, 1U);
  EXPECT_EQ(site_.system->commands(m11_).front().attempts, 2);
}

TEST_F(ServiceTest, ACountChangedByAnotherPartyFailsTheCreditForAnOperator) {
  sell_with_first_write_fault(FakeMaster::Fault::kRequestLost);
  site_.device.set(1, 1, {.purchase_count = 9});  // e.g. a card top-up at the meter
  site_.step(kPoll);
  EXPECT_EQ(site_.writes(), 1);
  const auto c = site_.system->commands(m11_).front();
  EXPECT_EQ(c.state, domain::CommandState::kFailed);
  EXPECT_NE(c.last_error.find("conflict"), std::string::npos);
  EXPECT_EQ(site_.system->counters("bus1").commands_pending, 0U);
}

TEST_F(ServiceTest, CommandsOfOneMeterAreDeliveredInOrder) {
  site_.device.set(1, 1, {.purchase_count = 0});
  open("A401", m11_, 0);
  site_.system->run_iterate();
  ASSERT_TRUE(site_.desk->sale("A401", 100, "c"));
  ASSERT_TRUE(site_.desk->sale("A401", 200, "c"));
  site_.master.inject({FakeMaster::Op::kWrite, 1, FakeMaster::Fault::kRequestLost});
  site_.step(Millis(1000));
  EXPECT_EQ(site_.writes(), 1);  // the second waits for the first
  site_.step(kPoll);
  const auto w = writes_log();
  ASSERT_EQ(w.size(), 3U);
  EXPECT_EQ(w[1].values, (std::vector<std::uint16_t>{1, 0, 100}));
  EXPECT_EQ(w[2].values, (std::vector<std::uint16_t>{2, 0, 200}));
  EXPECT_EQ(site_.device.circuit(1, 1).balance_fen, 300);
}

TEST_F(ServiceTest, SilentBoxCostsOneTimeoutPerCycleAndIsOfflineAfterThreeCycles) {
  site_.master.set_silent(2, true);
  open("A402", m21_, 1'000);  // a pending credit for the silent box too
  for (int cycle = 1; cycle <= 3; ++cycle) {
    site_.clear_log();
    if (cycle == 1) {
      site_.system->run_iterate();
    } else {
      site_.step(kPoll);
    }
    EXPECT_EQ(site_.requests(FakeMaster::Op::kAny, 2), 1) << "cycle " << cycle;
    EXPECT_EQ(site_.master.timeouts(2), 1) << "cycle " << cycle;
    EXPECT_EQ(site_.system->meter(m21_)->status,
              cycle < 3 ? domain::MeterStatus::kNormal : domain::MeterStatus::kOffline)
        << cycle;
    EXPECT_EQ(site_.system->meter({"bus1", 2, 12})->status,
              cycle < 3 ? domain::MeterStatus::kNotOpened : domain::MeterStatus::kOffline);
  }
  EXPECT_EQ(site_.system->meter(m11_)->status, domain::MeterStatus::kNotOpened);
  EXPECT_TRUE(site_.system->meter(m11_)->ever_read);
  EXPECT_EQ(site_.system->counters("bus1").polls_completed, 3U);
  EXPECT_EQ(site_.system->counters("bus1").commands_pending, 1U);
  // Recovery: the pending credit is delivered, then the box is read again.
  site_.master.set_silent(2, false);
  site_.step(kPoll);
  EXPECT_EQ(site_.device.credits_applied(), 1);
  // Answering again: 10.00 yuan is alarm 1 by the site's default thresholds (20.00 and 5.00).
  EXPECT_EQ(site_.system->meter(m21_)->status, domain::MeterStatus::kAlarm1);
  EXPECT_EQ(site_.system->meter(m21_)->failed_cycles, 0);
}

TEST_F(ServiceTest, CommandsForASilentBoxWaitForTheirBackoffInsteadOfSpinning) {
  site_.master.set_silent(2, true);
  open("A402", m21_, 1'000);
  ASSERT_TRUE(site_.desk->sale("A402", 2'000, "c"));  // queued behind the first credit
  open("A403", {"bus1", 2, 2}, 500);                  // another meter of the same box
  site_.system->run_iterate();
  EXPECT_EQ(site_.master.timeouts(2), 1);
  // Nothing is due again before the retry delay: the daemon sleeps instead of spinning.
  EXPECT_GT(site_.system->next_due(), site_.clock.now());
  site_.clear_log();
  site_.system->run_iterate();
  EXPECT_EQ(site_.requests(FakeMaster::Op::kAny, 2), 0);
  site_.step(Millis(5'000));
  EXPECT_EQ(site_.master.timeouts(2), 1);  // one retry, one timeout, for the whole box
  EXPECT_GT(site_.system->next_due(), site_.clock.now());
}

TEST_F(ServiceTest, ChargesFollowEnergyDeltasAndMatchTheMetersOwnDeduction) {
  site_.device.set(1, 1, {.energy_wh = 100'000, .purchase_count = 0});
  open("A401", m11_, 5'000);
  site_.system->run_iterate();  // credit delivered, then the baseline reading
  EXPECT_EQ(site_.system->account_balance_fen("A401"), 5'000);
  // Multiples of the register's 10 Wh resolution, so the meter and the system see the same energy.
  for (std::int64_t wh : {1230, 10, 0, 990, 4320, 20}) {
    site_.device.consume(1, 1, wh);
    site_.step(kPoll);
  }
  EXPECT_EQ(site_.system->account_balance_fen("A401"), site_.device.circuit(1, 1).balance_fen);
  EXPECT_LT(site_.device.circuit(1, 1).balance_fen, 5'000);
  EXPECT_EQ(site_.system->meter(m11_)->meter_balance_fen, site_.device.circuit(1, 1).balance_fen);
  EXPECT_TRUE(site_.system->verify_ledger().empty());
}

TEST_F(ServiceTest, EnergyGoingBackwardsIsNotChargedAndIsRecorded) {
  site_.device.set(1, 1, {.energy_wh = 100'000, .balance_fen = 5'000});
  open("A401", m11_, 0);
  site_.system->run_iterate();
  site_.device.set(1, 1, {.energy_wh = 50, .balance_fen = 5'000});  // meter replaced
  site_.step(kPoll);
  EXPECT_EQ(site_.system->account_balance_fen("A401"), 0);
  site_.device.consume(1, 1, 1000);
  site_.step(kPoll);
  EXPECT_EQ(site_.system->account_balance_fen("A401"), -60);
  auto store = store::open_sqlite_store(site_.db);
  const auto events = store->events(m11_);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].kind, "meter_replaced");
}

TEST_F(ServiceTest, MeterInArrearsShowsArrears) {
  site_.device.set(1, 1, {.energy_wh = 0, .balance_fen = 100});
  open("A401", m11_, 0);
  site_.system->run_iterate();
  // 1.00 yuan: at or below alarm 2 (the site's default 5.00).
  EXPECT_EQ(site_.system->meter(m11_)->status, domain::MeterStatus::kAlarm2);
  site_.device.consume(1, 1, 2'000);  // 1.20 yuan
  site_.step(kPoll);
  EXPECT_EQ(site_.system->meter(m11_)->status, domain::MeterStatus::kArrears);
  EXPECT_FALSE(site_.system->meter(m11_)->relay_closed);
}

TEST_F(ServiceTest, ACloseAtZeroBalanceFailsNamingTheBalanceNotAMissingMode) {
  site_.device.set(1, 1, {.energy_wh = 0, .balance_fen = 100});
  open("A401", m11_, 0);
  site_.system->run_iterate();
  // Queued while the meter had 1.00 yuan (the counter lets it through) ...
  ASSERT_TRUE(site_.desk->command(m11_, domain::ModePayload{domain::RelayCommand::kClose}, "op"));
  // ... which runs out before it is delivered: prepaid mode keeps the relay open at zero.
  site_.device.consume(1, 1, 2'000);
  // This box stores a setting as written (the emulation takes only credits).
  site_.master.on_write([](FakeMaster& m, int slave, std::uint16_t start,
                           std::span<const std::uint16_t> values) -> std::optional<std::uint8_t> {
    for (std::size_t i = 0; i < values.size(); ++i)
      m.set(slave, static_cast<std::uint16_t>(start + i), values[i]);
    return std::nullopt;
  });
  site_.step(Millis(1000));
  const auto c = site_.system->commands(m11_).front();
  EXPECT_EQ(c.kind, domain::CommandKind::kMode);
  EXPECT_EQ(c.state, domain::CommandState::kFailed);
  EXPECT_EQ(c.attempts, 1);  // no further writes that cannot help
  EXPECT_EQ(c.last_error,
            "meter bus1/1/1 keeps its relay open at balance -0.20: sell first, or use keep-power");
  // Once a poll has read the balance, the counter refuses the same close before it is queued.
  site_.step(kPoll);
  const auto again =
      site_.desk->command(m11_, domain::ModePayload{domain::RelayCommand::kClose}, "op");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message,
            "close of meter bus1/1/1 refused: balance -0.20: sell first, or use keep-power");
}

TEST_F(ServiceTest, RefusesBadSalesWithClearMessages) {
  open("A401", m11_, 0);
  auto r = site_.desk->sale("A401", 0, "c");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("positive"), std::string::npos);
  EXPECT_FALSE(site_.desk->sale("A401", -100, "c"));
  r = site_.desk->sale("ZZZ", 100, "c");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("ZZZ"), std::string::npos);
  EXPECT_EQ(site_.system->counters("bus1").commands_pending, 0U);
  EXPECT_FALSE(site_.system->account_balance_fen("ZZZ"));
  EXPECT_FALSE(site_.desk->open_account("A402", "t", {m11_}, 0, "c"));  // meter already taken
  EXPECT_FALSE(site_.desk->open_account("A403", "t", {m21_}, -1, "c"));
}

TEST_F(ServiceTest, PendingCommandsSurviveARestart) {
  site_.device.set(1, 1, {.purchase_count = 0});
  open("A401", m11_, 2'000);
  site_.start();
  site_.system->run_iterate();
  EXPECT_EQ(site_.device.credits_applied(), 1);
  EXPECT_EQ(site_.system->counters("bus1").commands_confirmed, 1U);
}

TEST_F(ServiceTest, LedgerInvariantHoldsAfterAMixedDay) {
  site_.device.set(1, 1, {.purchase_count = 0});
  site_.device.set(2, 1, {.purchase_count = 0});
  open("A401", m11_, 2'000);
  open("A402", m21_, 500);
  site_.system->run_iterate();
  for (int i = 0; i < 48; ++i) {
    site_.device.consume(1, 1, std::int64_t{37} * i);
    site_.device.consume(2, 1, 11);
    if (i % 10 == 3) {
      ASSERT_TRUE(site_.desk->sale("A401", 1'000, "c"));
    }
    site_.step(kPoll);
  }
  EXPECT_TRUE(site_.system->verify_ledger().empty());
  // The energy register counts 0.01 kWh, the meter deducts per Wh: the system sees up to 9 Wh
  // less than the meter has charged, which is at most 1 fen at 0.6 yuan/kWh, never more.
  for (const auto& [account, box] : {std::pair{"A401", 1}, std::pair{"A402", 2}}) {
    const auto lag =
        *site_.system->account_balance_fen(account) - site_.device.circuit(box, 1).balance_fen;
    EXPECT_GE(lag, 0) << account;
    EXPECT_LE(lag, 1) << account;
  }
}

}  // namespace
}  // namespace phil::service
