// Fleet files: the schema of sim/README.md, strictly.
#include <array>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <phil/sim/fleet.hpp>

#include "sim_test_support.hpp"

namespace phil::sim {
namespace {

using ::testing::HasSubstr;

const std::string kFleet = R"(utc_offset: "+08:00"
buses:
  - id: bus1
    port: vbus/bus1
    baud: 19200
    boxes:
      - address: 4
        model: adf300l-iii
        circuits:
          1: {load: {constant: 1200}, balance: "20.00", purchase_count: 3}
          2: {load: {daily: residential, peak_w: 2500, seed: 7}, price: "0.5583", mode: keep_power}
          36: {alarm1: "30.00", alarm2: "10.50", mode: forced_off, balance: "-1.25"}
      - address: 5
        model: adf300l-i
  - id: bus2
    port: /tmp/elsewhere/bus2
    boxes: []
)";

FleetSpec parse(const std::string& text) {
  const auto doc = yaml::Document::load_string(text, "fleet.yaml");
  return parse_fleet(doc.root(), testing::profiles_dir());
}

std::string error_of(const std::string& text) {
  return testing::config_error_of([&] { (void)parse(text); });
}

using testing::replaced;

TEST(simFleet, ParsesBusesBoxesCircuitsAndLoads) {
  const FleetSpec f = parse(kFleet);
  EXPECT_EQ(f.utc_offset, std::chrono::minutes(480));
  ASSERT_EQ(f.buses.size(), 2U);
  const BusSpec& bus = f.buses[0];
  EXPECT_EQ(bus.id, "bus1");
  EXPECT_EQ(bus.port, "vbus/bus1");
  EXPECT_EQ(bus.baud, 19200);
  ASSERT_EQ(bus.boxes.size(), 2U);
  const BoxSpec& box = bus.boxes[0];
  EXPECT_EQ(box.address, 4);
  EXPECT_EQ(box.model, "adf300l-iii");
  ASSERT_EQ(box.circuits.size(), 3U);
  const CircuitSpec& c1 = box.circuits.at(1);
  EXPECT_EQ(c1.load.kind, LoadSpec::Kind::kConstant);
  EXPECT_EQ(c1.load.power_w, 1200);
  EXPECT_EQ(c1.balance_fen, 2000);
  EXPECT_EQ(c1.purchase_count, 3);
  EXPECT_EQ(c1.price, 6000);
  EXPECT_EQ(c1.mode, Mode::kPrepaid);
  const CircuitSpec& c2 = box.circuits.at(2);
  EXPECT_EQ(c2.load.kind, LoadSpec::Kind::kDaily);
  EXPECT_EQ(c2.load.curve, "residential");
  EXPECT_EQ(c2.load.power_w, 2500);
  EXPECT_EQ(c2.load.seed, 7U);
  EXPECT_EQ(c2.price, 5583);
  EXPECT_EQ(c2.mode, Mode::kKeepPower);
  const CircuitSpec& c36 = box.circuits.at(36);
  EXPECT_EQ(c36.number, 36);
  EXPECT_EQ(c36.alarm1_fen, 3000);
  EXPECT_EQ(c36.alarm2_fen, 1050);
  EXPECT_EQ(c36.balance_fen, -125);
  EXPECT_EQ(c36.mode, Mode::kForcedOff);
  EXPECT_TRUE(bus.boxes[1].circuits.empty());
  EXPECT_EQ(f.buses[1].baud, 9600);
  EXPECT_TRUE(f.profiles.contains("adf300l"));
}

TEST(simFleet, UtcOffsetIsOptionalAndDefaultsToUtc) {
  EXPECT_EQ(parse(replaced(kFleet, "utc_offset: \"+08:00\"\n", "")).utc_offset,
            std::chrono::minutes(0));
  EXPECT_EQ(parse(replaced(kFleet, "\"+08:00\"", "\"-05:30\"")).utc_offset,
            std::chrono::minutes(-330));
}

TEST(simFleet, BadUtcOffsetIsRejectedWithItsLocation) {
  EXPECT_THAT(error_of(replaced(kFleet, "\"+08:00\"", "\"8h\"")),
              HasSubstr("fleet.yaml:1:13: utc_offset: invalid UTC offset \"8h\""));
}

TEST(simFleet, UnknownKeyInACircuitNamesTheKeyPath) {
  const auto msg = error_of(replaced(kFleet, "purchase_count: 3", "purchase_cnt: 3"));
  EXPECT_THAT(msg, HasSubstr("fleet.yaml:10:"));
  EXPECT_THAT(msg, HasSubstr("buses[0].boxes[0].circuits.1.purchase_cnt"));
}

TEST(simFleet, DuplicateBusIdsAreRejected) {
  const auto msg = error_of(replaced(kFleet, "id: bus2", "id: bus1"));
  EXPECT_THAT(msg, HasSubstr("fleet.yaml:15:"));
  EXPECT_THAT(msg, HasSubstr("duplicate bus id \"bus1\""));
}

TEST(simFleet, DuplicateBoxAddressesOnABusAreRejected) {
  const auto msg = error_of(replaced(kFleet, "address: 5", "address: 4"));
  EXPECT_THAT(msg, HasSubstr("fleet.yaml:13:"));
  EXPECT_THAT(msg, HasSubstr("duplicate box address 4"));
}

TEST(simFleet, BoxAddressOutOfRangeIsRejected) {
  EXPECT_THAT(error_of(replaced(kFleet, "address: 5", "address: 248")),
              HasSubstr("buses[0].boxes[1].address: value 248 is out of range [1, 247]"));
}

const std::string kThreePhaseFleet = R"(buses:
  - id: bus1
    port: vbus/bus1
    boxes:
      - address: 1
        model: adf300l-3p
        circuits:
          1: {load: {constant: 9000}, phase_split: [40, 35, 25]}
          2: {load: {constant: 3000}}
)";

TEST(simFleet, AThreePhaseCircuitTakesItsPhaseSplitAndDefaultsToBalanced) {
  const auto fleet = parse(kThreePhaseFleet);
  const auto& box = fleet.buses.at(0).boxes.at(0);
  EXPECT_EQ(box.circuits.at(1).phase_split, (std::array<std::int64_t, 3>{40, 35, 25}));
  EXPECT_EQ(box.circuits.at(2).phase_split, (std::array<std::int64_t, 3>{1, 1, 1}));
}

TEST(simFleet, ABadPhaseSplitIsRejectedWithItsLocation) {
  for (const char* bad : {"[40, 35]", "[0, 0, 0]", "[40, -1, 25]", "40"}) {
    const auto msg = error_of(replaced(kThreePhaseFleet, "[40, 35, 25]", bad));
    EXPECT_THAT(msg, HasSubstr("fleet.yaml:8:")) << bad;
    EXPECT_THAT(msg, HasSubstr("circuits.1.phase_split")) << bad;
  }
}

TEST(simFleet, APhaseSplitOnASinglePhaseModelIsRejected) {
  const auto msg = error_of(replaced(kThreePhaseFleet, "adf300l-3p", "adf300l-i"));
  EXPECT_THAT(msg, HasSubstr("fleet.yaml:8:"));
  EXPECT_THAT(msg, HasSubstr("model adf300l-i is single-phase"));
}

TEST(simFleet, CircuitNumbersMustExistOnTheModel) {
  const auto msg = error_of(replaced(kFleet, "36: {", "37: {"));
  EXPECT_THAT(msg, HasSubstr("fleet.yaml:12:"));
  EXPECT_THAT(msg, HasSubstr("circuit 37 does not exist on model adf300l-iii (circuits 1..36)"));
  EXPECT_THAT(error_of(replaced(kFleet, "36: {", "x: {")), HasSubstr("circuit x does not exist"));
}

TEST(simFleet, UnknownModelListsTheKnownOnes) {
  const auto msg = error_of(replaced(kFleet, "model: adf300l-i\n", "model: adf300l-iv\n"));
  EXPECT_THAT(msg, HasSubstr("buses[0].boxes[1].model"));
  EXPECT_THAT(msg, HasSubstr("adf300l-iii"));
}

TEST(simFleet, ALoadIsExactlyOneKind) {
  EXPECT_THAT(error_of(replaced(kFleet, "{constant: 1200}", "{constant: 1200, daily: shop}")),
              HasSubstr("exactly one of `constant`, `daily`, `csv` and `walk`"));
  EXPECT_THAT(error_of(replaced(kFleet, "{constant: 1200}", "{constant: 1200, peak_w: 3}")),
              HasSubstr("unknown key \"peak_w\""));
  EXPECT_THAT(error_of(replaced(kFleet, "daily: residential", "daily: factory")),
              HasSubstr("one of: residential, office, shop"));
}

TEST(simFleet, MoneyIsExactDecimalText) {
  EXPECT_THAT(error_of(replaced(kFleet, "balance: \"20.00\"", "balance: \"20.001\"")),
              HasSubstr("circuits.1.balance"));
  EXPECT_THAT(error_of(replaced(kFleet, "price: \"0.5583\"", "price: \"0.55831\"")),
              HasSubstr("circuits.2.price"));
}

TEST(simFleet, UnsupportedBaudIsRejected) {
  EXPECT_THAT(error_of(replaced(kFleet, "baud: 19200", "baud: 19201")),
              HasSubstr("buses[0].baud: unsupported baud rate 19201; use one of 1200, 2400"));
  EXPECT_THAT(error_of(replaced(kFleet, "baud: 19200", "baud: 300")),
              HasSubstr("unsupported baud rate 300"));
}

TEST(simFleet, Alarm2AboveAlarm1IsRejectedAtTheValueThatMakesIt) {
  EXPECT_THAT(error_of(replaced(kFleet, "alarm2: \"10.50\"", "alarm2: \"30.50\"")),
              HasSubstr("circuits.36.alarm2: alarm2 30.50 is above alarm1 30.00"));
  // Only alarm1 given, below the default alarm2 (5.00): refused at alarm1.
  EXPECT_THAT(
      error_of(replaced(kFleet, "{alarm1: \"30.00\", alarm2: \"10.50\",", "{alarm1: \"3.00\",")),
      HasSubstr("circuits.36.alarm1: alarm2 5.00 is above alarm1 3.00"));
  EXPECT_NO_THROW((void)parse(replaced(kFleet, "alarm2: \"10.50\"", "alarm2: \"30.00\"")));
}

TEST(simFleet, ARelativePortThatLeadsOutOfTheRunDirectoryIsRejected) {
  for (const char* port : {"../bus1", "vbus/../../bus1", "./../x"}) {
    EXPECT_THAT(error_of(replaced(kFleet, "port: vbus/bus1", std::string("port: ") + port)),
                HasSubstr("leads out of the run directory"))
        << port;
  }
  EXPECT_NO_THROW((void)parse(replaced(kFleet, "port: vbus/bus1", "port: vbus/../bus1")));
}

TEST(simFleet, UnknownTopLevelKeyIsRejected) {
  EXPECT_THAT(error_of(kFleet + "clock: now\n"), HasSubstr("fleet.yaml:18:1: clock: unknown key"));
}

const std::string kTouFleet = R"(buses:
  - id: bus1
    port: vbus/bus1
    boxes:
      - address: 1
        model: adf300l-i
        clock_drift_ppm: -20
        tou: [{start: "00:00", rate: valley}, {start: "08:00", rate: peak},
              {start: "22:00", rate: flat}]
        circuits:
          1:
            load: {walk: {start_w: 500, min_w: 100, max_w: 900, step_w: 50, interval: 30s, seed: 9}}
            prices: {sharp: "1.2000", valley: "0.3000"}
            overload: 4000
            overload_delay: 10s
)";

TEST(simFleet, ParsesTouScheduleDriftWalkPricesAndOverload) {
  const FleetSpec f = parse(kTouFleet);
  const BoxSpec& box = f.buses.at(0).boxes.at(0);
  EXPECT_EQ(box.clock_drift_ppm, -20);
  ASSERT_EQ(box.tou.count, 3);
  EXPECT_EQ(box.tou.periods[1], (TouPeriod{8 * 60, Rate::kPeak}));
  const CircuitSpec& c = box.circuits.at(1);
  EXPECT_EQ(c.load.kind, LoadSpec::Kind::kWalk);
  EXPECT_EQ(c.load.walk_interval, Millis(30'000));
  EXPECT_EQ(c.prices[0], 12'000);
  EXPECT_EQ(c.prices[2], -1);  // flat: the circuit's `price`
  EXPECT_EQ(c.prices[3], 3'000);
  EXPECT_EQ(c.overload_w, 4000);
  EXPECT_EQ(c.overload_delay, Millis(10'000));
}

TEST(simFleet, TouErrorsNameTheLineAndKey) {
  EXPECT_THAT(error_of(replaced(kTouFleet, "\"08:00\"", "\"8:00\"")), HasSubstr("fleet.yaml:8:"));
  EXPECT_THAT(error_of(replaced(kTouFleet, "\"08:00\"", "\"8:00\"")), HasSubstr("HH:MM"));
  EXPECT_THAT(error_of(replaced(kTouFleet, "\"22:00\"", "\"07:00\"")),
              HasSubstr("strictly increase"));
  EXPECT_THAT(error_of(replaced(kTouFleet, "rate: flat", "rate: cheap")),
              HasSubstr("one of: sharp, peak, flat, valley"));
  EXPECT_THAT(error_of(replaced(kTouFleet, "min_w: 100", "min_w: 600")),
              HasSubstr("min_w <= start_w <= max_w"));
  EXPECT_THAT(error_of(replaced(kTouFleet, "prices: {sharp", "prices: {shrp")),
              HasSubstr("unknown key \"shrp\""));
}

TEST(simFleet, CsvLoadIsReadRelativeToTheFleetFile) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("phil_sim_csv_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream(dir / "load.csv") << "# timestamp,W\n2026-03-01T00:00:00+08:00,1200\n"
                                       "2026-03-01T06:00:00+08:00,300\n";
    std::ofstream(dir / "bad.csv") << "2026-03-01T00:00:00+08:00,1200\nyesterday,3\n";
    std::ofstream(dir / "fleet.yaml")
        << "buses: [{id: b, port: p, boxes: [{address: 1, model: adf300l-i, circuits: "
           "{1: {load: {csv: load.csv}}, 2: {load: {csv: bad.csv}}}}]}]\n";
  }
  const std::string err = testing::config_error_of(
      [&] { (void)load_fleet_file((dir / "fleet.yaml").string(), testing::profiles_dir()); });
  EXPECT_THAT(err, HasSubstr("bad.csv:2: invalid timestamp \"yesterday\""));
  EXPECT_THAT(err, HasSubstr("fleet.yaml:1:"));
  {
    std::ofstream(dir / "fleet.yaml")
        << "buses: [{id: b, port: p, boxes: [{address: 1, model: adf300l-i, circuits: "
           "{1: {load: {csv: load.csv}}}}]}]\n";
  }
  const FleetSpec f = load_fleet_file((dir / "fleet.yaml").string(), testing::profiles_dir());
  const auto& series = f.buses[0].boxes[0].circuits.at(1).load.series;
  ASSERT_TRUE(series);
  ASSERT_EQ(series->size(), 2U);
  EXPECT_EQ(series->at(1).second, 300);
  fs::remove_all(dir);
}

TEST(simFleet, ExampleFleetsParse) {
  const std::string dir = PHIL_SOURCE_DIR "/sim/examples/";
  const FleetSpec small = load_fleet_file(dir + "small.yaml", testing::profiles_dir());
  EXPECT_EQ(small.buses.size(), 1U);
  const FleetSpec servers = load_fleet_file(dir + "serial-servers.yaml", testing::profiles_dir());
  ASSERT_EQ(servers.buses.size(), 3U);
  EXPECT_EQ(servers.buses[0].transport, Transport::kRtuOverTcp);
  EXPECT_EQ(servers.buses[1].transport, Transport::kTcp);
  EXPECT_TRUE(servers.buses[1].pacing.enabled);
  const FleetSpec seed = load_fleet_file(dir + "seed-site.yaml", testing::profiles_dir());
  ASSERT_EQ(seed.buses.size(), 1U);
  EXPECT_EQ(seed.buses[0].baud, 9600);
  ASSERT_EQ(seed.buses[0].boxes.size(), 19U);
  for (std::size_t i = 0; i < 19; ++i) {
    EXPECT_EQ(seed.buses[0].boxes[i].address, static_cast<int>(i) + 4);  // floors 4..22
    EXPECT_EQ(seed.buses[0].boxes[i].circuits.size(), 12U);
  }
}

TEST(simFleet, ScheduledFaultsAreParsedAndCheckedAgainstTheFleet) {
  const std::string faults =
      kTouFleet +
      "faults:\n"
      "  - {kind: power_loss, bus: bus1, address: 1, start: 10m, duration: 1h}\n"
      "  - {kind: drop_reply, bus: bus1, probability: \"0.25\", start: "
      "\"2026-03-01T10:00:00+08:00\", seed: 3}\n";
  const FleetSpec f = parse(faults);
  ASSERT_EQ(f.faults.size(), 2U);
  EXPECT_EQ(f.faults[0].kind, FaultSpec::Kind::kPowerLoss);
  EXPECT_TRUE(f.faults[0].start_relative);
  EXPECT_EQ(f.faults[0].start_after, Millis(600'000));
  EXPECT_EQ(f.faults[1].probability_permille, 250);
  EXPECT_FALSE(f.faults[1].start_relative);
  EXPECT_THAT(error_of(replaced(faults, "bus: bus1, address: 1", "bus: bus2, address: 1")),
              HasSubstr("no bus \"bus2\""));
  EXPECT_THAT(error_of(replaced(faults, "bus: bus1, address: 1", "bus: bus1, address: 9")),
              HasSubstr("no box at address 9"));
  EXPECT_THAT(error_of(replaced(faults, "kind: power_loss", "kind: lightning")),
              HasSubstr("faults[0].kind"));
  EXPECT_THAT(error_of(replaced(faults, "probability", "probabilty")),
              HasSubstr("unknown key \"probabilty\""));
}

TEST(simFleet, RegisterMapCsvNamesEveryCircuitRegister) {
  const auto profiles = load_profiles_dir(testing::profiles_dir());
  const Profile& p = profiles.at("adf300l");
  const std::string csv = register_map_csv(p, *p.find_model("adf300l-i"));
  EXPECT_EQ(csv.rfind("name,address,words,type,scale,unit,access\n", 0), 0U);
  EXPECT_THAT(csv, HasSubstr("\nmodel,0,1,u16,1,,R\n"));
  EXPECT_THAT(csv, HasSubstr("\nc1.balance,4112,2,i32,0.01,yuan,R\n"));
  EXPECT_THAT(csv, HasSubstr("\nc12.price_flat,8554,2,u32,0.0001,yuan/kWh,RW\n"));
  EXPECT_THAT(csv, HasSubstr("\nbaud,3,1,u16,100,bps,RW\n"));
  EXPECT_THAT(csv, ::testing::Not(HasSubstr("c13.")));
}

}  // namespace
}  // namespace phil::sim

namespace phil::sim {
namespace {

const std::string kTcpFleet = R"(buses:
  - id: gw
    transport: tcp
    port: 5020
    parity: even
    stop_bits: 1
    pacing: {turnaround: 5ms}
    boxes: [{address: 1, model: adf300l-i}]
  - id: ser
    transport: rtu-over-tcp
    port: 0
    boxes: []
  - id: ser2
    transport: rtu-over-tcp
    port: 0
    pacing: {enabled: false, turnaround: 1ms}
    boxes: []
  - id: line
    port: vbus/line
    stop_bits: 2
    boxes: []
)";

TEST(simFleet, ParsesTransportsLineSettingsAndPacing) {
  const FleetSpec f = parse(kTcpFleet);
  ASSERT_EQ(f.buses.size(), 4U);
  EXPECT_EQ(f.buses[0].transport, Transport::kTcp);
  EXPECT_EQ(f.buses[0].tcp_port, 5020);
  EXPECT_EQ(f.buses[0].parity, Parity::kEven);
  EXPECT_TRUE(f.buses[0].pacing.enabled);
  EXPECT_EQ(f.buses[0].pacing.turnaround, std::chrono::milliseconds(5));
  EXPECT_EQ(f.buses[1].transport, Transport::kRtuOverTcp);
  EXPECT_EQ(f.buses[1].tcp_port, 0);
  EXPECT_FALSE(f.buses[1].pacing.enabled);  // off unless asked for
  EXPECT_FALSE(f.buses[2].pacing.enabled);
  EXPECT_EQ(f.buses[3].transport, Transport::kPty);
  EXPECT_EQ(f.buses[3].parity, Parity::kNone);
  EXPECT_EQ(f.buses[3].stop_bits, 2);
  EXPECT_EQ(transport_name(Transport::kRtuOverTcp), "rtu-over-tcp");
  EXPECT_EQ(transport_from_name("tcp"), Transport::kTcp);
  EXPECT_FALSE(transport_from_name("udp").has_value());
}

TEST(simFleet, TransportErrorsNameTheLineAndKey) {
  EXPECT_THAT(error_of(replaced(kTcpFleet, "transport: tcp", "transport: udp")),
              HasSubstr("fleet.yaml:3:"));
  EXPECT_THAT(error_of(replaced(kTcpFleet, "port: 5020", "port: vbus/gw")),
              HasSubstr("fleet.yaml:4:"));
  EXPECT_THAT(error_of(replaced(kTcpFleet, "port: 5020", "port: 70000")), HasSubstr("port"));
  EXPECT_THAT(error_of(replaced(kTcpFleet, "parity: even", "parity: mark")), HasSubstr("parity"));
  EXPECT_THAT(error_of(replaced(kTcpFleet, "stop_bits: 1", "stop_bits: 3")),
              HasSubstr("stop_bits"));
  EXPECT_THAT(error_of(replaced(kTcpFleet, "turnaround: 5ms", "turnround: 5ms")),
              HasSubstr("turnround"));
  EXPECT_THAT(error_of(replaced(kTcpFleet, "turnaround: 5ms", "turnaround: 1m")),
              HasSubstr("turnaround"));
  // Two buses may share port 0 (each gets its own), never a fixed port.
  EXPECT_THAT(error_of(replaced(kTcpFleet, "port: 0\n    pacing", "port: 5020\n    pacing")),
              HasSubstr("5020"));
}

TEST(simFleet, LineTimingFollowsBaudParityAndStopBits) {
  const auto n81 = line_timing(9600, Parity::kNone, 1);
  EXPECT_EQ(n81.char_time, std::chrono::nanoseconds(1'041'666));  // 10 bits
  EXPECT_EQ(n81.t35, std::chrono::nanoseconds(3'645'831));
  EXPECT_EQ(line_timing(9600, Parity::kEven, 1).char_time, std::chrono::nanoseconds(1'145'833));
  EXPECT_EQ(line_timing(9600, Parity::kNone, 2).char_time, std::chrono::nanoseconds(1'145'833));
  EXPECT_EQ(line_timing(115200, Parity::kNone, 1).t35, std::chrono::microseconds(1750));
}

}  // namespace
}  // namespace phil::sim
