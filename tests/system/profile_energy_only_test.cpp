// The system's profile decoder and the plain energy meter (profiles/energy-meter.yaml, `kind:
// energy_only`): accepted and described (energy-only, and which registers give its energy,
// voltage, current, power, power factor and serial), refused where it breaks the kind's rules,
// and never taken for a prepaid box by the ADF300 driver.
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include <phil/meterlink/adf300.hpp>
#include <phil/meterlink/profile.hpp>

#include "profile_text.hpp"

namespace phil::meterlink {
namespace {

std::string dir() {
  return PHIL_SOURCE_DIR "/profiles";
}

std::string repository_file() {
  std::ifstream in(dir() + "/energy-meter.yaml");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

using testing::has;
using testing::with;

Profile parse(const std::string& text) {
  return testing::parse_named(text, "em.yaml");
}

std::string error_of(const std::string& text) {
  return testing::error_of_named(text, "em.yaml");
}

TEST(ProfileEnergyOnly, TheRepositoryEnergyMeterIsEnergyOnlyAndTheAdf300IsNot) {
  const auto p = load_profile(dir(), "energy-meter");
  EXPECT_TRUE(p.energy_only());
  EXPECT_TRUE(p.source.ends_with("energy-meter.yaml")) << p.source;
  EXPECT_FALSE(load_profile(dir(), "adf300l").energy_only());
  for (const auto name : kPrepaidRegisters)
    EXPECT_EQ(p.circuit_register(name), nullptr) << name;
  ASSERT_NE(p.model("em-1p"), nullptr);
  ASSERT_NE(p.model("em-3p"), nullptr);
  EXPECT_EQ(p.model("em-1p")->circuits, 1);
  EXPECT_EQ(p.model("em-3p")->circuits, 1);
  EXPECT_EQ(p.model("em-3p")->phases, 3);
}

TEST(ProfileEnergyOnly, MeteringNamesTheRegistersAnEnergyReportReads) {
  const auto p = load_profile(dir(), "energy-meter");
  const auto m = p.metering(*p.model("em-3p"));
  ASSERT_NE(m.energy_total, nullptr);
  EXPECT_EQ(m.energy_total->address_for(1), 0x4000U);
  EXPECT_EQ(m.energy_total->scale_exp, -2);
  EXPECT_EQ(m.energy_total->unit, "kWh");
  for (const Register* r : m.energy_rates)
    ASSERT_NE(r, nullptr);
  EXPECT_EQ(m.energy_rates[1]->name, "energy_peak");
  ASSERT_NE(m.voltage, nullptr);
  EXPECT_EQ(m.voltage->address_for(1), 0x2000U);
  ASSERT_NE(m.current, nullptr);
  ASSERT_NE(m.power, nullptr);
  EXPECT_EQ(m.power->type, ValueType::kI32);
  ASSERT_NE(m.power_factor, nullptr);
  ASSERT_NE(m.serial, nullptr);
  EXPECT_EQ(m.serial->type, ValueType::kBcd);
  // The same question of a prepaid box's model has the same kind of answer.
  const auto adf = load_profile(dir(), "adf300l");
  EXPECT_EQ(adf.metering(*adf.model("adf300l-i")).energy_total->address_for(1), 0x1000U);
}

TEST(ProfileEnergyOnly, APrepaidRegisterIsRefusedAtItsLineInAnEnergyOnlyProfile) {
  const auto text = with(repository_file(), "  - {name: serial,",
                         "  - {name: relay, base: 0x4020, stride: 0x40, type: u16, access: R}\n"
                         "  - {name: serial,");
  const auto e = error_of(text);
  EXPECT_TRUE(has(e, "em.yaml:66:5")) << e;
  EXPECT_TRUE(has(e, "relay")) << e;
  EXPECT_TRUE(has(e, "energy_only")) << e;
  EXPECT_FALSE(parse(with(text, "\nkind: energy_only", "\nkind: prepaid")).energy_only());
}

TEST(ProfileEnergyOnly, AnEnergyOnlyProfileNeedsEnergyTotal) {
  const auto e = error_of(
      with(repository_file(),
           "  - {name: energy_total, base: 0x4000, stride: 0x40, type: u32, scale: 0.01, unit: "
           "kWh, access: R}\n",
           ""));
  EXPECT_TRUE(has(e, "em.yaml:17:7")) << e;
  EXPECT_TRUE(has(e, "energy_total")) << e;
}

TEST(ProfileEnergyOnly, AnUnknownKindOrTopLevelKeyIsRefusedWithFileLineAndColumn) {
  const auto kind = error_of(with(repository_file(), "\nkind: energy_only", "\nkind: meter"));
  EXPECT_TRUE(has(kind, "em.yaml:17:7")) << kind;
  const auto key = error_of(
      with(repository_file(), "\nkind: energy_only", "\nkind: energy_only\nno_relay: true"));
  EXPECT_TRUE(has(key, "em.yaml:18:1")) << key;
  EXPECT_TRUE(has(key, "no_relay")) << key;
}

TEST(ProfileEnergyOnly, TheAdf300DriverRefusesAnEnergyOnlyModelNamingFileAndModel) {
  const auto p = load_profile(dir(), "energy-meter");
  try {
    const Adf300Driver driver(p, "em-1p");
    ADD_FAILURE() << "an energy meter was taken for a prepaid box";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_TRUE(has(what, "em-1p")) << what;
    EXPECT_TRUE(has(what, "energy-meter.yaml")) << what;
    EXPECT_TRUE(has(what, "energy-only")) << what;
  }
}

TEST(ProfileEnergyOnly, TheProfilesFolderListsEnergyMetersBesideTheBoxes) {
  const auto models = load_model_circuits(dir());
  const auto circuits_of = [&](const std::string& name) {
    for (const auto& m : models) {
      if (m.name == name) return m.circuits;
    }
    return 0;
  };
  EXPECT_EQ(circuits_of("em-1p"), 1);
  EXPECT_EQ(circuits_of("em-3p"), 1);
  EXPECT_EQ(circuits_of("adf300l-iii"), 36);
}

}  // namespace
}  // namespace phil::meterlink
