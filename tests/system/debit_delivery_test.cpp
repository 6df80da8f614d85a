// A refund or reversal of money a meter-side meter holds, end to end on the emulated ADF300:
// the debit is written once, decided by the debit_count read back (a lost reply is confirmed by
// the count, never written twice), booked only on the meter's confirmation, and cancelled with
// nothing moved when the meter refuses it.
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

class DebitDelivery : public ::testing::Test {
 protected:
  DebitDelivery() {
    site_.config.clock_sync.reset();
    site_.start();
    // A401 holds 50.00 yuan, all on its meter.
    site_.device.set(1, 1, {.balance_fen = 0, .purchase_count = 3, .debit_count = 9});
    const auto r = site_.desk->open_account("A401", "Li", {m11_}, 5'000, "cashier");
    EXPECT_TRUE(r) << r.error().message;
    site_.step(Millis(1000));  // the first sale is delivered
    EXPECT_EQ(site_.device.circuit(1, 1).balance_fen, 5'000);
  }
  Operations& ops() { return site_.desk->ops(); }
  std::int64_t ledger_balance() {
    return ops().account_balance_fen(test::as(kManager, domain::Action::kQuery), "A401").value();
  }
  std::vector<store::CommandRecord> debits() {
    return ops().account_debits(test::as(kManager, domain::Action::kQuery), "A401").value();
  }
  std::size_t entries() {
    return ops().ledger(test::as(kManager, domain::Action::kQuery), "A401").value().size();
  }

  const Actor kManager{"manager"};
  test::FakeSite site_{kStart};
  const MeterId m11_{"bus1", 1, 1};
};

TEST_F(DebitDelivery, ARefundIsTakenOffTheMeterOnceThenBooked) {
  const auto before = entries();
  auto r = ops().refund(test::as(kManager, domain::Action::kRefund), "A401", 1'200);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r.value().command);
  EXPECT_EQ(domain::debit_state(debits().at(0).state), "pending");
  EXPECT_EQ(entries(), before);  // no cash before the meter confirms
  site_.step(Millis(1000));
  EXPECT_EQ(site_.device.debits_applied(), 1);
  EXPECT_EQ(site_.device.circuit(1, 1).debit_count, 10);
  EXPECT_EQ(site_.device.circuit(1, 1).balance_fen, 3'800);
  const auto d = debits().at(0);
  EXPECT_EQ(domain::debit_state(d.state), "confirmed");
  EXPECT_EQ(d.purchase_count, 10);  // the debit_count it was written under
  EXPECT_EQ(ledger_balance(), 3'800);
  EXPECT_EQ(entries(), before + 1);
  EXPECT_EQ(
      ops().ledger(test::as(kManager, domain::Action::kQuery), "A401").value().back().operator_id,
      "manager");
  EXPECT_TRUE(ops().verify_ledger(test::as(kManager, domain::Action::kQuery)).value().empty());
  site_.step(Millis(60'000));
  EXPECT_EQ(site_.device.debits_applied(), 1);
}

TEST_F(DebitDelivery, ALostReplyIsDecidedByTheDebitCountAndNeverWrittenTwice) {
  site_.master.inject({FakeMaster::Op::kWrite, 1, FakeMaster::Fault::kReplyLost});
  ASSERT_TRUE(ops().refund(test::as(kManager, domain::Action::kRefund), "A401", 1'200));
  site_.step(Millis(1000));
  EXPECT_EQ(site_.device.debits_applied(), 1);  // applied, but the worker did not hear it
  EXPECT_EQ(domain::debit_state(debits().at(0).state), "pending");
  EXPECT_EQ(ledger_balance(), 5'000);
  site_.step(Millis(30 * 60 * 1000));
  EXPECT_EQ(site_.device.debits_applied(), 1);
  EXPECT_EQ(domain::debit_state(debits().at(0).state), "confirmed");
  EXPECT_EQ(ledger_balance(), 3'800);
  EXPECT_EQ(site_.device.circuit(1, 1).balance_fen, 3'800);
}

TEST_F(DebitDelivery, ALostRequestIsWrittenAgainUnderTheSameCount) {
  site_.master.inject({FakeMaster::Op::kWrite, 1, FakeMaster::Fault::kRequestLost});
  ASSERT_TRUE(ops().refund(test::as(kManager, domain::Action::kRefund), "A401", 1'200));
  site_.step(Millis(1000));
  EXPECT_EQ(site_.device.debits_applied(), 0);
  site_.step(Millis(30 * 60 * 1000));
  EXPECT_EQ(site_.device.debits_applied(), 1);
  EXPECT_EQ(site_.device.circuit(1, 1).debit_count, 10);
  EXPECT_EQ(ledger_balance(), 3'800);
}

TEST_F(DebitDelivery, ADebitTheMeterRefusesIsCancelledWithNothingMoved) {
  ASSERT_TRUE(ops().refund(test::as(kManager, domain::Action::kRefund), "A401", 4'000));
  // The tenant used most of the money before the debit reached the meter.
  site_.device.consume(1, 1, 20'000);  // 12.00 yuan at 0.6000 yuan/kWh
  site_.step(Millis(1000));
  EXPECT_EQ(site_.device.debits_applied(), 0);
  const auto d = debits().at(0);
  EXPECT_EQ(domain::debit_state(d.state), "cancelled");
  EXPECT_NE(d.last_error.find("the meter refused the debit"), std::string::npos) << d.last_error;
  EXPECT_NE(d.last_error.find("nothing was taken off"), std::string::npos) << d.last_error;
  EXPECT_EQ(site_.device.circuit(1, 1).balance_fen, 3'800);
  EXPECT_EQ(ledger_balance(), 5'000);  // nothing booked (the energy is charged at the next poll)
  EXPECT_TRUE(ops().verify_ledger(test::as(kManager, domain::Action::kQuery)).value().empty());
}

TEST_F(DebitDelivery, AReversalOfADeliveredSaleTakesItBackOffTheMeter) {
  const auto sale_seq =
      ops().ledger(test::as(kManager, domain::Action::kQuery), "A401").value().back().seq;
  auto r = ops().reversal(test::as(kManager, domain::Action::kReversal), sale_seq);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r.value().command);
  site_.step(Millis(1000));
  EXPECT_EQ(site_.device.circuit(1, 1).balance_fen, 0);
  EXPECT_EQ(ledger_balance(), 0);
  const auto last = ops().ledger(test::as(kManager, domain::Action::kQuery), "A401").value().back();
  EXPECT_EQ(last.kind, domain::EntryKind::kReversal);
  EXPECT_EQ(last.ref_seq, sale_seq);
  // At zero the prepaid meter's relay is open, as after any debit of the whole balance.
  EXPECT_TRUE(ops().verify_ledger(test::as(kManager, domain::Action::kQuery)).value().empty());
}

}  // namespace
}  // namespace phil::service
