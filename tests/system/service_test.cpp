// System end to end against an emulated ADF300 on the scripted fake master: polling, billing,
// exactly-once credit delivery through lost requests and replies, comm loss.
#include <gtest/gtest.h>

#include <phil/service/system.hpp>
#include <phil/store/store.hpp>

#include "support/borrowed_master.hpp"
#include "support/desk.hpp"
#include "support/fake_adf300.hpp"
#include "support/fake_master.hpp"
#include "support/temp_dir.hpp"

namespace phil::service {
namespace {

using domain::MeterId;
using meterlink::FakeMaster;
using test::Borrowed;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z
constexpr Millis kPoll{30 * 60 * 1000};

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest()
      : clock_(kStart),
        device_(master_, meterlink::load_profile(test::test_profiles_dir(), "adf300l")) {
    site_.name = "test";
    site_.profiles_dir = test::test_profiles_dir();
    // These specs count the frames of polls and deliveries; clock sync has its own tests.
    site_.clock_sync.reset();
    BusConfig bus;
    bus.id = "bus1";
    bus.port = "/dev/null-not-used";
    bus.boxes = {{1, "adf300l-i", "adf300l"}, {2, "adf300l-i", "adf300l"}};
    site_.buses = {bus};
    db_ = dir_.file("site.db");
    start();
  }

  void start() {
    system_ = std::make_unique<System>(site_, db_, clock_, [this](const BusConfig&) {
      return std::make_unique<Borrowed>(master_);
    });
    desk_ = std::make_unique<test::Desk>(db_, clock_, site_);
  }

  int writes() const {
    int n = 0;
    for (const auto& r : master_.log())
      n += r.op == FakeMaster::Op::kWrite ? 1 : 0;
    return n;
  }
  std::vector<FakeMaster::Request> writes_log() const {
    std::vector<FakeMaster::Request> out;
    for (const auto& r : master_.log()) {
      if (r.op == FakeMaster::Op::kWrite) out.push_back(r);
    }
    return out;
  }
  int requests_to(int slave) const {
    int n = 0;
    for (const auto& r : master_.log())
      n += r.slave == slave ? 1 : 0;
    return n;
  }
  void open(const std::string& account, const MeterId& m, std::int64_t first_sale) {
    const auto r = desk_->open_account(account, "tenant", {m}, first_sale, "cashier");
    ASSERT_TRUE(r) << r.error().message;
  }
  /// Meter at purchase_count 3, account A401 open and polled, then a 20.00 sale whose first
  /// write meets `fault`; the clock is 1 s later.
  void sell_with_first_write_fault(FakeMaster::Fault fault) {
    device_.set(1, 1, {.purchase_count = 3});
    open("A401", m11_, 0);
    system_->run_iterate();
    master_.inject({FakeMaster::Op::kWrite, 1, fault});
    ASSERT_TRUE(desk_->sale("A401", 2'000, "cashier"));
    step(Millis(1000));
  }
  void step(Millis d) {
    clock_.advance(d);
    system_->run_iterate();
  }

  test::TempDir dir_;
  domain::ManualClock clock_;
  FakeMaster master_;
  test::FakeAdf300 device_;
  SiteConfig site_;
  std::string db_;
  std::unique_ptr<System> system_;
  std::unique_ptr<test::Desk> desk_;
  const MeterId m11_{"bus1", 1, 1};
  const MeterId m21_{"bus1", 2, 1};
};

TEST_F(ServiceTest, RegistersEveryCircuitOfEveryConfiguredBox) {
  EXPECT_TRUE(system_->meter({"bus1", 1, 12}));
  EXPECT_TRUE(system_->meter({"bus1", 2, 1}));
  EXPECT_FALSE(system_->meter({"bus1", 1, 13}));
  EXPECT_FALSE(system_->meter({"bus1", 3, 1}));
  EXPECT_EQ(system_->meter(m11_)->status, domain::MeterStatus::kNotOpened);
  EXPECT_FALSE(system_->meter(m11_)->ever_read);
}

TEST_F(ServiceTest, FirstPollAtFirstIterationStoresReadings) {
  device_.set(1, 1, {.energy_wh = 5'000, .balance_fen = 1234, .purchase_count = 2, .power_w = 900});
  EXPECT_EQ(system_->next_due(), kStart);
  system_->run_iterate();
  const auto m = system_->meter(m11_);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->ever_read);
  EXPECT_EQ(m->read_at, kStart);
  EXPECT_EQ(m->energy_wh, 5'000);
  EXPECT_EQ(m->meter_balance_fen, 1234);
  EXPECT_EQ(m->power_w, 900);
  EXPECT_TRUE(m->relay_closed);
  EXPECT_EQ(m->mode, domain::MeterMode::kPrepaid);
  EXPECT_EQ(m->purchase_count, 2);
  EXPECT_EQ(system_->counters("bus1").polls_completed, 1U);
  EXPECT_EQ(system_->next_due(), kStart + kPoll);
  // Not due: a second iteration at the same time reads nothing.
  master_.clear_log();
  system_->run_iterate();
  EXPECT_TRUE(master_.log().empty());
  EXPECT_EQ(system_->counters("bus1").polls_completed, 1U);
}

TEST_F(ServiceTest, SaleIsDeliveredBeforeTheNextPollAndConfirmedByReadBack) {
  device_.set(1, 1, {.balance_fen = 0, .purchase_count = 7});
  open("A401", m11_, 0);
  system_->run_iterate();
  EXPECT_EQ(system_->meter(m11_)->status, domain::MeterStatus::kArrears);
  ASSERT_TRUE(desk_->sale("A401", 10'000, "cashier"));
  EXPECT_EQ(system_->counters("bus1").commands_pending, 1U);
  EXPECT_EQ(system_->next_due(), kStart);  // a pending command is due at once
  master_.clear_log();
  step(Millis(60'000));
  // Read count, write once with count 8, read back; no poll (not due yet).
  const auto w = writes_log();
  ASSERT_EQ(w.size(), 1U);
  EXPECT_EQ(w[0].values[0], 8);
  EXPECT_EQ(master_.log().back().op, FakeMaster::Op::kRead);
  EXPECT_EQ(device_.circuit(1, 1).balance_fen, 10'000);
  const auto c = system_->counters("bus1");
  EXPECT_EQ(c.commands_confirmed, 1U);
  EXPECT_EQ(c.commands_pending, 0U);
  EXPECT_EQ(c.polls_completed, 1U);
  const auto m = system_->meter(m11_);
  EXPECT_EQ(m->purchase_count, 8);
  EXPECT_EQ(m->meter_balance_fen, 10'000);
  EXPECT_TRUE(m->relay_closed);
  EXPECT_EQ(m->status, domain::MeterStatus::kNormal);
  EXPECT_EQ(system_->account_balance_fen("A401"), 10'000);
  EXPECT_EQ(system_->commands(m11_).front().state, domain::CommandState::kConfirmed);
  EXPECT_EQ(system_->commands(m11_).front().purchase_count, 8);
}

TEST_F(ServiceTest, ReplyLostAfterTheMeterAppliedTheCreditIsConfirmedOnceAndNotResent) {
  sell_with_first_write_fault(FakeMaster::Fault::kReplyLost);
  EXPECT_EQ(device_.credits_applied(), 1);
  EXPECT_EQ(system_->counters("bus1").commands_pending, 1U);
  EXPECT_EQ(system_->commands(m11_).front().state, domain::CommandState::kInFlight);
  EXPECT_EQ(system_->commands(m11_).front().purchase_count, 4);
  // The retry reads purchase_count == 4 == assigned: confirmed without writing again.
  step(kPoll);
  EXPECT_EQ(writes(), 1);
  EXPECT_EQ(device_.credits_applied(), 1);
  EXPECT_EQ(device_.circuit(1, 1).balance_fen, 2'000);
  EXPECT_EQ(system_->counters("bus1").commands_confirmed, 1U);
  EXPECT_EQ(system_->counters("bus1").commands_pending, 0U);
  step(kPoll);
  EXPECT_EQ(writes(), 1);
}

TEST_F(ServiceTest, RequestLostIsResentWithTheSameCount) {
  sell_with_first_write_fault(FakeMaster::Fault::kRequestLost);
  EXPECT_EQ(device_.credits_applied(), 0);
  // Backoff: nothing is sent before the retry is due.
  step(Millis(1000));
  EXPECT_EQ(writes(), 1);
  step(Millis(10'000));
  const auto w = writes_log();
  ASSERT_EQ(w.size(), 2U);
  EXPECT_EQ(w[0].values, w[1].values);  // same count 4, same amount
  EXPECT_EQ(w[1].values[0], 4);
  EXPECT_EQ(device_.credits_applied(), 1);
  EXPECT_EQ(system_->counters("bus1").commands_confirmed, 1U);
  EXPECT_EQ(system_->commands(m11_).front().attempts, 2);
}

TEST_F(ServiceTest, ACountChangedByAnotherPartyFailsTheCreditForAnOperator) {
  sell_with_first_write_fault(FakeMaster::Fault::kRequestLost);
  device_.set(1, 1, {.purchase_count = 9});  // e.g. a card top-up at the meter
  step(kPoll);
  EXPECT_EQ(writes(), 1);
  const auto c = system_->commands(m11_).front();
  EXPECT_EQ(c.state, domain::CommandState::kFailed);
  EXPECT_NE(c.last_error.find("conflict"), std::string::npos);
  EXPECT_EQ(system_->counters("bus1").commands_pending, 0U);
}

TEST_F(ServiceTest, CommandsOfOneMeterAreDeliveredInOrder) {
  device_.set(1, 1, {.purchase_count = 0});
  open("A401", m11_, 0);
  system_->run_iterate();
  ASSERT_TRUE(desk_->sale("A401", 100, "c"));
  ASSERT_TRUE(desk_->sale("A401", 200, "c"));
  master_.inject({FakeMaster::Op::kWrite, 1, FakeMaster::Fault::kRequestLost});
  step(Millis(1000));
  EXPECT_EQ(writes(), 1);  // the second waits for the first
  step(kPoll);
  const auto w = writes_log();
  ASSERT_EQ(w.size(), 3U);
  EXPECT_EQ(w[1].values, (std::vector<std::uint16_t>{1, 0, 100}));
  EXPECT_EQ(w[2].values, (std::vector<std::uint16_t>{2, 0, 200}));
  EXPECT_EQ(device_.circuit(1, 1).balance_fen, 300);
}

TEST_F(ServiceTest, SilentBoxCostsOneTimeoutPerCycleAndIsOfflineAfterThreeCycles) {
  master_.set_silent(2, true);
  open("A402", m21_, 1'000);  // a pending credit for the silent box too
  for (int cycle = 1; cycle <= 3; ++cycle) {
    master_.clear_log();
    if (cycle == 1) {
      system_->run_iterate();
    } else {
      step(kPoll);
    }
    EXPECT_EQ(requests_to(2), 1) << "cycle " << cycle;
    EXPECT_EQ(master_.timeouts(2), 1) << "cycle " << cycle;
    EXPECT_EQ(system_->meter(m21_)->status,
              cycle < 3 ? domain::MeterStatus::kNormal : domain::MeterStatus::kOffline)
        << cycle;
    EXPECT_EQ(system_->meter({"bus1", 2, 12})->status,
              cycle < 3 ? domain::MeterStatus::kNotOpened : domain::MeterStatus::kOffline);
  }
  EXPECT_EQ(system_->meter(m11_)->status, domain::MeterStatus::kNotOpened);
  EXPECT_TRUE(system_->meter(m11_)->ever_read);
  EXPECT_EQ(system_->counters("bus1").polls_completed, 3U);
  EXPECT_EQ(system_->counters("bus1").commands_pending, 1U);
  // Recovery: the pending credit is delivered, then the box is read again.
  master_.set_silent(2, false);
  step(kPoll);
  EXPECT_EQ(device_.credits_applied(), 1);
  EXPECT_EQ(system_->meter(m21_)->status, domain::MeterStatus::kNormal);
  EXPECT_EQ(system_->meter(m21_)->failed_cycles, 0);
}

TEST_F(ServiceTest, CommandsForASilentBoxWaitForTheirBackoffInsteadOfSpinning) {
  master_.set_silent(2, true);
  open("A402", m21_, 1'000);
  ASSERT_TRUE(desk_->sale("A402", 2'000, "c"));  // queued behind the first credit
  open("A403", {"bus1", 2, 2}, 500);             // another meter of the same box
  system_->run_iterate();
  EXPECT_EQ(master_.timeouts(2), 1);
  // Nothing is due again before the retry delay: the daemon sleeps instead of spinning.
  EXPECT_GT(system_->next_due(), clock_.now());
  master_.clear_log();
  system_->run_iterate();
  EXPECT_EQ(requests_to(2), 0);
  step(Millis(5'000));
  EXPECT_EQ(master_.timeouts(2), 1);  // one retry, one timeout, for the whole box
  EXPECT_GT(system_->next_due(), clock_.now());
}

TEST_F(ServiceTest, ChargesFollowEnergyDeltasAndMatchTheMetersOwnDeduction) {
  device_.set(1, 1, {.energy_wh = 100'000, .purchase_count = 0});
  open("A401", m11_, 5'000);
  system_->run_iterate();  // credit delivered, then the baseline reading
  EXPECT_EQ(system_->account_balance_fen("A401"), 5'000);
  // Multiples of the register's 10 Wh resolution, so the meter and the system see the same energy.
  for (std::int64_t wh : {1230, 10, 0, 990, 4320, 20}) {
    device_.consume(1, 1, wh);
    step(kPoll);
  }
  EXPECT_EQ(system_->account_balance_fen("A401"), device_.circuit(1, 1).balance_fen);
  EXPECT_LT(device_.circuit(1, 1).balance_fen, 5'000);
  EXPECT_EQ(system_->meter(m11_)->meter_balance_fen, device_.circuit(1, 1).balance_fen);
  EXPECT_TRUE(system_->verify_ledger().empty());
}

TEST_F(ServiceTest, EnergyGoingBackwardsIsNotChargedAndIsRecorded) {
  device_.set(1, 1, {.energy_wh = 100'000, .balance_fen = 5'000});
  open("A401", m11_, 0);
  system_->run_iterate();
  device_.set(1, 1, {.energy_wh = 50, .balance_fen = 5'000});  // meter replaced
  step(kPoll);
  EXPECT_EQ(system_->account_balance_fen("A401"), 0);
  device_.consume(1, 1, 1000);
  step(kPoll);
  EXPECT_EQ(system_->account_balance_fen("A401"), -60);
  auto store = store::open_sqlite_store(db_);
  const auto events = store->events(m11_);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].kind, "meter_replaced");
}

TEST_F(ServiceTest, MeterInArrearsShowsArrears) {
  device_.set(1, 1, {.energy_wh = 0, .balance_fen = 100});
  open("A401", m11_, 0);
  system_->run_iterate();
  EXPECT_EQ(system_->meter(m11_)->status, domain::MeterStatus::kNormal);
  device_.consume(1, 1, 2'000);  // 1.20 yuan
  step(kPoll);
  EXPECT_EQ(system_->meter(m11_)->status, domain::MeterStatus::kArrears);
  EXPECT_FALSE(system_->meter(m11_)->relay_closed);
}

TEST_F(ServiceTest, RefusesBadSalesWithClearMessages) {
  open("A401", m11_, 0);
  auto r = desk_->sale("A401", 0, "c");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("positive"), std::string::npos);
  EXPECT_FALSE(desk_->sale("A401", -100, "c"));
  r = desk_->sale("ZZZ", 100, "c");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("ZZZ"), std::string::npos);
  EXPECT_EQ(system_->counters("bus1").commands_pending, 0U);
  EXPECT_FALSE(system_->account_balance_fen("ZZZ"));
  EXPECT_FALSE(desk_->open_account("A402", "t", {m11_}, 0, "c"));  // meter already taken
  EXPECT_FALSE(desk_->open_account("A403", "t", {m21_}, -1, "c"));
}

TEST_F(ServiceTest, PendingCommandsSurviveARestart) {
  device_.set(1, 1, {.purchase_count = 0});
  open("A401", m11_, 2'000);
  system_.reset();
  start();
  system_->run_iterate();
  EXPECT_EQ(device_.credits_applied(), 1);
  EXPECT_EQ(system_->counters("bus1").commands_confirmed, 1U);
}

TEST_F(ServiceTest, LedgerInvariantHoldsAfterAMixedDay) {
  device_.set(1, 1, {.purchase_count = 0});
  device_.set(2, 1, {.purchase_count = 0});
  open("A401", m11_, 2'000);
  open("A402", m21_, 500);
  system_->run_iterate();
  for (int i = 0; i < 48; ++i) {
    device_.consume(1, 1, std::int64_t{37} * i);
    device_.consume(2, 1, 11);
    if (i % 10 == 3) {
      ASSERT_TRUE(desk_->sale("A401", 1'000, "c"));
    }
    step(kPoll);
  }
  EXPECT_TRUE(system_->verify_ledger().empty());
  // The energy register counts 0.01 kWh, the meter deducts per Wh: the system sees up to 9 Wh
  // less than the meter has charged, which is at most 1 fen at 0.6 yuan/kWh, never more.
  for (const auto& [account, box] : {std::pair{"A401", 1}, std::pair{"A402", 2}}) {
    const auto lag = *system_->account_balance_fen(account) - device_.circuit(box, 1).balance_fen;
    EXPECT_GE(lag, 0) << account;
    EXPECT_LE(lag, 1) << account;
  }
}

}  // namespace
}  // namespace phil::service
