// The system's profile decoder: the three-phase model and its per-phase registers (`phases`),
// profile timing (`timing`), every register DESIGN.md names, and the errors of bad input.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include <phil/meterlink/profile.hpp>

#include "../fixtures/register_names.hpp"
#include "profile_text.hpp"

namespace phil::meterlink {
namespace {

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

using testing::has;
using testing::with;

Profile parse(const std::string& text) {
  return testing::parse_named(text, "mixed_phases_profile.yaml");
}

std::string error_of(const std::string& text) {
  return testing::error_of_named(text, "mixed_phases_profile.yaml");
}

Profile repository() {
  return load_profile(std::string(PHIL_SOURCE_DIR) + "/profiles", "adf300l");
}

TEST(ProfileThreePhase, TheRepositoryProfileHasATwelveCircuitThreePhaseModel) {
  const auto p = repository();
  const Model* m = p.model("adf300l-3p");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->circuits, 12);
  EXPECT_EQ(m->phases, 3);
  EXPECT_EQ(m->code, 4);
  const Model* single = p.model("adf300l-iii");
  ASSERT_NE(single, nullptr);
  for (const std::string_view name : test_fixtures::kPerPhaseRegisters) {
    const Register* r = p.circuit_register(*m, name);
    ASSERT_NE(r, nullptr) << name;
    EXPECT_EQ(r->phases, 3) << name;
    EXPECT_EQ(p.circuit_register(*single, name), nullptr) << name;
  }
  const Register* pa = p.circuit_register("power_a");
  EXPECT_EQ(pa->address_for(1), 0x1806U);
  EXPECT_EQ(pa->address_for(12), 0x1806U + 11 * 0x10);
  EXPECT_EQ(pa->type, ValueType::kI32);
  EXPECT_EQ(p.circuit_register("voltage_c")->scale_exp, -1);
  EXPECT_EQ(p.circuit_register("current_a")->unit, "A");
  EXPECT_NE(p.circuit_register(*m, "power"), nullptr);  // the total, on every model
}

TEST(ProfileThreePhase, SinglePhaseModelsHaveNoPhaseRestrictedRegisters) {
  const auto p = repository();
  for (const char* name : {"adf300l-i", "adf300l-ii", "adf300l-iii"}) {
    const Model* m = p.model(name);
    ASSERT_NE(m, nullptr) << name;
    for (const Register* r : p.circuit_registers(*m))
      EXPECT_EQ(r->phases, 0) << name << " has " << r->name;
  }
  const auto mixed = parse(mixed_fixture());
  EXPECT_EQ(mixed.circuit_registers(*mixed.model("one-2")).size(), 4U);
  EXPECT_EQ(mixed.circuit_registers(*mixed.model("three-2")).size(), 5U);
  EXPECT_EQ(mixed.circuit_register(*mixed.model("one-2"), "power_a"), nullptr);
  EXPECT_NE(mixed.circuit_register(*mixed.model("three-2"), "power_a"), nullptr);
}

TEST(ProfileThreePhase, EveryRegisterDesignMdNamesIsInTheRepositoryProfile) {
  const auto p = repository();
  for (const std::string_view name : test_fixtures::kDesignCircuitRegisters) {
    for (const auto& m : p.models)
      EXPECT_NE(p.circuit_register(m, name), nullptr) << name << " on " << m.name;
  }
  for (const std::string_view name : test_fixtures::kDesignBoxRegisters)
    EXPECT_NE(p.box_register(name), nullptr) << name;
}

TEST(ProfileThreePhase, TimingIsDecodedAndEachFieldIsOptional) {
  const auto repo = repository();
  EXPECT_EQ(repo.timing.response_timeout, Millis(500));
  EXPECT_EQ(repo.timing.turnaround, Millis(100));
  const auto mixed = parse(mixed_fixture());
  EXPECT_EQ(mixed.timing.response_timeout, Millis(250));
  EXPECT_EQ(mixed.timing.turnaround, Millis(50));
  const auto none =
      parse(with(mixed_fixture(), "timing: {response_timeout: 250ms, turnaround: 50ms}\n", ""));
  EXPECT_FALSE(none.timing.response_timeout.has_value());
  EXPECT_FALSE(none.timing.turnaround.has_value());
  const auto only_turnaround = parse(with(mixed_fixture(), "response_timeout: 250ms, ", ""));
  EXPECT_FALSE(only_turnaround.timing.response_timeout.has_value());
  EXPECT_EQ(only_turnaround.timing.turnaround, Millis(50));
}

TEST(ProfileThreePhase, BadTimingIsAnErrorWithLocationAndKey) {
  const auto unknown = error_of(with(mixed_fixture(), "turnaround: 50ms", "turn_around: 50ms"));
  EXPECT_TRUE(has(unknown, "mixed_phases_profile.yaml:7:")) << unknown;
  EXPECT_TRUE(has(unknown, "turn_around")) << unknown;
  const auto too_short = error_of(with(mixed_fixture(), "250ms", "9ms"));
  EXPECT_TRUE(has(too_short, "mixed_phases_profile.yaml:7:")) << too_short;
  EXPECT_TRUE(has(too_short, "timing.response_timeout")) << too_short;
  EXPECT_TRUE(has(too_short, "out of range")) << too_short;
  const auto too_long = error_of(with(mixed_fixture(), "250ms", "2m"));
  EXPECT_TRUE(has(too_long, "timing.response_timeout")) << too_long;
  const auto bad = error_of(with(mixed_fixture(), "turnaround: 50ms", "turnaround: soon"));
  EXPECT_TRUE(has(bad, "timing.turnaround")) << bad;
  const auto scalar =
      error_of(with(mixed_fixture(), "{response_timeout: 250ms, turnaround: 50ms}", "1s"));
  EXPECT_TRUE(has(scalar, "mixed_phases_profile.yaml:7:9")) << scalar;
  EXPECT_TRUE(has(scalar, "timing")) << scalar;
}

TEST(ProfileThreePhase, BadPhasesAreErrorsWithLocationAndKey) {
  const auto two =
      error_of(with(mixed_fixture(), "access: R, phases: 3}", "access: R, phases: 2}"));
  EXPECT_TRUE(has(two, "mixed_phases_profile.yaml:16:")) << two;
  EXPECT_TRUE(has(two, "circuit[2].phases")) << two;
  const auto four =
      error_of(with(mixed_fixture(), "access: R, phases: 3}", "access: R, phases: 4}"));
  EXPECT_TRUE(has(four, "circuit[2].phases")) << four;
  const auto word =
      error_of(with(mixed_fixture(), "access: R, phases: 3}", "access: R, phases: [3]}"));
  EXPECT_TRUE(has(word, "circuit[2].phases")) << word;
  const auto model =
      error_of(with(mixed_fixture(), "circuits: 2, phases: 3}", "circuits: 2, phases: 0}"));
  EXPECT_TRUE(has(model, "mixed_phases_profile.yaml:10:")) << model;
  EXPECT_TRUE(has(model, "models[1].phases")) << model;
  const auto unrestricted = error_of(with(mixed_fixture(), "access: R, phases: 3}", "access: R}"));
  EXPECT_TRUE(has(unrestricted, "mixed_phases_profile.yaml:16:")) << unrestricted;
  EXPECT_TRUE(has(unrestricted, "power_a")) << unrestricted;
  EXPECT_TRUE(has(unrestricted, "phases: 3")) << unrestricted;
  const auto none =
      error_of(with(mixed_fixture(), "circuits: 2, phases: 3}", "circuits: 2, phases: 1}"));
  EXPECT_TRUE(has(none, "circuit[2].phases")) << none;
  EXPECT_TRUE(has(none, "no model has 3 phase")) << none;
  const auto on_box =
      error_of(with(mixed_fixture(), "type: u16, access: R}", "type: u16, access: R, phases: 1}"));
  EXPECT_TRUE(has(on_box, "box[0]")) << on_box;
  EXPECT_TRUE(has(on_box, "phases")) << on_box;
}

TEST(ProfileThreePhase, OverlapsAreCheckedPerModelForTheRegistersItHas) {
  const auto clash =
      error_of(with(mixed_fixture(), "base: 0x200, stride: 0x10", "base: 0x110, stride: 0x10"));
  EXPECT_TRUE(has(clash, "overlaps")) << clash;
  EXPECT_TRUE(has(clash, "power_a")) << clash;
  const auto bigger = with(mixed_fixture(), "{name: one-2, code: 1, circuits: 2",
                           "{name: one-40, code: 1, circuits: 40");
  const auto p = parse(with(bigger, "base: 0x200, stride: 0x10", "base: 0x300, stride: 0x2"));
  EXPECT_EQ(p.circuit_register("power_a")->address_for(2), 0x302U);
}

TEST(ProfileThreePhase, TheCreditPairMustExistOnTheSameModels) {
  const auto count_only = with(
      mixed_fixture(), "{name: purchase_count, base: 0x105, stride: 0x10, type: u16, access: RW}",
      "{name: purchase_count, base: 0x105, stride: 0x10, type: u16, access: RW, phases: 3}");
  const auto e = error_of(count_only);
  EXPECT_TRUE(has(e, "phases")) << e;
  EXPECT_TRUE(has(e, "purchase_")) << e;
}

}  // namespace
}  // namespace phil::meterlink
