// The system against the virtual fleet over a real pty: libmodbus RTU master on one side, the
// simulator's slave on the other, one manual clock for both. The system decodes the profile
// itself; only the YAML is shared.
#include <atomic>

#include <gtest/gtest.h>

#include <phil/service/system.hpp>
#include <phil/sim/fleet.hpp>
#include <phil/sim/simulator.hpp>

#include "support/desk.hpp"
#include "support/fake_adf300.hpp"
#include "support/sim_system.hpp"
#include "support/temp_dir.hpp"

namespace phil {
namespace {

using domain::MeterId;

using test::SharedClock;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};  // 2026-03-01T00:00:00+08:00

constexpr const char* kFleet = R"(buses:
  - id: bus1
    port: vbus/bus1
    boxes:
      - address: 1
        model: adf300l-i
        circuits:
          1: {load: {constant: 1200}, balance: "0.00"}
)";

class SystemOverPty : public ::testing::Test {
 protected:
  SystemOverPty() : clock_(kStart) {
    sim_ = test::start_fleet(kFleet, dir_.file(""), clock_);
    // Box 2 is configured but absent from the fleet: it never answers.
    const auto site =
        test::one_bus_site("pty", sim_->endpoint("bus1"), Millis(200),
                           {{1, "adf300l-i", "adf300l"}, {2, "adf300l-i", "adf300l"}});
    system_ = std::make_unique<service::System>(site, dir_.file("site.db"), clock_);
    desk_ = std::make_unique<test::Desk>(dir_.file("site.db"), clock_, site);
  }

  void step(Millis d) { test::step(clock_, *sim_, *system_, d); }

  test::TempDir dir_;
  SharedClock clock_;
  std::unique_ptr<sim::Simulator> sim_;
  std::unique_ptr<service::System> system_;
  std::unique_ptr<test::Desk> desk_;
  const MeterId m11_{"bus1", 1, 1};
};

TEST_F(SystemOverPty, SaleTripAndRecoveryAcrossTheWire) {
  ASSERT_TRUE(desk_->open_account("A401", "Li", {m11_}, 100, "cashier"));  // 1.00 yuan
  system_->run_iterate();
  auto meter = sim_->circuit("bus1", 1, 1);
  ASSERT_TRUE(meter);
  EXPECT_EQ(meter->purchase_count, 1);
  EXPECT_EQ(meter->balance_fen, 100);
  auto view = system_->meter(m11_);
  ASSERT_TRUE(view && view->ever_read);
  EXPECT_EQ(view->purchase_count, 1);
  // The first sale's credit, and the stored thresholds of box 1's 12 circuits (first contact).
  EXPECT_EQ(system_->counters("bus1").commands_confirmed, 13U);
  EXPECT_EQ(system_->meter({"bus1", 2, 1})->failed_cycles, 1);

  // 1200 W for 30 min = 600 Wh = 0.36 yuan: still in credit, below the meter's alarm 2 level.
  step(Millis(30 * 60 * 1000));
  view = system_->meter(m11_);
  EXPECT_EQ(view->energy_wh, sim_->circuit("bus1", 1, 1)->energy_wh / 10 * 10);
  EXPECT_EQ(view->status, domain::MeterStatus::kAlarm2);
  // Another hour: 1.00 yuan is used up, the meter trips at zero.
  step(Millis(60 * 60 * 1000));
  view = system_->meter(m11_);
  EXPECT_EQ(view->status, domain::MeterStatus::kArrears);
  EXPECT_FALSE(view->relay_closed);
  EXPECT_FALSE(sim_->circuit("bus1", 1, 1)->relay_closed);

  ASSERT_TRUE(desk_->sale("A401", 10'000, "cashier"));
  step(Millis(1000));
  meter = sim_->circuit("bus1", 1, 1);
  EXPECT_EQ(meter->purchase_count, 2);
  EXPECT_TRUE(meter->relay_closed);
  view = system_->meter(m11_);
  EXPECT_TRUE(view->relay_closed);
  EXPECT_EQ(view->status, domain::MeterStatus::kNormal);
  EXPECT_EQ(system_->counters("bus1").commands_confirmed, 14U);
  EXPECT_EQ(system_->meter({"bus1", 2, 1})->status, domain::MeterStatus::kOffline);

  step(Millis(30 * 60 * 1000));
  EXPECT_TRUE(system_->verify_ledger().empty());
  const auto lag = *system_->account_balance_fen("A401") - sim_->circuit("bus1", 1, 1)->balance_fen;
  EXPECT_GE(lag, 0);
  EXPECT_LE(lag, 1);  // the 10 Wh resolution of the energy register, at most
}

}  // namespace
}  // namespace phil
