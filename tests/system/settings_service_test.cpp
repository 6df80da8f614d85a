// Settings = the stored ones (issue 12.5), end to end on the fake site: a meter's first answered
// poll queues its stored thresholds, the next iteration writes them and confirms them by
// reading them back, and the meter's view (`meter show`) then has the values on the meter equal
// to the stored ones; a command typed by hand becomes both. And the tariff in force downloaded
// to the meter, confirmed by read-back and compared with it (issue 12.4).
#include <gtest/gtest.h>

#include <phil/domain/settings.hpp>
#include <phil/service/system.hpp>
#include <phil/store/store.hpp>

#include "support/actors.hpp"
#include "support/fake_site.hpp"

namespace phil::service {
namespace {

using domain::MeterId;
using domain::Thresholds;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z

class SettingsServiceTest : public ::testing::Test {
 protected:
  SettingsServiceTest() {
    site_.config.clock_sync.reset();
    site_.config.settings_at_first_contact = true;  // the site default
    site_.start();
  }
  store::MeterPlacement place(const MeterId& m) {
    auto p =
        site_.desk->ops().meter_placement(test::as(Actor{"engineer"}, domain::Action::kQuery), m);
    EXPECT_TRUE(p);
    return p ? p.value() : store::MeterPlacement{};
  }
  /// How many price commands of `m` are pending or in flight.
  int open_prices(const MeterId& m) {
    int n = 0;
    for (const auto& c :
         site_.desk->ops()
             .meter_commands(test::as(Actor{"engineer"}, domain::Action::kQuery), m, 50)
             .value()) {
      if (c.kind == domain::CommandKind::kPrice && !domain::is_terminal(c.state)) ++n;
    }
    return n;
  }
  /// The thresholds registers of circuit 1 of box 1 as the device holds them (u32 words).
  Thresholds on_device() const {
    const auto u32 = [&](std::uint16_t a) {
      return (std::int64_t{site_.master.get(1, a)} << 16) | site_.master.get(1, a + 1);
    };
    return {u32(0x2000), u32(0x2002), u32(0x2004)};
  }

  test::FakeSite site_{kStart};
  const MeterId m11_{"bus1", 1, 1};
};

TEST_F(SettingsServiceTest, AMeterFirstContactedGetsItsStoredThresholdsConfirmedByReadBack) {
  // Something else on the device, and nothing known of it yet.
  site_.master.set(1, 0x2001, 1234);
  auto p = place(m11_);
  EXPECT_FALSE(p.on_meter_thresholds);
  // First poll: each box's downloads are queued with its readings and delivered (written, read
  // back) while the cycle goes on, as waiting commands are.
  site_.system->run_iterate();
  site_.step(Millis(1000));
  p = place(m11_);
  EXPECT_FALSE(p.thresholds_command);
  ASSERT_TRUE(p.on_meter_thresholds);
  EXPECT_EQ(*p.on_meter_thresholds, p.thresholds);
  EXPECT_EQ(p.thresholds, (Thresholds{2000, 500, 0}));  // the site's defaults
  EXPECT_FALSE(domain::thresholds_differ(p.thresholds, p.on_meter_thresholds));
  EXPECT_EQ(on_device(), p.thresholds);
  EXPECT_EQ(site_.system->counters("bus1").commands_pending, 0U);
  // Every circuit of both boxes, once; the next polls add none.
  const auto confirmed = site_.system->counters("bus1").commands_confirmed;
  EXPECT_EQ(confirmed, 24U);
  site_.step(site_.config.poll_interval);
  site_.step(Millis(1000));
  EXPECT_EQ(site_.system->counters("bus1").commands_confirmed, confirmed);
  EXPECT_EQ(site_.system->counters("bus1").commands_pending, 0U);
}

TEST_F(SettingsServiceTest, AHandTypedThresholdsCommandIsStoredAndThenOnTheMeter) {
  site_.system->run_iterate();
  site_.step(Millis(1000));
  const domain::ThresholdsPayload typed{3000, 800, 5000};
  ASSERT_TRUE(site_.desk->command(m11_, typed, "engineer"));
  auto p = place(m11_);
  EXPECT_EQ(p.thresholds, (Thresholds{3000, 800, 5000}));
  EXPECT_TRUE(domain::thresholds_differ(p.thresholds, p.on_meter_thresholds));  // not yet sent
  site_.step(Millis(1000));
  p = place(m11_);
  EXPECT_EQ(p.on_meter_thresholds, p.thresholds);
  EXPECT_EQ(on_device(), (Thresholds{3000, 800, 5000}));
}

// Tariff = what the meter uses (issue 12.4): the tariff in force for a meter (its own, else the
// site's) is downloaded to it when it changes, confirmed by read-back, and compared with the
// price table its last price download read back.
TEST_F(SettingsServiceTest, AnAssignedTariffIsDownloadedAndConfirmedByReadBack) {
  auto& ops = site_.desk->ops();
  const Actor admin{"admin"};
  site_.system->run_iterate();  // first contact done: only the prices are left to send
  site_.step(Millis(1000));
  EXPECT_FALSE(
      ops.meter_tariff(test::as(admin, domain::Action::kQuery), m11_).value());  // none assigned
  ASSERT_TRUE(ops.add_tariff(test::as(admin, domain::Action::kAddTariff),
                             {"flat", {kStart, domain::Tariff::single(6000)}, {}}));
  ASSERT_TRUE(ops.add_tariff(test::as(admin, domain::Action::kAddTariff),
                             {"cheap", {kStart, domain::Tariff::single(3000)}, {}}));
  ASSERT_TRUE(ops.assign_tariff(test::as(admin, domain::Action::kAssignTariff),
                                {"flat", std::nullopt, std::nullopt}));
  auto t = ops.meter_tariff(test::as(admin, domain::Action::kQuery), m11_).value();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->name, "flat");
  EXPECT_FALSE(t->own);
  auto stored = domain::price_table(t->tariff);
  // Queued for every meter of the site, not delivered yet: nothing read back.
  EXPECT_EQ(domain::prices_state(stored, place(m11_).on_meter_prices),
            domain::PricesState::kUnknown);
  EXPECT_EQ(open_prices(m11_), 1);
  EXPECT_EQ(open_prices({"bus1", 2, 12}), 1);
  site_.step(Millis(1000));
  EXPECT_EQ(open_prices(m11_), 0);
  EXPECT_EQ(domain::prices_state(stored, place(m11_).on_meter_prices), domain::PricesState::kEqual);
  EXPECT_EQ(site_.master.get(1, 0x200B), 6000);  // price_flat of circuit 1, low word
  // The meter's own assignment wins over the site's; another meter keeps the site's. Until the
  // new table is read back, the meter is known to hold other prices than its stored tariff's.
  ASSERT_TRUE(ops.assign_tariff(test::as(admin, domain::Action::kAssignTariff),
                                {"cheap", m11_, std::nullopt}));
  t = ops.meter_tariff(test::as(admin, domain::Action::kQuery), m11_).value();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->name, "cheap");
  EXPECT_TRUE(t->own);
  EXPECT_EQ(ops.meter_tariff(test::as(admin, domain::Action::kQuery), {"bus1", 1, 2}).value()->name,
            "flat");
  stored = domain::price_table(t->tariff);
  EXPECT_EQ(domain::prices_state(stored, place(m11_).on_meter_prices),
            domain::PricesState::kDiffer);
  EXPECT_EQ(open_prices(m11_), 1);
  EXPECT_EQ(open_prices({"bus1", 1, 2}), 0);  // that meter only
  site_.step(Millis(1000));
  auto p = place(m11_);
  EXPECT_EQ(p.on_meter_prices_at, site_.clock.now());
  EXPECT_EQ(domain::prices_state(stored, p.on_meter_prices), domain::PricesState::kEqual);
  EXPECT_EQ(site_.master.get(1, 0x200B), 3000);
  EXPECT_EQ(site_.master.get(1, 0x202B), 6000);  // circuit 2 keeps the site's
}

TEST_F(SettingsServiceTest, APriceTypedByHandIsTheMetersOwnTariffAndOnTheMeter) {
  auto& ops = site_.desk->ops();
  const Actor admin{"admin"};
  site_.system->run_iterate();
  site_.step(Millis(1000));
  ASSERT_TRUE(ops.add_tariff(test::as(admin, domain::Action::kAddTariff),
                             {"flat", {kStart, domain::Tariff::single(6000)}, {}}));
  ASSERT_TRUE(ops.assign_tariff(test::as(admin, domain::Action::kAssignTariff),
                                {"flat", std::nullopt, std::nullopt}));
  site_.step(Millis(1000));
  ASSERT_TRUE(site_.desk->command(m11_, domain::PricePayload{{8000, 8000, 8000, 8000}}, "admin"));
  const auto t = ops.meter_tariff(test::as(admin, domain::Action::kQuery), m11_).value();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->name, "manual bus1/1/1");
  EXPECT_TRUE(t->own);
  site_.step(Millis(1000));
  EXPECT_EQ(domain::prices_state(domain::price_table(t->tariff), place(m11_).on_meter_prices),
            domain::PricesState::kEqual);
  EXPECT_EQ(site_.master.get(1, 0x200B), 8000);
  EXPECT_EQ(ops.meter_tariff(test::as(admin, domain::Action::kQuery), {"bus1", 1, 2}).value()->name,
            "flat");
}

}  // namespace
}  // namespace phil::service
