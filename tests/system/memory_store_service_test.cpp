// The System on the store's role doubles, without SQLite: its factory opens "connections" to the
// in-memory fakes (support/memory_store.hpp), a bus polls an emulated ADF300 on the scripted fake
// master and delivers a sale's credit; strict mocks check which roles the System uses at all.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <phil/service/system.hpp>
#include <phil/store/store.hpp>

#include "support/desk.hpp"
#include "support/fake_site.hpp"
#include "support/memory_store.hpp"
#include "support/store_doubles.hpp"

namespace phil::service {
namespace {

using domain::MeterId;
using ::testing::ElementsAre;
using ::testing::StrictMock;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z

class MemoryStoreServiceTest : public ::testing::Test {
 protected:
  MemoryStoreServiceTest() {
    site_.config.clock_sync.reset();
    site_.config.buses[0].boxes.resize(1);  // box 1 only
  }

  // The fixture's clock, master, device and site; the System is built on the store's doubles
  // by each test, not by site_.start() (which opens SQLite).
  test::FakeSite site_{kStart};
  // The System must not touch tariffs: it charges by the site's price (BillingRules).
  StrictMock<store::test::MockTariffs> tariffs_;
  store::test::MemoryStore memory_{tariffs_};
  const MeterId m11_{"bus1", 1, 1};
};

TEST_F(MemoryStoreServiceTest, PollsAndDeliversASaleCreditOnTheInMemoryRoles) {
  System system(site_.config, memory_.factory(), site_.clock, site_.masters());
  // One connection for the System, one for the bus and one for the notifier, all leaving
  // checkpoints to their owner.
  EXPECT_EQ(memory_.opened[store::Checkpoints::kByCaller], 3);
  EXPECT_EQ(memory_.opened.size(), 1U);
  ASSERT_TRUE(system.meter({"bus1", 1, 12}));                     // registered through SiteAdmin
  test::Desk desk(memory_.factory(), site_.clock, site_.config);  // the operator's own connection

  site_.device.set(1, 1, {.energy_wh = 5'000, .balance_fen = 0, .purchase_count = 7});
  ASSERT_TRUE(desk.open_account("A401", "tenant", {m11_}, 0, "cashier"));
  system.run_iterate();
  ASSERT_TRUE(system.meter(m11_)->ever_read);
  EXPECT_EQ(system.meter(m11_)->energy_wh, 5'000);
  EXPECT_EQ(system.meter(m11_)->status, domain::MeterStatus::kArrears);

  const auto sold = desk.sale("A401", 10'000, "cashier");
  ASSERT_TRUE(sold) << sold.error().message;
  site_.clear_log();
  site_.clock.advance(Millis(60'000));
  system.run_iterate();

  // Written once with count 8 and confirmed by reading back.
  EXPECT_EQ(site_.device.circuit(1, 1).purchase_count, 8);
  EXPECT_EQ(site_.device.circuit(1, 1).balance_fen, 10'000);
  EXPECT_EQ(site_.device.credits_applied(), 1);
  ASSERT_EQ(memory_.data.commands.size(), 1U);
  EXPECT_EQ(memory_.data.commands[0].state, domain::CommandState::kConfirmed);
  EXPECT_EQ(memory_.data.commands[0].purchase_count, 8);
  const auto m = system.meter(m11_);
  EXPECT_EQ(m->purchase_count, 8);
  EXPECT_EQ(m->meter_balance_fen, 10'000);
  EXPECT_EQ(m->status, domain::MeterStatus::kNormal);
  EXPECT_EQ(system.counters("bus1").commands_confirmed, 1U);
  EXPECT_EQ(system.account_balance_fen("A401"), 10'000);
  EXPECT_TRUE(system.verify_ledger().empty());
}

TEST_F(MemoryStoreServiceTest, StoredReadRequestsRunOnTheBusWorkersReadRequestsRole) {
  System system(site_.config, memory_.factory(), site_.clock, site_.masters());
  test::Desk desk(memory_.factory(), site_.clock, site_.config);
  system.run_iterate();  // the first poll
  site_.device.set(1, 1, {.energy_wh = 7'000});
  const auto id = desk.request_read("bus1/1");
  ASSERT_TRUE(id);
  site_.clock.advance(Millis(1'000));
  system.run_iterate();
  const auto r = system.read_request(id.value());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, "done");
  EXPECT_EQ(system.meter(m11_)->energy_wh, 7'000);
}

TEST_F(MemoryStoreServiceTest, StartUpRegistersTheSitesMetersAndDeclaredBillingThroughSiteAdmin) {
  site_.config.buses[0].billing = domain::BillingMode::kHostSide;
  StrictMock<store::test::MockSiteAdmin> admin;
  std::vector<MeterId> box1;
  for (int c = 1; c <= 12; ++c)
    box1.push_back({"bus1", 1, c});
  EXPECT_CALL(admin, register_meters(box1, "adf300l-i", false));
  EXPECT_CALL(admin, set_billing_mode(box1, domain::BillingMode::kHostSide, "site-file", kStart))
      .WillOnce(::testing::Return(12));
  auto roles = memory_.roles();
  const store::test::RoleStore::Roles with_mock{
      roles.outbox, roles.sink, roles.reads, roles.ledger, admin, roles.tariffs, roles.queries};
  int opened = 0;
  System system(
      site_.config,
      [&](store::Checkpoints) {
        ++opened;
        return std::make_unique<store::test::RoleStore>(with_mock);
      },
      site_.clock, site_.masters());
  EXPECT_EQ(opened, 3);  // the System, the bus, the notifier
  EXPECT_THAT(system.bus_ids(), ElementsAre("bus1"));
}

}  // namespace
}  // namespace phil::service
