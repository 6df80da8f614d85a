// The system against the virtual fleet over a real pty: libmodbus RTU master on one side, the
// simulator's slave on the other, one manual clock for both. The system decodes the profile
// itself; only the YAML is shared.
#include <atomic>

#include <gtest/gtest.h>

#include <phil/service/system.hpp>
#include <phil/sim/fleet.hpp>
#include <phil/sim/simulator.hpp>

#include "support/fake_adf300.hpp"
#include "support/temp_dir.hpp"

namespace phil {
namespace {

using domain::MeterId;

/// One clock for both sides; read from the simulator's serving thread, hence atomic.
class SharedClock final : public domain::Clock, public sim::TimeSource {
 public:
  explicit SharedClock(TimePoint t) : ms_(t.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint(Millis(ms_.load())); }
  void advance(Millis d) { ms_ += d.count(); }

 private:
  std::atomic<std::int64_t> ms_;
};

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
    const auto doc = yaml::Document::load_string(kFleet, "fleet.yaml");
    sim::SimulatorOptions options;
    options.run_dir = dir_.file("");
    sim_ = std::make_unique<sim::Simulator>(sim::parse_fleet(doc.root(), test::test_profiles_dir()),
                                            clock_, options);
    sim_->start();

    service::SiteConfig site;
    site.name = "pty";
    site.profiles_dir = test::test_profiles_dir();
    service::BusConfig bus;
    bus.id = "bus1";
    bus.port = sim_->endpoint("bus1");
    bus.response_timeout = Millis(200);
    // Box 2 is configured but absent from the fleet: it never answers.
    bus.boxes = {{1, "adf300l-i", "adf300l"}, {2, "adf300l-i", "adf300l"}};
    site.buses = {bus};
    system_ = std::make_unique<service::System>(site, dir_.file("site.db"), clock_);
  }

  void step(Millis d) {
    clock_.advance(d);
    sim_->advance_to(clock_.now());
    system_->run_iterate();
  }

  test::TempDir dir_;
  SharedClock clock_;
  std::unique_ptr<sim::Simulator> sim_;
  std::unique_ptr<service::System> system_;
  const MeterId m11_{"bus1", 1, 1};
};

TEST_F(SystemOverPty, SaleTripAndRecoveryAcrossTheWire) {
  ASSERT_TRUE(system_->open_account("A401", "Li", {m11_}, 100, "cashier"));  // 1.00 yuan
  system_->run_iterate();
  auto meter = sim_->circuit("bus1", 1, 1);
  ASSERT_TRUE(meter);
  EXPECT_EQ(meter->purchase_count, 1);
  EXPECT_EQ(meter->balance_fen, 100);
  auto view = system_->meter(m11_);
  ASSERT_TRUE(view && view->ever_read);
  EXPECT_EQ(view->purchase_count, 1);
  EXPECT_EQ(system_->counters("bus1").commands_confirmed, 1U);
  EXPECT_EQ(system_->meter({"bus1", 2, 1})->failed_cycles, 1);

  // 1200 W for 30 min = 600 Wh = 0.36 yuan: still in credit, below the meter's alarm 2 level.
  step(Millis(30 * 60 * 1000));
  view = system_->meter(m11_);
  EXPECT_EQ(view->energy_wh, sim_->circuit("bus1", 1, 1)->energy_wh / 10 * 10);
  EXPECT_EQ(view->status, "alarm2");
  // Another hour: 1.00 yuan is used up, the meter trips at zero.
  step(Millis(60 * 60 * 1000));
  view = system_->meter(m11_);
  EXPECT_EQ(view->status, "arrears");
  EXPECT_FALSE(view->relay_closed);
  EXPECT_FALSE(sim_->circuit("bus1", 1, 1)->relay_closed);

  ASSERT_TRUE(system_->sale("A401", 10'000, "cashier"));
  step(Millis(1000));
  meter = sim_->circuit("bus1", 1, 1);
  EXPECT_EQ(meter->purchase_count, 2);
  EXPECT_TRUE(meter->relay_closed);
  view = system_->meter(m11_);
  EXPECT_TRUE(view->relay_closed);
  EXPECT_EQ(view->status, "normal");
  EXPECT_EQ(system_->counters("bus1").commands_confirmed, 2U);
  EXPECT_EQ(system_->meter({"bus1", 2, 1})->status, "offline");

  step(Millis(30 * 60 * 1000));
  EXPECT_TRUE(system_->verify_ledger().empty());
  const auto lag = *system_->account_balance_fen("A401") - sim_->circuit("bus1", 1, 1)->balance_fen;
  EXPECT_GE(lag, 0);
  EXPECT_LE(lag, 1);  // the 10 Wh resolution of the energy register, at most
}

}  // namespace
}  // namespace phil
