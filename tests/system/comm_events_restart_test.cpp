// Comm loss and recovery as event rows, and what the bus runtime keeps across a restart
// (issue 12 items 6 and 10): a meter, a box and a whole bus going offline and coming back are
// one event each; after a restart (FakeSite::start() again: the database is all that survives)
// no event is raised twice (an offline box, a relay mismatch), a box still in its backoff gets
// no command, and a command's failed tries go on from where they were.
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include <phil/meterlink/profile.hpp>
#include <phil/service/system.hpp>
#include <phil/store/store.hpp>

#include "support/fake_site.hpp"

namespace phil::service {
namespace {

using domain::MeterId;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};

class CommEventsRestartTest : public ::testing::Test {
 protected:
  CommEventsRestartTest() {
    site_.config.clock_sync.reset();  // no broadcasts: these specs count requests and events
    site_.start();
  }

  /// Events of `kind`: of `meter`, or (nullopt) the box and bus events, which name no meter.
  int events(const std::string& kind, const std::optional<MeterId>& meter = std::nullopt) const {
    int n = 0;
    for (const auto& e : site_.system->events(meter))
      n += e.kind == kind && (meter || !e.meter) ? 1 : 0;
    return n;
  }
  store::BoxSupervision box_state(int address) const {
    return store::open_sqlite_store(site_.db)->box_supervision("bus1", address);
  }
  store::CommandRecord command_of(const MeterId& m) const {
    const auto open = store::open_sqlite_store(site_.db)->open_commands("bus1");
    for (const auto& c : open) {
      if (c.meter == m) return c;
    }
    ADD_FAILURE() << "no open command for " << m.to_string();
    return {};
  }

  test::FakeSite site_{kStart};
  const MeterId m11_{"bus1", 1, 1};
  const MeterId m21_{"bus1", 2, 1};
};

TEST_F(CommEventsRestartTest, AMeterABoxAndTheBusGoingOfflineAndBackAreOneEventEach) {
  site_.system->run_iterate();
  site_.set_silent(2, true);
  site_.step_polls(5);  // offline at the 3rd failed cycle, once
  EXPECT_EQ(events("box_offline"), 1);
  EXPECT_EQ(events("meter_offline", m21_), 1);
  EXPECT_EQ(events("meter_offline", MeterId{"bus1", 2, 12}), 1);
  EXPECT_EQ(events("meter_offline", m11_), 0);
  EXPECT_EQ(events("bus_offline"), 0);  // box 1 still answers
  site_.set_silent(1, true);
  site_.step_polls(4);
  EXPECT_EQ(events("box_offline"), 2);
  EXPECT_EQ(events("bus_offline"), 1);
  const auto all = site_.system->events(std::nullopt);
  for (const auto& e : all) {
    if (e.kind == "box_offline") {
      EXPECT_NE(e.details.find("box bus1/"), std::string::npos) << e.details;
    }
  }
  site_.set_silent(1, false);
  site_.set_silent(2, false);
  site_.step_polls(2);
  EXPECT_EQ(events("box_online"), 2);
  EXPECT_EQ(events("bus_online"), 1);
  EXPECT_EQ(events("meter_online", m21_), 1);
  EXPECT_EQ(events("meter_online", m11_), 1);
  // Once each: nothing more while all answer.
  site_.step_polls(2);
  EXPECT_EQ(events("box_online"), 2);
  EXPECT_EQ(events("bus_online"), 1);
  EXPECT_EQ(events("box_offline"), 2);
  EXPECT_EQ(events("bus_offline"), 1);
}

TEST_F(CommEventsRestartTest,
       ABoxAndABusOfflineAcrossARestartAreNotReportedAgainAndTheirRecoveryIs) {
  site_.system->run_iterate();
  site_.set_silent(1, true);
  site_.set_silent(2, true);
  site_.step_polls(4);
  ASSERT_EQ(events("box_offline"), 2);
  ASSERT_EQ(events("bus_offline"), 1);
  site_.start();  // restart while everything is offline
  site_.step_polls(3);
  EXPECT_EQ(events("box_offline"), 2);
  EXPECT_EQ(events("bus_offline"), 1);
  EXPECT_EQ(events("meter_offline", m11_), 1);
  site_.set_silent(1, false);
  site_.set_silent(2, false);
  site_.step_polls(1);
  EXPECT_EQ(events("box_online"), 2);
  EXPECT_EQ(events("bus_online"), 1);
  EXPECT_EQ(events("meter_online", m11_), 1);
}

TEST_F(CommEventsRestartTest, ARelayMismatchIsNotRaisedAgainAfterARestart) {
  site_.system->run_iterate();
  const auto profile = meterlink::load_profile(test::test_profiles_dir(), "adf300l");
  const auto* mode = profile.circuit_register("mode");
  const auto* relay = profile.circuit_register("relay");
  ASSERT_TRUE(mode && relay);
  // Circuit 4 of box 1 reports forced_off (2) with its relay as given: closed is a stuck contact.
  const auto set_relay = [&](std::uint16_t closed) {
    std::lock_guard l(site_.master_mutex);
    site_.master.set(1, static_cast<std::uint16_t>(mode->address_for(4)), 2);
    site_.master.set(1, static_cast<std::uint16_t>(relay->address_for(4)), closed);
  };
  const MeterId m14{"bus1", 1, 4};
  set_relay(1);
  site_.step_polls(2);
  ASSERT_EQ(events("relay_mismatch", m14), 1);
  EXPECT_EQ(box_state(1).relay_mismatch, std::set<int>{4});
  site_.start();
  site_.step_polls(2);
  EXPECT_EQ(events("relay_mismatch", m14), 1);
  // Fixed, then stuck again: a new occurrence is raised.
  set_relay(0);
  site_.step_polls(1);
  EXPECT_TRUE(box_state(1).relay_mismatch.empty());
  set_relay(1);
  site_.step_polls(1);
  EXPECT_EQ(events("relay_mismatch", m14), 2);
}

TEST_F(CommEventsRestartTest, ACommandBackoffSurvivesARestart) {
  site_.system->run_iterate();
  site_.set_silent(2, true);
  ASSERT_TRUE(site_.desk->open_account("A2", "tenant", {m21_}, 1'000, "cashier"));
  // The credit meets a silent box: tries and the box's backoff grow, run after run.
  for (int i = 0; i < 4; ++i)
    site_.step(Millis(60'000));
  const auto before = box_state(2);
  const auto tries = command_of(m21_).tries;
  ASSERT_GE(before.silent_runs, 1);
  ASSERT_TRUE(before.hold_until);
  ASSERT_GE(tries, 1);
  site_.start();
  // The first run after the restart polls every box (one request to the silent one), but sends
  // no command to a box still in its backoff: the command's tries stay, the box's runs go on.
  site_.clear_log();
  site_.system->run_iterate();
  EXPECT_EQ(site_.requests(meterlink::FakeMaster::Op::kAny, 2), 1);
  EXPECT_EQ(command_of(m21_).tries, tries);
  EXPECT_EQ(box_state(2).silent_runs, before.silent_runs + 1);
  // Recovery: the command goes at once and the backoff is cleared (and stored so).
  site_.set_silent(2, false);
  site_.step_polls(1);
  EXPECT_EQ(site_.device.credits_applied(), 1);
  EXPECT_EQ(box_state(2).silent_runs, 0);
  EXPECT_FALSE(box_state(2).hold_until);
}

}  // namespace
}  // namespace phil::service
