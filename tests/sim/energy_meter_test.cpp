// The plain energy meter (profiles/energy-meter.yaml, `kind: energy_only`) in the simulator: the
// sim's decoder accepts the profile and refuses a prepaid register in it, a fleet puts the meter
// on a bus beside ADF300 boxes and refuses prepaid settings for it, and the box answers reads of
// its registers while its consumption never stops (it has no relay and no money).
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include <phil/sim/box.hpp>
#include <phil/sim/fleet.hpp>

#include "sim_box_support.hpp"
#include "sim_test_support.hpp"

namespace phil::sim {
namespace {

using rtu::Exception;
using std::chrono::hours;
using testing::read_error;
using testing::read_words;
using Words = std::vector<std::uint16_t>;

// A literal that parses (a typo throws at start-up and fails the run at once).
const TimePoint kStart = testing::at("2026-03-01T00:00:00+08:00");  // NOLINT(cert-err58-cpp)
constexpr std::chrono::minutes kChina{480};
// Addresses of profiles/energy-meter.yaml (circuit 1).
constexpr std::uint16_t kMeasure = 0x2000;  // voltage, current, power (2), power_factor, ...
constexpr std::uint16_t kEnergy = 0x4000;   // energy_total (2), sharp, peak, flat, valley
constexpr std::uint16_t kSerial = 0x4010;

std::int64_t u32(const Words& w, std::size_t at) {
  return (std::int64_t{w[at]} << 16) | w[at + 1];
}

std::string repository_file() {
  std::ifstream in(testing::profiles_dir() + "/energy-meter.yaml");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Profile parse(const std::string& text) {
  const auto doc = yaml::Document::load_string(text, "em.yaml");
  return parse_profile(doc.root(), "em.yaml");
}

std::string error_of(const std::string& text) {
  return testing::config_error_of([&] { (void)parse(text); });
}

TEST(simEnergyMeterProfile, TheRepositoryProfileIsEnergyOnlyWithOneMeteringPointPerModel) {
  const auto profiles = load_profiles_dir(testing::profiles_dir());
  ASSERT_TRUE(profiles.contains("energy-meter"));
  const Profile& p = profiles.at("energy-meter");
  EXPECT_TRUE(p.energy_only());
  EXPECT_FALSE(profiles.at("adf300l").energy_only());
  for (const char* name : {"em-1p", "em-3p"}) {
    const ModelInfo* m = p.find_model(name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_EQ(m->circuits, 1) << name;
    for (const auto prepaid : prepaid_register_names())
      EXPECT_EQ(p.find_circuit_register(*m, prepaid), nullptr) << name << " " << prepaid;
    for (const char* reading :
         {"energy_total", "voltage", "current", "power", "power_factor", "serial", "energy_peak"}) {
      EXPECT_NE(p.find_circuit_register(*m, reading), nullptr) << name << " " << reading;
    }
  }
  EXPECT_EQ(p.find_model("em-1p")->phases, 1);
  EXPECT_EQ(p.find_model("em-3p")->phases, 3);
  EXPECT_NE(p.find_circuit_register(*p.find_model("em-3p"), "power_c"), nullptr);
  EXPECT_EQ(p.find_circuit_register(*p.find_model("em-1p"), "power_c"), nullptr);
}

TEST(simEnergyMeterProfile, APrepaidRegisterInAnEnergyOnlyProfileIsRefusedAtItsLine) {
  const std::string text = testing::replaced(
      repository_file(), "  - {name: serial,",
      "  - {name: balance, base: 0x4020, stride: 0x40, type: i32, scale: 0.01, unit: yuan, "
      "access: R}\n  - {name: serial,");
  const std::string error = error_of(text);
  EXPECT_NE(error.find("em.yaml:"), std::string::npos) << error;
  EXPECT_NE(error.find("\"balance\""), std::string::npos) << error;
  EXPECT_NE(error.find("energy_only"), std::string::npos) << error;
  // The same register is fine in a prepaid profile: the kind is what refuses it.
  EXPECT_FALSE(
      parse(testing::replaced(text, "\nkind: energy_only", "\nkind: prepaid")).energy_only());
}

TEST(simEnergyMeterProfile, AnEnergyOnlyProfileWithoutEnergyTotalIsRefusedAtTheKind) {
  const std::string no_total = testing::replaced(
      repository_file(),
      "  - {name: energy_total, base: 0x4000, stride: 0x40, type: u32, scale: 0.01, unit: kWh, "
      "access: R}\n",
      "");
  const std::string error = error_of(no_total);
  EXPECT_NE(error.find("em.yaml:17:7"), std::string::npos) << error;  // `kind: energy_only`
  EXPECT_NE(error.find("energy_total"), std::string::npos) << error;
}

TEST(simEnergyMeterProfile, AnUnknownKindOrKeyIsRefusedWithFileLineAndColumn) {
  const std::string kind =
      error_of(testing::replaced(repository_file(), "\nkind: energy_only", "\nkind: metering"));
  EXPECT_NE(kind.find("em.yaml:17:7"), std::string::npos) << kind;
  const std::string key = error_of(testing::replaced(repository_file(), "\nkind: energy_only",
                                                     "\nkind: energy_only\nrelay_less: true"));
  EXPECT_NE(key.find("em.yaml:18:1"), std::string::npos) << key;
  EXPECT_NE(key.find("relay_less"), std::string::npos) << key;
}

FleetSpec fleet_of(const std::string& text) {
  const auto doc = yaml::Document::load_string(text, "fleet.yaml");
  return parse_fleet(doc.root(), testing::profiles_dir());
}

constexpr const char* kMixedBus = R"(buses:
  - id: bus1
    port: vbus/bus1
    boxes:
      - {address: 1, model: adf300l-i, circuits: {1: {load: {constant: 500}, balance: "10.00"}}}
      - {address: 2, model: em-1p, circuits: {1: {load: {constant: 1000}}}}
      - {address: 3, model: em-3p, circuits: {1: {load: {constant: 3000}, phase_split: [1, 1, 1]}}}
)";

TEST(simEnergyMeterFleet, EnergyMetersShareABusWithAdf300Boxes) {
  const FleetSpec fleet = fleet_of(kMixedBus);
  ASSERT_EQ(fleet.buses.size(), 1U);
  ASSERT_EQ(fleet.buses[0].boxes.size(), 3U);
  EXPECT_EQ(fleet.buses[0].boxes[1].model, "em-1p");
  EXPECT_EQ(fleet.buses[0].boxes[1].circuits.at(1).load.power_w, 1000);
  EXPECT_TRUE(fleet.profiles.contains("adf300l"));
  EXPECT_TRUE(fleet.profiles.contains("energy-meter"));
}

TEST(simEnergyMeterFleet, APrepaidSettingOnAnEnergyMeterIsRefusedAtItsKey) {
  for (const char* key : {"balance: \"5.00\"", "mode: keep_power", "price: \"0.5000\"",
                          "overload: 100", "purchase_count: 1"}) {
    const std::string text =
        testing::replaced(kMixedBus, "{load: {constant: 1000}}",
                          std::string("{load: {constant: 1000}, ") + key + "}");
    const std::string error = testing::config_error_of([&] { (void)fleet_of(text); });
    EXPECT_NE(error.find("fleet.yaml:6:"), std::string::npos) << key << ": " << error;
    EXPECT_NE(error.find("energy-only"), std::string::npos) << key << ": " << error;
  }
}

class simEnergyMeterBox : public ::testing::Test {
 protected:
  simEnergyMeterBox() : profiles_(load_profiles_dir(testing::profiles_dir())) {}

  std::unique_ptr<Box> make(const std::string& model, std::int64_t watts) {
    BoxSpec spec;
    spec.address = 2;
    spec.model = model;
    CircuitSpec c;
    c.load.power_w = watts;
    spec.circuits[1] = c;
    const Profile& p = profiles_.at("energy-meter");
    return std::make_unique<Box>(p, *p.find_model(model), spec, 9600, kStart, kChina,
                                 300'001'002'000);
  }

  std::map<std::string, Profile> profiles_;
};

TEST_F(simEnergyMeterBox, ReadsGiveModelEnergyVoltageCurrentPowerAndSerial) {
  const auto box = make("em-1p", 1100);
  box->advance_to(kStart + hours(2));
  const Words head = read_words(*box, 0x0000, 4);
  ASSERT_EQ(head.size(), 4U);
  EXPECT_EQ(head[0], 101);  // model code of em-1p
  EXPECT_EQ(head[1], 1);    // one metering point
  EXPECT_EQ(head[2], 2);    // address
  EXPECT_EQ(head[3], 96);   // 9600 bps at scale 100
  const Words m = read_words(*box, kMeasure, 6);
  ASSERT_EQ(m.size(), 6U);
  EXPECT_EQ(m[0], 2200);       // 220.0 V
  EXPECT_EQ(m[1], 500);        // 1100 W / 220 V = 5.00 A
  EXPECT_EQ(u32(m, 2), 1100);  // W
  EXPECT_EQ(m[4], 1000);       // power factor 1.000
  EXPECT_EQ(m[5], 0);          // reserved
  const Words e = read_words(*box, kEnergy, 10);
  ASSERT_EQ(e.size(), 10U);
  EXPECT_EQ(u32(e, 0), 220);  // 2200 Wh in 0.01 kWh
  EXPECT_EQ(u32(e, 4), 0);    // peak: the default schedule is all day flat
  EXPECT_EQ(u32(e, 6), 220);  // flat
  const Words serial = read_words(*box, kSerial, 3);
  EXPECT_EQ(serial, (Words{0x3000, 0x0100, 0x2001}));  // 300001002001, BCD
}

TEST_F(simEnergyMeterBox, ConsumptionNeverStopsForItHasNoRelayAndNoMoney) {
  // An ADF300 circuit with this load and a zero balance would have tripped at once; the meter
  // keeps metering for ten days.
  const auto box = make("em-1p", 1000);
  box->advance_to(kStart + hours(240));
  EXPECT_EQ(u32(read_words(*box, kEnergy, 2), 0), 24'000);  // 240 kWh
  EXPECT_EQ(u32(read_words(*box, kMeasure + 2, 2), 0), 1000);
  EXPECT_TRUE(box->circuit(1).relay_closed());
  EXPECT_EQ(box->circuit(1).balance_fen(), 0);
  EXPECT_FALSE(box->circuit(1).credit(1, 100));
  // Only a power loss stops it.
  box->set_powered(false);
  box->advance_to(kStart + hours(250));
  box->set_powered(true);
  box->advance_to(kStart + hours(251));
  EXPECT_EQ(u32(read_words(*box, kEnergy, 2), 0), 24'100);
}

TEST_F(simEnergyMeterBox, AReplacedMeterStartsFromZeroAndStillMeters) {
  const auto box = make("em-1p", 1000);
  box->advance_to(kStart + hours(5));
  box->replace_meter(1);
  box->advance_to(kStart + hours(8));
  EXPECT_EQ(u32(read_words(*box, kEnergy, 2), 0), 300);  // 3 kWh since the replacement
  EXPECT_TRUE(box->circuit(1).relay_closed());
}

TEST_F(simEnergyMeterBox, WritesToReadOnlyRegistersAndPrepaidAddressesAreRefused) {
  const auto box = make("em-1p", 1000);
  box->advance_to(kStart + hours(1));
  const Words two{0, 5};
  EXPECT_EQ(box->write(kEnergy, two), Exception::kIllegalDataAddress);           // energy_total: R
  EXPECT_EQ(box->write(kMeasure, Words{2300}), Exception::kIllegalDataAddress);  // voltage: R
  EXPECT_EQ(box->write(0x0000, Words{7}), Exception::kIllegalDataAddress);       // model: R
  // No prepaid registers: where an ADF300L keeps balance and credits there is nothing.
  EXPECT_EQ(read_error(*box, 0x1010, 2), Exception::kIllegalDataAddress);
  EXPECT_EQ(box->write(0x1014, Words{1, 0, 100}), Exception::kIllegalDataAddress);
  EXPECT_EQ(box->write(0x0002, Words{0}), Exception::kIllegalDataValue);  // address 0: 03
  EXPECT_EQ(u32(read_words(*box, kEnergy, 2), 0), 100);                   // nothing changed
  EXPECT_EQ(box->write(0x0002, Words{9}), std::nullopt);                  // the address is RW
  EXPECT_EQ(box->address(), 9);
}

TEST_F(simEnergyMeterBox, AThreePhaseMeterReadsPerPhaseValuesThatSumToTheTotal) {
  const auto box = make("em-3p", 6600);
  box->advance_to(kStart + hours(1));
  const Words m = read_words(*box, kMeasure, 18);
  ASSERT_EQ(m.size(), 18U);
  EXPECT_EQ(u32(m, 2), 6600);
  EXPECT_EQ(m[6], 2200);  // voltage_a
  EXPECT_EQ(m[9], 1000);  // current_a: 2200 W / 220 V
  EXPECT_EQ(u32(m, 12) + u32(m, 14) + u32(m, 16), 6600);
  EXPECT_EQ(u32(read_words(*box, kEnergy, 2), 0), 660);
  // The single-phase meter has no per-phase values: reserved words of its block read 0.
  const auto single = make("em-1p", 6600);
  EXPECT_EQ(read_words(*single, kMeasure + 6, 1), Words{0});
}

TEST_F(simEnergyMeterBox, AnswersBesideAnAdf300BoxOnOneBus) {
  const FleetSpec fleet = fleet_of(kMixedBus);
  std::vector<std::unique_ptr<Box>> boxes;
  std::map<int, Box*> by_address;
  for (const auto& spec : fleet.buses[0].boxes) {
    const auto ref = find_model(fleet.profiles, spec.model);
    boxes.push_back(
        std::make_unique<Box>(*ref->profile, *ref->model, spec, 9600, kStart, kChina,
                              300'001'000'000 + static_cast<std::uint64_t>(spec.address) * 1000));
    by_address[spec.address] = boxes.back().get();
  }
  for (auto& b : boxes)
    b->advance_to(kStart + hours(1));
  rtu::Request req;
  req.function = rtu::kReadHolding;
  req.address = 2;
  req.start = kEnergy;
  req.count = 2;
  const auto reply = answer(by_address, req);
  ASSERT_TRUE(reply.has_value());
  // [address][fc][byte count][hi hi][lo lo]...: 1000 W for an hour = 100 (0.01 kWh).
  ASSERT_GE(reply->size(), 7U);
  EXPECT_EQ((*reply)[0], 2);
  EXPECT_EQ(((*reply)[5] << 8) | (*reply)[6], 100);
  req.address = 1;  // the ADF300 box on the same bus still answers its own map
  req.start = 0x1010;
  const auto balance = answer(by_address, req);
  ASSERT_TRUE(balance.has_value());
  EXPECT_EQ((*balance)[1], rtu::kReadHolding);
}

}  // namespace
}  // namespace phil::sim
