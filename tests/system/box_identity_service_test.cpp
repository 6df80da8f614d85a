// Box identity and on-site swaps (issue 12.8) end to end on the fake site: a box's first
// answered poll reads its model and circuit count; a box that is not the site file's model is
// an event, its meters are read but not charged and get no credit until an operator confirms
// it through Operations (with an audit row); a swap detected on a box reads it again; an
// on-site meter swap is completed in place by Operations, its credit confirmed by read-back.
#include <string>

#include <gtest/gtest.h>

#include <phil/service/system.hpp>
#include <phil/store/store.hpp>

#include "support/actors.hpp"
#include "support/fake_site.hpp"

namespace phil::service {
namespace {

using domain::MeterId;
using meterlink::FakeMaster;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z

class BoxIdentityServiceTest : public ::testing::Test {
 protected:
  BoxIdentityServiceTest() {
    site_.config.clock_sync.reset();
    site_.config.box_identity_check = true;  // the site default
    // Box 1 is the adf300l-i the site file says (code 1, 12 circuits); box 2 says it is an
    // adf300l-iii (code 3, 36 circuits).
    site_.master.set(1, 0x0000, 1);
    site_.master.set(1, 0x0001, 12);
    site_.master.set(2, 0x0000, 3);
    site_.master.set(2, 0x0001, 36);
    test::FakeAdf300::Circuit c;
    c.energy_wh = 1000;
    site_.device.set(1, 1, c);
    site_.device.set(2, 1, c);
    site_.start();
  }
  /// Reads of the identity registers (address 0) of `slave` so far.
  int identity_reads(int slave) const {
    int n = 0;
    for (const auto& r : site_.master.log())
      n += r.op == FakeMaster::Op::kRead && r.slave == slave && r.start == 0 ? 1 : 0;
    return n;
  }
  int events(const std::string& kind) {
    int n = 0;
    for (const auto& e :
         site_.desk->ops().events(test::as(actor_, domain::Action::kQuery), std::nullopt).value())
      n += e.kind == kind ? 1 : 0;
    return n;
  }
  std::int64_t balance(const std::string& account) {
    return site_.desk->ops()
        .account_balance_fen(test::as(actor_, domain::Action::kQuery), account)
        .value();
  }

  test::FakeSite site_{kStart};
  const Actor actor_{"engineer"};
  const MeterId m11_{"bus1", 1, 1};
  const MeterId m21_{"bus1", 2, 1};
};

TEST_F(BoxIdentityServiceTest, AMismatchedBoxIsReadButNotBilledUntilAnOperatorConfirmsIt) {
  ASSERT_TRUE(site_.desk->open_account("A201", "Li", {m21_}, 2000, "cashier"));
  site_.system->run_iterate();
  site_.step(Millis(1000));
  EXPECT_EQ(identity_reads(1), 1);
  EXPECT_EQ(identity_reads(2), 1);
  EXPECT_EQ(events("box_identity_mismatch"), 1);  // box 2 only
  const auto box2 =
      site_.desk->ops().box_identity(test::as(actor_, domain::Action::kQuery), "bus1", 2).value();
  ASSERT_TRUE(box2 && box2->mismatch);
  EXPECT_NE(box2->mismatch->find("adf300l-i (model code 1)"), std::string::npos) << *box2->mismatch;
  EXPECT_FALSE(site_.desk->ops()
                   .box_identity(test::as(actor_, domain::Action::kQuery), "bus1", 1)
                   .value()
                   ->mismatch);
  // No credit reaches the box: the first sale waits.
  EXPECT_EQ(site_.device.credits_applied(), 0);
  const auto cmds =
      site_.desk->ops().meter_commands(test::as(actor_, domain::Action::kQuery), m21_, 1).value();
  ASSERT_EQ(cmds.size(), 1U);
  EXPECT_EQ(cmds[0].state, domain::CommandState::kPending);
  EXPECT_NE(cmds[0].last_error.find("box confirm bus1/2"), std::string::npos) << cmds[0].last_error;
  // Read, not charged: 1 kWh used.
  site_.device.consume(2, 1, 1000);
  site_.step(site_.config.poll_interval);
  EXPECT_EQ(balance("A201"), 2000);
  EXPECT_EQ(identity_reads(2), 1);  // read once, not every poll
  // The operator confirms: an audit row, the credit goes, billing goes on.
  const auto confirmed =
      site_.desk->ops().confirm_box(test::as(actor_, domain::Action::kConfirmBox), "bus1", 2);
  ASSERT_TRUE(confirmed) << confirmed.error().message;
  site_.step(site_.config.poll_interval);
  site_.step(Millis(1000));
  EXPECT_EQ(site_.device.credits_applied(), 1);
  EXPECT_EQ(site_.desk->ops()
                .meter_commands(test::as(actor_, domain::Action::kQuery), m21_, 1)
                .value()[0]
                .state,
            domain::CommandState::kConfirmed);
  EXPECT_EQ(balance("A201"), 2000 - 60);  // the kWh used while stopped, at 0.60
  EXPECT_EQ(events("box_identity_confirmed"), 1);
  // Nothing left to confirm.
  const auto again =
      site_.desk->ops().confirm_box(test::as(actor_, domain::Action::kConfirmBox), "bus1", 2);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, domain::ErrorKind::kRefused);
}

TEST_F(BoxIdentityServiceTest, ABoxThatRefusesTheIdentityReadIsBilledUncheckedWithAnEvent) {
  ASSERT_TRUE(site_.desk->open_account("A101", "Li", {m11_}, 2000, "cashier"));
  // Box 1's first read of the cycle (its identity) answers exception 02.
  site_.master.inject({FakeMaster::Op::kRead, 1, FakeMaster::Fault::kException, 2});
  site_.system->run_iterate();
  site_.step(Millis(1000));
  EXPECT_EQ(events("box_identity_unread"), 1);
  EXPECT_FALSE(site_.desk->ops()
                   .box_identity(test::as(actor_, domain::Action::kQuery), "bus1", 1)
                   .value());                    // nothing recorded
  EXPECT_EQ(site_.device.credits_applied(), 1);  // nothing waits for it
  site_.step(site_.config.poll_interval);
  EXPECT_EQ(identity_reads(1), 1);  // not again in this run
}

TEST_F(BoxIdentityServiceTest, ASwapDetectedOnABoxReadsItsIdentityAgain) {
  ASSERT_TRUE(site_.desk->open_account("A101", "Li", {m11_}, 0, "cashier"));
  site_.system->run_iterate();
  EXPECT_EQ(identity_reads(1), 1);
  site_.step(site_.config.poll_interval);
  EXPECT_EQ(identity_reads(1), 1);
  // A new device on circuit 1: its counters start from zero.
  site_.device.set(1, 1, test::FakeAdf300::Circuit{});
  site_.step(site_.config.poll_interval);
  EXPECT_EQ(identity_reads(1), 2);
  EXPECT_TRUE(site_.desk->ops()
                  .meter_placement(test::as(actor_, domain::Action::kQuery), m11_)
                  .value()
                  .swap_action);
}

TEST_F(BoxIdentityServiceTest,
       AnOnSiteSwapCompletedInPlaceCreditsTheOldBalanceConfirmedByReadBack) {
  ASSERT_TRUE(site_.desk->open_account("A101", "Li", {m11_}, 2000, "cashier"));
  site_.system->run_iterate();
  site_.step(Millis(1000));
  ASSERT_EQ(site_.device.credits_applied(), 1);
  site_.step(site_.config.poll_interval);               // the meter's balance, 20.00, read
  site_.device.set(1, 1, test::FakeAdf300::Circuit{});  // swapped on site
  site_.step(site_.config.poll_interval);
  const auto place =
      site_.desk->ops().meter_placement(test::as(actor_, domain::Action::kQuery), m11_).value();
  ASSERT_TRUE(place.swap_action);
  EXPECT_EQ(place.swap_action->old_balance_fen, 2000);
  const auto done = site_.desk->ops().replace_meter_in_place(
      test::as(actor_, domain::Action::kReplaceMeter), m11_);
  ASSERT_TRUE(done) << done.error().message;
  ASSERT_TRUE(done.value().credit_command);
  site_.step(Millis(1000));
  EXPECT_EQ(site_.device.circuit(1, 1).balance_fen, 2000);
  EXPECT_EQ(site_.device.circuit(1, 1).purchase_count, 1);
  const auto last =
      site_.desk->ops().meter_commands(test::as(actor_, domain::Action::kQuery), m11_, 1).value();
  ASSERT_EQ(last.size(), 1U);
  EXPECT_EQ(last[0].id, *done.value().credit_command);
  EXPECT_EQ(last[0].state, domain::CommandState::kConfirmed);
  EXPECT_EQ(balance("A101"), 2000);
  EXPECT_FALSE(site_.desk->ops()
                   .meter_placement(test::as(actor_, domain::Action::kQuery), m11_)
                   .value()
                   .swap_action);
  EXPECT_FALSE(site_.desk->ops().replace_meter_in_place(
      test::as(actor_, domain::Action::kReplaceMeter), m11_));  // once
}

}  // namespace
}  // namespace phil::service
