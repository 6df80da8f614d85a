// The overload trip alarm (issue 14 item 3), from the meter's own status flag, over a real pty
// against the virtual fleet: a load above the meter's overload threshold for its delay trips the
// relay and latches the flag; the next reading raises one overload_trip alarm, not one per poll;
// a load above the threshold that has not tripped yet raises none; the remote close that clears
// the latch clears the alarm at the next reading.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <phil/service/operations.hpp>
#include <phil/service/system.hpp>
#include <phil/sim/fleet.hpp>
#include <phil/sim/simulator.hpp>

#include "support/desk.hpp"
#include "support/sim_system.hpp"
#include "support/temp_dir.hpp"

namespace phil {
namespace {

using domain::AlarmKind;
using domain::MeterId;
using test::SharedClock;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};  // 2026-03-01T00:00:00+08:00
constexpr Millis kPoll{30 * 60 * 1000};
constexpr Millis kSecond{1000};

constexpr const char* kFleet = R"(buses:
  - id: bus1
    port: vbus/bus1
    boxes:
      - address: 1
        model: adf300l-i
        circuits:
          1: {load: {constant: 1500}}
)";

class OverloadAlarm : public ::testing::Test {
 protected:
  OverloadAlarm() : clock_(kStart) {
    const std::string profiles = PHIL_SOURCE_DIR "/profiles";
    sim_ = test::start_fleet(kFleet, dir_.file(""), clock_, profiles);
    auto site = test::one_bus_site("overload", sim_->endpoint("bus1"), Millis(200),
                                   {{1, "adf300l-i", "adf300l"}});
    site.profiles_dir = profiles;
    site.poll_interval = kPoll;
    system_ = std::make_unique<service::System>(site, dir_.file("site.db"), clock_);
    desk_ = std::make_unique<test::Desk>(dir_.file("site.db"), clock_, site);
  }

  void step(Millis d) { test::step(clock_, *sim_, *system_, d); }
  /// Steps a second at a time until `id` is confirmed (at most a minute).
  void until_confirmed(std::int64_t id) {
    for (int i = 0; i < 60 && !confirmed(id); ++i)
      step(kSecond);
    ASSERT_TRUE(confirmed(id)) << "command " << id;
  }
  bool confirmed(std::int64_t id) {
    const auto cs = desk_->ops().meter_commands(admin(), meter_, 20);
    for (const auto& c : cs.value()) {
      if (c.id == id) return c.state == domain::CommandState::kConfirmed;
    }
    return false;
  }
  /// A reading of the meter now, as `read-now` asks for it.
  void read_now() {
    ASSERT_TRUE(desk_->request_read(meter_.to_string()));
    step(5 * kSecond);
  }
  std::vector<store::AlarmRecord> overload_alarms() {
    store::AlarmFilter f;
    f.kind = AlarmKind::kOverloadTrip;
    const auto got = desk_->ops().alarms(admin(), f);
    EXPECT_TRUE(got) << got.error().message;
    return got ? got.value().alarms : std::vector<store::AlarmRecord>{};
  }
  service::Actor admin() const { return {"admin", domain::Role::kAdmin}; }

  test::TempDir dir_;
  SharedClock clock_;
  std::unique_ptr<sim::Simulator> sim_;
  std::unique_ptr<service::System> system_;
  std::unique_ptr<test::Desk> desk_;
  const MeterId meter_{"bus1", 1, 1};
};

TEST_F(OverloadAlarm, ATripOnOverloadIsOneAlarmUntilTheRemoteCloseClearsIt) {
  ASSERT_TRUE(desk_->open_account("A1", "Li", {meter_}, 5'000, "cashier"));
  system_->run_iterate();
  step(10 * kSecond);
  const auto thresholds =
      desk_->command(meter_, domain::ThresholdsPayload{2'000, 500, 2'500}, "engineer");
  ASSERT_TRUE(thresholds) << thresholds.error().message;
  until_confirmed(thresholds.value());

  // Above the threshold, not yet for the meter's delay: the flag without a trip is no alarm.
  sim::LoadSpec heavy;
  heavy.power_w = 3'200;
  ASSERT_TRUE(sim_->set_load("bus1", 1, 1, heavy));
  step(5 * kSecond);
  read_now();
  ASSERT_TRUE(system_->meter(meter_)->relay_closed);
  EXPECT_TRUE(overload_alarms().empty());

  // Tripped: one alarm at the next reading, still one after more polls.
  step(2 * 60 * kSecond);
  ASSERT_FALSE(sim_->circuit("bus1", 1, 1)->relay_closed);
  read_now();
  const auto raised_at = clock_.now();
  step(kPoll);
  step(kPoll);
  auto alarms = overload_alarms();
  ASSERT_EQ(alarms.size(), 1U);
  EXPECT_FALSE(alarms[0].cleared_at);
  EXPECT_LE(alarms[0].raised_at, raised_at);
  EXPECT_NE(alarms[0].details.find("\"account\":\"A1\""), std::string::npos) << alarms[0].details;

  // The load back to normal and a remote close: the latch and the alarm end.
  sim::LoadSpec normal;
  normal.power_w = 1'500;
  ASSERT_TRUE(sim_->set_load("bus1", 1, 1, normal));
  const auto close =
      desk_->command(meter_, domain::ModePayload{domain::RelayCommand::kClose}, "engineer");
  ASSERT_TRUE(close) << close.error().message;
  until_confirmed(close.value());
  read_now();
  alarms = overload_alarms();
  ASSERT_EQ(alarms.size(), 1U);
  EXPECT_TRUE(alarms[0].cleared_at);
}

}  // namespace
}  // namespace phil
