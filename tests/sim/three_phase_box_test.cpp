// A box of the three-phase model serves the per-phase registers of the profile; a single-phase
// box does not have them (exception 02), as the profile says.
#include <gtest/gtest.h>

#include <phil/sim/box.hpp>

#include "sim_box_support.hpp"
#include "sim_test_support.hpp"

namespace phil::sim {
namespace {

using rtu::Exception;
using std::chrono::hours;
using testing::read_words;
using Words = std::vector<std::uint16_t>;

// A literal that parses (a typo throws at start-up and fails the run at once).
const TimePoint kStart = testing::at("2026-03-01T00:00:00+08:00");  // NOLINT(cert-err58-cpp)
constexpr std::chrono::minutes kChina{480};
constexpr std::uint16_t kMeasure2 = 0x1020;  // measurement block of circuit 2
constexpr std::uint16_t kPhase2 = 0x1810;    // per-phase block of circuit 2 (0x1800 + 0x10)

std::int64_t u32(const Words& w, std::size_t at) {
  return (std::int64_t{w[at]} << 16) | w[at + 1];
}

class simThreePhaseBox : public ::testing::Test {
 protected:
  simThreePhaseBox() : profiles_(load_profiles_dir(testing::profiles_dir())) {}

  std::unique_ptr<Box> make(const std::string& model) {
    BoxSpec spec;
    spec.address = 1;
    spec.model = model;
    CircuitSpec c2;
    c2.load.power_w = 6601;
    c2.phase_split = {50, 30, 20};
    c2.balance_fen = 1'000'000;
    spec.circuits[2] = c2;
    const Profile& p = profiles_.at("adf300l");
    return std::make_unique<Box>(p, *p.find_model(model), spec, 9600, kStart, kChina,
                                 300'001'001'000);
  }

  std::map<std::string, Profile> profiles_;
};

TEST_F(simThreePhaseBox, PerPhaseBlockEncodesVoltagesCurrentsAndPowersThatSumToTheTotal) {
  const auto box = make("adf300l-3p");
  box->advance_to(kStart + hours(2));
  const Words phase = read_words(*box, kPhase2, 16);
  ASSERT_EQ(phase.size(), 16U);
  EXPECT_EQ(phase[0], 2200);  // voltage_a 220.0 V
  EXPECT_EQ(phase[1], 2200);
  EXPECT_EQ(phase[2], 2200);
  const std::int64_t pa = u32(phase, 6);
  const std::int64_t pb = u32(phase, 8);
  const std::int64_t pc = u32(phase, 10);
  EXPECT_EQ(pa, 3300);  // floor(6601 * 50 / 100)
  EXPECT_EQ(pb, 1980);  // floor(6601 * 80 / 100) - 3300
  EXPECT_EQ(pc, 1321);
  EXPECT_EQ(phase[3], 1500);  // current_a: 3300 W / 220 V = 15.00 A
  EXPECT_EQ(phase[4], 900);
  EXPECT_EQ(phase[5], 600);  // 1321 / 220 = 6.004 A, floored to 0.01 A
  for (std::size_t i = 12; i < 16; ++i)
    EXPECT_EQ(phase[i], 0) << "reserved word " << i;

  const Words measure = read_words(*box, kMeasure2, 25);
  ASSERT_EQ(measure.size(), 25U);
  EXPECT_EQ(u32(measure, 0x0C), pa + pb + pc);  // power: the total, to the watt
  EXPECT_EQ(u32(measure, 0x00), 1320);          // 13202 Wh in 0.01 kWh: the total drives energy
  EXPECT_EQ(measure[0x0A], 2200);               // voltage: the mean of the phases
  EXPECT_EQ(measure[0x0B], (1500 + 900 + 600) / 3);  // current: the mean of the phases
}

TEST_F(simThreePhaseBox, TheModelRegisterSaysThreePhaseAndTwelveCircuits) {
  const auto box = make("adf300l-3p");
  const Words w = read_words(*box, 0x0000, 2);
  ASSERT_EQ(w.size(), 2U);
  EXPECT_EQ(w[0], 4);
  EXPECT_EQ(w[1], 12);
  EXPECT_EQ(box->read(0x1800 + 12 * 0x10, 1),
            (std::variant<Words, Exception>(Exception::kIllegalDataAddress)));  // no c13
}

TEST_F(simThreePhaseBox, ASinglePhaseBoxHasNoPerPhaseRegisters) {
  for (const char* model : {"adf300l-i", "adf300l-iii"}) {
    const auto box = make(model);
    EXPECT_EQ(box->read(kPhase2, 1),
              (std::variant<Words, Exception>(Exception::kIllegalDataAddress)))
        << model;
    EXPECT_EQ(box->read(0x1800, 12),
              (std::variant<Words, Exception>(Exception::kIllegalDataAddress)))
        << model;
    const Words measure = read_words(*box, kMeasure2, 25);
    ASSERT_EQ(measure.size(), 25U) << model;
    EXPECT_EQ(u32(measure, 0x0C), 6601) << model;  // the whole load on its one phase
  }
}

TEST_F(simThreePhaseBox, AReplacedThreePhaseMeterKeepsItsPhasesAndSplit) {
  const auto box = make("adf300l-3p");
  box->advance_to(kStart + hours(1));
  box->replace_meter(2);
  const CircuitModel& fresh = box->circuit(2);
  EXPECT_EQ(fresh.phases(), 3);
  EXPECT_EQ(fresh.phase_split(), (std::array<std::int64_t, 3>{50, 30, 20}));
  EXPECT_EQ(fresh.energy_wh(), 0);  // counters from zero, as a new meter
  // A new meter has no credit, so in prepaid mode it is open: every phase reads 0 W.
  const Words phase = read_words(*box, kPhase2, 12);
  ASSERT_EQ(phase.size(), 12U);
  EXPECT_EQ(u32(phase, 6) + u32(phase, 8) + u32(phase, 10), 0);
}

}  // namespace
}  // namespace phil::sim
