// The circuit model's three-phase circuits: the phases share the total power exactly, the total
// drives energy and money exactly as on a single-phase circuit, and runs are deterministic.
#include <array>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include <phil/sim/circuit_model.hpp>

#include "sim_test_support.hpp"

namespace phil::sim {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::at;

const TimePoint kStart = at("2026-03-01T00:00:00+08:00");
constexpr minutes kChina{8 * 60};
constexpr std::array<Phase, 3> kPhases{Phase::kA, Phase::kB, Phase::kC};

CircuitSpec three_phase(std::int64_t watts, std::array<std::int64_t, 3> split = {1, 1, 1}) {
  CircuitSpec s;
  s.phases = 3;
  s.phase_split = split;
  s.load.kind = LoadSpec::Kind::kConstant;
  s.load.power_w = watts;
  s.balance_fen = 1'000'000;
  return s;
}

CircuitSpec walk(int phases, std::uint64_t seed) {
  CircuitSpec s;
  s.phases = phases;
  s.phase_split = {5, 3, 2};
  s.load.kind = LoadSpec::Kind::kWalk;
  s.load.power_w = 6000;
  s.load.seed = seed;
  s.load.walk_min_w = 0;
  s.load.walk_max_w = 15'000;
  s.load.walk_step_w = 377;
  s.load.walk_interval = Millis(45'000);
  s.balance_fen = 1'000'000;
  return s;
}

std::int64_t phase_sum(const CircuitModel& c) {
  return c.power_w(Phase::kA) + c.power_w(Phase::kB) + c.power_w(Phase::kC);
}

void step_by(CircuitModel& c, Millis step, Millis total) {
  const TimePoint end = c.now() + total;
  while (c.now() < end)
    c.advance_to(std::min(c.now() + step, end));
}

TEST(simThreePhaseModel, PhasePowersSumToTheTotalToTheWattForAnySplit) {
  const std::vector<std::array<std::int64_t, 3>> splits{
      {1, 1, 1}, {40, 35, 25}, {2, 1, 0}, {0, 0, 7}, {1'000'000, 1, 999'999}, {3, 0, 3}};
  for (const auto& split : splits) {
    for (const std::int64_t watts : {0, 1, 2, 3, 100, 1001, 2500, 99'999, 7'654'321}) {
      const CircuitModel c(three_phase(watts, split), kStart, kChina);
      ASSERT_EQ(c.power_w(), watts);
      EXPECT_EQ(phase_sum(c), watts)
          << watts << " W split " << split[0] << "/" << split[1] << "/" << split[2];
      const std::int64_t all = split[0] + split[1] + split[2];
      for (std::size_t i = 0; i < 3; ++i) {
        // Each share is within one watt of its exact share (P * w / W).
        const std::int64_t exact_times_all = watts * split[i];
        const std::int64_t share = c.power_w(kPhases[i]);
        EXPECT_GE(share, 0);
        EXPECT_LT(std::abs(share * all - exact_times_all), all) << watts << " W phase " << i;
        if (split[i] == 0) {
          EXPECT_EQ(share, 0);
        }
      }
    }
  }
}

TEST(simThreePhaseModel, TheDefaultSplitIsBalanced) {
  const CircuitModel even(three_phase(3000), kStart, kChina);
  EXPECT_EQ(even.phase_split(), (std::array<std::int64_t, 3>{1, 1, 1}));
  EXPECT_EQ(even.power_w(Phase::kA), 1000);
  EXPECT_EQ(even.power_w(Phase::kB), 1000);
  EXPECT_EQ(even.power_w(Phase::kC), 1000);
  const CircuitModel odd(three_phase(3002), kStart, kChina);
  EXPECT_EQ(odd.power_w(Phase::kA), 1000);  // floor(3002/3)
  EXPECT_EQ(odd.power_w(Phase::kB), 1001);  // floor(2*3002/3) - 1000
  EXPECT_EQ(odd.power_w(Phase::kC), 1001);
}

TEST(simThreePhaseModel, PhaseCurrentsAndVoltagesFollowFromThePhasePowers) {
  CircuitSpec spec = three_phase(6600, {2, 1, 0});
  spec.voltage_dv = 2300;  // 230.0 V
  const CircuitModel c(spec, kStart, kChina);
  EXPECT_EQ(c.power_w(Phase::kA), 4400);
  EXPECT_EQ(c.voltage_dv(Phase::kB), 2300);
  EXPECT_EQ(c.voltage_dv(), 2300);
  EXPECT_EQ(c.current_ma(Phase::kA), 19'130);  // 4400 W / 230 V = 19.130 A, floored
  EXPECT_EQ(c.current_ma(Phase::kB), 9'565);
  EXPECT_EQ(c.current_ma(Phase::kC), 0);
  EXPECT_EQ(c.current_ma(), (19'130 + 9'565 + 0) / 3);
}

TEST(simThreePhaseModel, AnOpenRelayDrawsNothingOnAnyPhase) {
  CircuitSpec spec = three_phase(3000);
  spec.mode = Mode::kForcedOff;
  const CircuitModel c(spec, kStart, kChina);
  for (const Phase p : kPhases) {
    EXPECT_EQ(c.power_w(p), 0);
    EXPECT_EQ(c.current_ma(p), 0);
  }
}

TEST(simThreePhaseModel, EnergyAndMoneyAreThoseOfTheTotalPowerWhateverTheSplitOrStep) {
  CircuitSpec single = three_phase(1777);
  single.phases = 1;
  CircuitModel one_phase(single, kStart, kChina);
  CircuitModel hourly(three_phase(1777, {40, 35, 25}), kStart, kChina);
  CircuitModel secondly(three_phase(1777, {1, 0, 0}), kStart, kChina);
  one_phase.advance_to(kStart + hours(1));
  hourly.advance_to(kStart + hours(1));
  step_by(secondly, seconds(1), hours(1));
  EXPECT_EQ(hourly.energy_wh(), 1777);
  EXPECT_EQ(secondly.energy_wh(), 1777);
  EXPECT_EQ(one_phase.energy_wh(), 1777);
  EXPECT_EQ(hourly.balance_fen(), one_phase.balance_fen());
  EXPECT_EQ(secondly.balance_fen(), one_phase.balance_fen());
  EXPECT_EQ(hourly.balance_fen(), 1'000'000 - 1777 * 6000 / 100'000);
}

TEST(simThreePhaseModel, ChangingTheSplitMidRunChangesNoEnergy) {
  CircuitModel steady(three_phase(2400), kStart, kChina);
  CircuitModel changed(three_phase(2400), kStart, kChina);
  steady.advance_to(kStart + hours(3));
  changed.advance_to(kStart + minutes(50));
  changed.set_phase_split({0, 1, 9});
  EXPECT_EQ(changed.power_w(Phase::kA), 0);
  EXPECT_EQ(changed.power_w(Phase::kC), 2160);
  changed.advance_to(kStart + hours(3));
  EXPECT_EQ(changed.energy_wh(), steady.energy_wh());
  EXPECT_EQ(changed.balance_fen(), steady.balance_fen());
}

TEST(simThreePhaseModel, ARandomWalkGivesTheSamePhasePowersAndEnergyForTheSameSeed) {
  CircuitModel a(walk(3, 42), kStart, kChina);
  CircuitModel b(walk(3, 42), kStart, kChina);
  CircuitModel single(walk(1, 42), kStart, kChina);
  bool varied = false;
  std::int64_t first = a.power_w(Phase::kA);
  for (int i = 0; i < 240; ++i) {  // 4 hours in 1-minute steps
    const TimePoint t = kStart + minutes(i + 1);
    a.advance_to(t);
    step_by(b, seconds(7), t - b.now());
    single.advance_to(t);
    for (const Phase p : kPhases)
      ASSERT_EQ(a.power_w(p), b.power_w(p)) << "minute " << i;
    ASSERT_EQ(phase_sum(a), single.power_w()) << "minute " << i;
    varied = varied || a.power_w(Phase::kA) != first;
  }
  EXPECT_TRUE(varied);  // the walk moved, so the comparison above compared something
  EXPECT_GT(a.energy_wh(), 0);
  EXPECT_EQ(a.energy_wh(), b.energy_wh());
  EXPECT_EQ(a.energy_wh(), single.energy_wh());
  EXPECT_EQ(a.balance_fen(), b.balance_fen());
}

TEST(simThreePhaseModel, ASinglePhaseCircuitCarriesEverythingOnPhaseA) {
  CircuitSpec spec = three_phase(1234);
  spec.phases = 1;
  const CircuitModel c(spec, kStart, kChina);
  EXPECT_EQ(c.phases(), 1);
  EXPECT_EQ(c.power_w(Phase::kA), 1234);
  EXPECT_EQ(c.power_w(Phase::kB), 0);
  EXPECT_EQ(c.power_w(Phase::kC), 0);
  EXPECT_EQ(c.current_ma(), 1234 * 10'000 / 2200);
}

TEST(simThreePhaseModel, AnInvalidSpecOrSplitIsRejectedAndTheSplitStaysAsItWas) {
  CircuitSpec two = three_phase(100);
  two.phases = 2;
  EXPECT_THROW(CircuitModel(two, kStart, kChina), std::invalid_argument);
  EXPECT_THROW(CircuitModel(three_phase(100, {0, 0, 0}), kStart, kChina), std::invalid_argument);
  EXPECT_THROW(CircuitModel(three_phase(100, {1, -1, 1}), kStart, kChina), std::invalid_argument);
  EXPECT_THROW(CircuitModel(three_phase(100, {kMaxPhaseWeight + 1, 0, 0}), kStart, kChina),
               std::invalid_argument);
  CircuitSpec no_volts = three_phase(100);
  no_volts.voltage_dv = 0;
  EXPECT_THROW(CircuitModel(no_volts, kStart, kChina), std::invalid_argument);

  CircuitModel c(three_phase(300, {1, 2, 0}), kStart, kChina);
  EXPECT_THROW(c.set_phase_split({0, 0, 0}), std::invalid_argument);
  EXPECT_EQ(c.phase_split(), (std::array<std::int64_t, 3>{1, 2, 0}));
  EXPECT_EQ(c.power_w(Phase::kB), 200);
}

}  // namespace
}  // namespace phil::sim
