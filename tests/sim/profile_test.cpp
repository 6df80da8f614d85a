// The simulator's profile decoder: the real profile, and strict errors with file:line:col.
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <phil/sim/profile.hpp>

#include "sim_test_support.hpp"

namespace phil::sim {
namespace {

using ::testing::HasSubstr;

// A small valid profile; tests break one line of it at a time.
const std::string kMini = R"(profile: mini
word_order: high_first
max_read: 125
max_write: 123
models:
  - {name: mini-2, code: 1, circuits: 2, phases: 1}
enums:
  mode: {prepaid: 0, keep_power: 1, forced_off: 2}
flags:
  status: {alarm1: 0, alarm2: 1, arrears: 2}
box:
  - {name: model, address: 0, type: u16, access: R}
circuit:
  - {name: energy_total, base: 0x100, stride: 0x10, type: u32, scale: 0.01, unit: kWh, access: R}
  - {name: balance, base: 0x102, stride: 0x10, type: i32, scale: 0.01, unit: yuan, access: R}
  - {name: mode, base: 0x104, stride: 0x10, type: u16, enum: mode, access: RW}
  - {name: purchase_count, base: 0x105, stride: 0x10, type: u16, access: RW}
  - {name: purchase_amount, base: 0x106, stride: 0x10, type: u32, scale: 0.01, unit: yuan, access: RW}
)";

Profile parse(const std::string& text) {
  const auto doc = yaml::Document::load_string(text, "mini.yaml");
  return parse_profile(doc.root(), "mini.yaml");
}

std::string error_of(const std::string& text) {
  return testing::config_error_of([&] { (void)parse(text); });
}

using testing::replaced;

TEST(simProfile, TheRepositoryProfileLoads) {
  const auto profiles = load_profiles_dir(testing::profiles_dir());
  ASSERT_TRUE(profiles.contains("adf300l"));
  const Profile& p = profiles.at("adf300l");
  EXPECT_EQ(p.max_read, 125);
  EXPECT_EQ(p.max_circuits(), 36);
  const ModelInfo* iii = p.find_model("adf300l-iii");
  ASSERT_NE(iii, nullptr);
  EXPECT_EQ(iii->circuits, 36);
  EXPECT_EQ(iii->code, 3);
  const Register* energy = p.find_circuit_register("energy_total");
  ASSERT_NE(energy, nullptr);
  EXPECT_EQ(energy->address, 0x1000);
  EXPECT_EQ(energy->stride, 0x20);
  EXPECT_EQ(energy->scale_exp, -2);
  EXPECT_EQ(energy->words, 2);
  EXPECT_EQ(energy->address_of(2), 0x1020U);
  const Register* serial = p.find_circuit_register("serial");
  ASSERT_NE(serial, nullptr);
  EXPECT_EQ(serial->type, RegType::kBcd);
  EXPECT_EQ(serial->words, 3);
  EXPECT_EQ(p.flags.at("status").at("arrears"), 2);
  EXPECT_EQ(p.enums.at("mode").at("forced_off"), 2);
  const auto ref = find_model(profiles, "adf300l-i");
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->profile->id, "adf300l");
  EXPECT_FALSE(find_model(profiles, "adf300x").has_value());
}

TEST(simProfile, TheMiniFixtureIsValid) {
  const Profile p = parse(kMini);
  EXPECT_EQ(p.id, "mini");
  EXPECT_EQ(p.circuit.size(), 5U);
}

TEST(simProfile, SyntaxErrorNamesFileLineAndColumn) {
  const auto msg = error_of(replaced(kMini, "max_read: 125", "max_read: [125"));
  EXPECT_THAT(msg, HasSubstr("mini.yaml:"));
  EXPECT_THAT(msg, HasSubstr("syntax"));
}

TEST(simProfile, UnknownKeyNamesFileLineColumnAndTheKey) {
  const auto msg = error_of(replaced(kMini, "type: u16, access: R}", "type: u16, acess: R}"));
  EXPECT_THAT(msg, HasSubstr("mini.yaml:12:"));
  EXPECT_THAT(msg, HasSubstr("box[0].acess"));
  EXPECT_THAT(msg, HasSubstr("unknown key \"acess\""));
}

TEST(simProfile, WrongTypeNamesFileLineColumnAndTheKey) {
  const auto msg = error_of(replaced(kMini, "max_write: 123", "max_write: many"));
  EXPECT_THAT(msg, HasSubstr("mini.yaml:4:12"));
  EXPECT_THAT(msg, HasSubstr("max_write"));
  EXPECT_THAT(msg, HasSubstr("an integer"));
}

TEST(simProfile, OutOfRangeMaxReadIsRejected) {
  EXPECT_THAT(error_of(replaced(kMini, "max_read: 125", "max_read: 126")),
              HasSubstr("mini.yaml:3:11: max_read: value 126 is out of range"));
}

TEST(simProfile, ScaleMustBeAPowerOfTen) {
  const auto msg = error_of(replaced(kMini, "scale: 0.01, unit: kWh", "scale: 0.02, unit: kWh"));
  EXPECT_THAT(msg, HasSubstr("mini.yaml:14:"));
  EXPECT_THAT(msg, HasSubstr("circuit[0].scale"));
  EXPECT_THAT(msg, HasSubstr("power of ten"));
}

TEST(simProfile, UnknownRegisterNameIsRejected) {
  const auto msg = error_of(replaced(kMini, "name: balance", "name: balanse"));
  EXPECT_THAT(msg, HasSubstr("mini.yaml:15:"));
  EXPECT_THAT(msg, HasSubstr("circuit[1].name"));
  EXPECT_THAT(msg, HasSubstr("unknown register name \"balanse\""));
}

TEST(simProfile, MoneyNeedsTheYuanUnit) {
  EXPECT_THAT(error_of(replaced(kMini, "unit: yuan, access: R}", "unit: W, access: R}")),
              HasSubstr("must have unit \"yuan\""));
}

TEST(simProfile, MoneyCoarserThanAFenIsRejected) {
  EXPECT_THAT(error_of(replaced(kMini, "scale: 0.01, unit: yuan, access: R}",
                                "scale: 0.1, unit: yuan, access: R}")),
              HasSubstr("0.01 yuan or finer"));
}

TEST(simProfile, OverlappingRegistersOfOneCircuitAreRejected) {
  const auto msg =
      error_of(replaced(kMini, "name: balance, base: 0x102", "name: balance, base: 0x101"));
  EXPECT_THAT(msg, HasSubstr("mini.yaml:15:"));
  EXPECT_THAT(msg, HasSubstr("overlaps"));
}

TEST(simProfile, CircuitBlocksThatRunIntoTheNextCircuitAreRejected) {
  // Circuit 1's purchase_amount (0x106..0x107) collides with circuit 2's energy at stride 7.
  std::string text = kMini;
  for (int i = 0; i < 5; ++i)
    text = replaced(text, "stride: 0x10", "stride: 7");
  const auto msg = error_of(text);
  EXPECT_THAT(msg, HasSubstr("overlaps"));
  EXPECT_THAT(msg, HasSubstr("circuit 2"));
}

TEST(simProfile, BoxAndCircuitRegistersMustNotOverlap) {
  EXPECT_THAT(
      error_of(replaced(kMini, "{name: model, address: 0,", "{name: model, address: 0x110,")),
      HasSubstr("overlaps"));
}

TEST(simProfile, CreditRegistersMustBeAdjacent) {
  const auto msg = error_of(
      replaced(kMini, "name: purchase_amount, base: 0x106", "name: purchase_amount, base: 0x108"));
  EXPECT_THAT(msg, HasSubstr("purchase_amount must directly follow purchase_count"));
  EXPECT_THAT(msg, HasSubstr("mini.yaml:17:"));
}

TEST(simProfile, ModeEnumMustNameEveryMode) {
  EXPECT_THAT(error_of(replaced(kMini, "keep_power: 1, ", "")),
              HasSubstr("enum \"mode\" needs the label \"keep_power\""));
}

TEST(simProfile, WordsMustMatchTheType) {
  EXPECT_THAT(error_of(replaced(kMini, "type: u32, scale: 0.01, unit: kWh",
                                "type: u32, words: 3, scale: 0.01, unit: kWh")),
              HasSubstr("circuit[0].words"));
}

TEST(simProfile, DirectoryWithoutProfilesIsAnError) {
  const auto dir = std::filesystem::temp_directory_path() / "phil_sim_no_profiles";
  std::filesystem::create_directories(dir);
  try {
    (void)load_profiles_dir(dir.string());
    ADD_FAILURE() << "no error";
  } catch (const yaml::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no profile"));
    EXPECT_THAT(e.what(), HasSubstr(dir.string()));
  }
  EXPECT_THROW((void)load_profiles_dir((dir / "missing").string()), yaml::ConfigError);
}

TEST(simProfile, TwoFilesWithOneIdAreAnError) {
  const auto dir = std::filesystem::temp_directory_path() / "phil_sim_dup_profiles";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a.yaml") << kMini;
  std::ofstream(dir / "b.yaml") << kMini;
  try {
    (void)load_profiles_dir(dir.string());
    ADD_FAILURE() << "no error";
  } catch (const yaml::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("b.yaml"));
    EXPECT_THAT(e.what(), HasSubstr("profile id \"mini\""));
  }
}

}  // namespace
}  // namespace phil::sim
