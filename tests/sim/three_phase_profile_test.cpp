// The simulator's profile decoder: the three-phase model and its per-phase registers (`phases`),
// profile timing (`timing`), every register DESIGN.md names, and the errors of bad input.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <phil/sim/profile.hpp>

#include "../fixtures/register_names.hpp"
#include "sim_test_support.hpp"

namespace phil::sim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::replaced;

// tests/fixtures/mixed_phases_profile.yaml: one single-phase and one three-phase model, one
// per-phase register. Tests break one line of it.
const std::string& mixed_fixture() {
  static const std::string text = [] {
    std::ifstream in(PHIL_SOURCE_DIR "/tests/fixtures/mixed_phases_profile.yaml");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }();
  EXPECT_FALSE(text.empty()) << "tests/fixtures/mixed_phases_profile.yaml is missing";
  return text;
}

Profile parse(const std::string& text) {
  const auto doc = yaml::Document::load_string(text, "mixed_phases_profile.yaml");
  return parse_profile(doc.root(), "mixed_phases_profile.yaml");
}

std::string error_of(const std::string& text) {
  return testing::config_error_of([&] { (void)parse(text); });
}

Profile repository_profile() {
  return load_profile_file(testing::profiles_dir() + "/adf300l.yaml");
}

std::vector<std::string> csv_names(const std::string& csv) {
  std::vector<std::string> out;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line))
    out.push_back(line.substr(0, line.find(',')));
  return out;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

TEST(simThreePhaseProfile, TheRepositoryProfileHasATwelveCircuitThreePhaseModel) {
  const Profile p = repository_profile();
  const ModelInfo* m = p.find_model("adf300l-3p");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->circuits, 12);
  EXPECT_EQ(m->phases, 3);
  EXPECT_EQ(m->code, 4);
  for (const std::string_view name : test_fixtures::kPerPhaseRegisters) {
    const Register* r = p.find_circuit_register(*m, name);
    ASSERT_NE(r, nullptr) << name;
    EXPECT_EQ(r->phases, 3) << name;
    EXPECT_EQ(p.find_circuit_register(*p.find_model("adf300l-iii"), name), nullptr) << name;
  }
  EXPECT_EQ(p.find_circuit_register("power_a")->unit, "W");
  EXPECT_EQ(p.find_circuit_register("voltage_b")->scale_exp, -1);
  EXPECT_EQ(p.find_circuit_register("current_c")->unit, "A");
  // The total is the ordinary `power` register, on every model.
  EXPECT_NE(p.find_circuit_register(*m, "power"), nullptr);
  EXPECT_NE(p.find_circuit_register(*p.find_model("adf300l-i"), "power"), nullptr);
}

TEST(simThreePhaseProfile, TheDumpOfTheThreePhaseModelListsPerPhaseRegistersOfEveryCircuit) {
  const Profile p = repository_profile();
  const auto names = csv_names(register_map_csv(p, *p.find_model("adf300l-3p")));
  for (const char* name : {"c1.voltage_a", "c1.current_b", "c1.power_c", "c12.voltage_c",
                           "c12.power_a", "c12.power", "c12.balance"}) {
    EXPECT_TRUE(contains(names, name)) << name;
  }
  EXPECT_FALSE(contains(names, "c13.power"));
  const std::string csv = register_map_csv(p, *p.find_model("adf300l-3p"));
  EXPECT_THAT(csv, HasSubstr("\nc1.power_a,6150,2,i32,1,W,R\n"));      // 0x1806
  EXPECT_THAT(csv, HasSubstr("\nc2.voltage_a,6160,1,u16,0.1,V,R\n"));  // 0x1810
}

TEST(simThreePhaseProfile, SinglePhaseDumpsHaveNoPerPhaseRegisters) {
  const Profile p = repository_profile();
  for (const char* model : {"adf300l-i", "adf300l-ii", "adf300l-iii"}) {
    const std::string csv = register_map_csv(p, *p.find_model(model));
    EXPECT_THAT(csv, Not(HasSubstr("_a,"))) << model;
    EXPECT_THAT(csv, Not(HasSubstr("power_b"))) << model;
    EXPECT_THAT(csv, HasSubstr("\nc1.power,")) << model;
  }
  const auto mixed = parse(mixed_fixture());
  EXPECT_EQ(mixed.circuit_registers(*mixed.find_model("one-2")).size(), 4U);
  EXPECT_EQ(mixed.circuit_registers(*mixed.find_model("three-2")).size(), 5U);
}

TEST(simThreePhaseProfile, EveryRegisterDesignMdNamesIsInTheRepositoryProfile) {
  const Profile p = repository_profile();
  for (const std::string_view name : test_fixtures::kDesignCircuitRegisters) {
    EXPECT_NE(p.find_circuit_register(name), nullptr) << name;
    for (const auto& model : p.models)
      EXPECT_NE(p.find_circuit_register(model, name), nullptr) << name << " on " << model.name;
  }
  for (const std::string_view name : test_fixtures::kDesignBoxRegisters)
    EXPECT_NE(p.find_box_register(name), nullptr) << name;
}

TEST(simThreePhaseProfile, TimingIsDecodedAndOptional) {
  const Profile repo = repository_profile();
  ASSERT_TRUE(repo.timing.response_timeout.has_value());
  EXPECT_EQ(*repo.timing.response_timeout, Millis(500));
  EXPECT_EQ(repo.timing.turnaround, Millis(100));

  const Profile mixed = parse(mixed_fixture());
  EXPECT_EQ(mixed.timing.response_timeout, Millis(250));
  EXPECT_EQ(mixed.timing.turnaround, Millis(50));

  const Profile none =
      parse(replaced(mixed_fixture(), "timing: {response_timeout: 250ms, turnaround: 50ms}\n", ""));
  EXPECT_FALSE(none.timing.response_timeout.has_value());
  EXPECT_FALSE(none.timing.turnaround.has_value());
  const Profile half = parse(replaced(mixed_fixture(), ", turnaround: 50ms", ""));
  EXPECT_EQ(half.timing.response_timeout, Millis(250));
  EXPECT_FALSE(half.timing.turnaround.has_value());
}

TEST(simThreePhaseProfile, BadTimingIsAnErrorWithLocationAndKey) {
  const auto unknown = error_of(replaced(mixed_fixture(), "turnaround: 50ms", "turnround: 50ms"));
  EXPECT_THAT(unknown, HasSubstr("mixed_phases_profile.yaml:7:"));
  EXPECT_THAT(unknown, HasSubstr("turnround"));
  const auto too_short = error_of(replaced(mixed_fixture(), "250ms", "5ms"));
  EXPECT_THAT(too_short, HasSubstr("mixed_phases_profile.yaml:7:"));
  EXPECT_THAT(too_short, HasSubstr("timing.response_timeout"));
  EXPECT_THAT(too_short, HasSubstr("out of range"));
  const auto not_duration =
      error_of(replaced(mixed_fixture(), "turnaround: 50ms", "turnaround: fast"));
  EXPECT_THAT(not_duration, HasSubstr("timing.turnaround"));
  const auto too_long = error_of(replaced(mixed_fixture(), "turnaround: 50ms", "turnaround: 11s"));
  EXPECT_THAT(too_long, HasSubstr("timing.turnaround"));
  const auto not_map =
      error_of(replaced(mixed_fixture(), "{response_timeout: 250ms, turnaround: 50ms}", "500ms"));
  EXPECT_THAT(not_map, HasSubstr("mixed_phases_profile.yaml:7:9"));
  EXPECT_THAT(not_map, HasSubstr("timing"));
}

TEST(simThreePhaseProfile, BadPhasesAreErrorsWithLocationAndKey) {
  const auto two =
      error_of(replaced(mixed_fixture(), "access: R, phases: 3}", "access: R, phases: 2}"));
  EXPECT_THAT(two, HasSubstr("mixed_phases_profile.yaml:16:"));
  EXPECT_THAT(two, HasSubstr("circuit[2].phases"));
  const auto text =
      error_of(replaced(mixed_fixture(), "access: R, phases: 3}", "access: R, phases: three}"));
  EXPECT_THAT(text, HasSubstr("circuit[2].phases"));
  const auto model_phases =
      error_of(replaced(mixed_fixture(), "circuits: 2, phases: 3}", "circuits: 2, phases: 4}"));
  EXPECT_THAT(model_phases, HasSubstr("mixed_phases_profile.yaml:10:"));
  EXPECT_THAT(model_phases, HasSubstr("models[1].phases"));
  // A per-phase register must say it exists on three-phase models only.
  const auto unrestricted =
      error_of(replaced(mixed_fixture(), "access: R, phases: 3}", "access: R}"));
  EXPECT_THAT(unrestricted, HasSubstr("mixed_phases_profile.yaml:16:"));
  EXPECT_THAT(unrestricted, HasSubstr("power_a"));
  EXPECT_THAT(unrestricted, HasSubstr("phases: 3"));
  // `phases` no model has.
  const auto none =
      error_of(replaced(mixed_fixture(), "circuits: 2, phases: 3}", "circuits: 2, phases: 1}"));
  EXPECT_THAT(none, HasSubstr("circuit[2].phases"));
  EXPECT_THAT(none, HasSubstr("no model has 3 phase"));
  // `phases` is a circuit register key only.
  const auto on_box = error_of(
      replaced(mixed_fixture(), "type: u16, access: R}", "type: u16, access: R, phases: 1}"));
  EXPECT_THAT(on_box, HasSubstr("box[0]"));
  EXPECT_THAT(on_box, HasSubstr("phases"));
}

TEST(simThreePhaseProfile, OverlapsAreCheckedPerModelForTheRegistersItHas) {
  // At 0x112 the per-phase register of circuit 1 would collide with circuit 2's energy_total
  // (base 0x110) on the three-phase model only: still an error.
  const auto clash =
      error_of(replaced(mixed_fixture(), "base: 0x200, stride: 0x10", "base: 0x110, stride: 0x10"));
  EXPECT_THAT(clash, HasSubstr("overlaps"));
  // A block only three-phase models have is checked for their circuits, not the largest model's.
  const std::string bigger = replaced(mixed_fixture(), "{name: one-2, code: 1, circuits: 2",
                                      "{name: one-40, code: 1, circuits: 40");
  const auto p = parse(replaced(bigger, "base: 0x200, stride: 0x10", "base: 0x300, stride: 0x2"));
  EXPECT_EQ(p.find_circuit_register("power_a")->address_of(2), 0x302U);
}

TEST(simThreePhaseProfile, TheCreditPairMustExistOnTheSameModels) {
  const std::string count_only = replaced(
      mixed_fixture(), "{name: purchase_count, base: 0x105, stride: 0x10, type: u16, access: RW}",
      "{name: purchase_count, base: 0x105, stride: 0x10, type: u16, access: RW, phases: 3}");
  EXPECT_THAT(error_of(count_only), HasSubstr("same `phases`"));
}

}  // namespace
}  // namespace phil::sim
