// The system's profile decoder and the plain energy meter (profiles/energy-meter.yaml, `kind:
// energy_only`): accepted and described (energy-only, and which registers give its energy,
// voltage, current, power, power factor and serial), refused where it breaks the kind's rules,
// and driven in metering mode by the ADF300 driver: read with the profile's block reads, never
// commanded, no money.
#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

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

/// The words a poll of `driver` would get back, every register 0 but the named ones: `values`
/// (register name, raw value) written at each field of that name in the driver's own word order.
std::vector<std::vector<std::uint16_t>> poll_words(
    const Adf300Driver& driver, const std::vector<std::pair<std::string, std::int64_t>>& values) {
  const auto& plan = driver.poll_plan();
  std::vector<std::vector<std::uint16_t>> words;
  for (const auto& b : plan.blocks)
    words.emplace_back(b.count, 0);
  for (const auto& f : plan.fields) {
    for (const auto& [name, raw] : values) {
      if (name != f.name) continue;
      const auto encoded = encode_integer(raw, f.type, f.word_order);
      EXPECT_TRUE(encoded) << name;
      for (std::size_t bi = 0; bi < plan.blocks.size(); ++bi) {
        const auto& b = plan.blocks[bi];
        if (f.address < b.start || f.address >= b.start + b.count) continue;
        for (std::size_t i = 0; encoded && i < encoded->size(); ++i)
          words[bi][f.address - b.start + i] = (*encoded)[i];
      }
    }
  }
  return words;
}

TEST(ProfileEnergyOnly,
     AnEnergyMeterIsReadWithTheProfilesBlockReadsForEnergyTouVoltageCurrentPower) {
  const auto p = load_profile(dir(), "energy-meter");
  const Adf300Driver driver(p, "em-3p");
  EXPECT_TRUE(driver.energy_only());
  EXPECT_EQ(driver.circuits(), 1);
  // Two block reads: the measurement block at 0x2000 and the energy block at 0x4000; none of a
  // prepaid register (the profile has none).
  const auto& plan = driver.poll_plan();
  ASSERT_EQ(plan.blocks.size(), 2U);
  EXPECT_EQ(plan.blocks[0].start, 0x2000U);
  EXPECT_EQ(plan.blocks[1].start, 0x4000U);
  EXPECT_EQ(plan.blocks[1].count, 10U);  // energy_total and the four rates
  const auto r = driver.decode_poll(poll_words(driver, {{"voltage", 2301},
                                                        {"current", 523},
                                                        {"power", 1200},
                                                        {"energy_total", 12345},
                                                        {"energy_sharp", 1000},
                                                        {"energy_peak", 2000},
                                                        {"energy_flat", 4000},
                                                        {"energy_valley", 5345}}),
                                    22);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r.value().size(), 1U);
  const auto& m = r.value()[0];
  EXPECT_EQ(m.energy_wh, 123'450);  // 123.45 kWh
  EXPECT_EQ(m.power_w, 1200);
  EXPECT_EQ(m.voltage_dv, 2301);  // 230.1 V
  EXPECT_EQ(m.current_ma, 5230);  // 5.23 A
  EXPECT_EQ(m.rate_energy_wh, (std::array<std::int64_t, 4>{10'000, 20'000, 40'000, 53'450}));
  EXPECT_EQ(m.balance_fen, 0);
  EXPECT_FALSE(m.relay_closed);
  // Identity and serial are read as for any box; there is no clock to supervise.
  EXPECT_TRUE(driver.has_identity());
  EXPECT_EQ(driver.expected_identity().model_code, 103);
  EXPECT_TRUE(driver.has_serial());
  EXPECT_FALSE(driver.has_clock());
}

TEST(ProfileEnergyOnly, ACommandOrCreditToAnEnergyMeterCannotBeEncoded) {
  const auto p = load_profile(dir(), "energy-meter");
  const Adf300Driver driver(p, "em-1p");
  for (const domain::CommandPayload& payload :
       {domain::CommandPayload{domain::ModePayload{domain::RelayCommand::kForcedOff}},
        domain::CommandPayload{domain::CreditPayload{100}},
        domain::CommandPayload{domain::ThresholdsPayload{2000, 500, 4000}}}) {
    const auto ok = driver.check_command(payload, 1);
    ASSERT_FALSE(ok);
    EXPECT_EQ(ok.error().kind, LinkErrorKind::kEncode);
    EXPECT_TRUE(has(ok.error().message, "em-1p")) << ok.error().message;
    EXPECT_TRUE(has(ok.error().message, "never commanded")) << ok.error().message;
  }
  EXPECT_FALSE(driver.credit_frame(1, 1, 100));
  EXPECT_FALSE(driver.debit_frame(1, 1, 100));
  EXPECT_EQ(driver.money_limits().max_credit_fen, 0);
  EXPECT_EQ(driver.money_limits().max_balance_fen, 0);
  EXPECT_FALSE(driver.setting_frames(domain::ModePayload{domain::RelayCommand::kClose}, 1));
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
  for (const auto& m : models)
    EXPECT_EQ(m.metering_only, m.name.starts_with("em-")) << m.name;
}

}  // namespace
}  // namespace phil::meterlink
