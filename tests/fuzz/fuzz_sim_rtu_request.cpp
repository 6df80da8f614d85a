// Fuzz target: arbitrary bytes on a bus, through the slave's request decoder and the register
// bank of a box. Nothing may crash, hang or throw; every reply must be a well-formed frame.
//
// Input: byte 0 steers how the rest is cut into chunks (sizes 1..16) and where the line falls
// silent between them, so one input explores both framing by length and framing by silence.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <span>

#include <phil/common/yaml.hpp>
#include <phil/sim/box.hpp>
#include <phil/sim/profile.hpp>
#include <phil/sim/rtu.hpp>

namespace {

using namespace phil;

// A compact profile with every kind of register the bank handles (the repository's profile is
// not read here, so the target runs anywhere).
constexpr const char* kProfile = R"(profile: fuzz
word_order: high_first
max_read: 125
max_write: 123
models: [{name: fuzz-2, code: 7, circuits: 2, phases: 1}]
enums:
  relay: {open: 0, closed: 1}
  mode: {prepaid: 0, keep_power: 1, forced_off: 2}
flags:
  status: {alarm1: 0, alarm2: 1, arrears: 2, overload: 3, forced_off: 4, keep_power: 5}
box:
  - {name: model, address: 0, type: u16, access: R}
  - {name: address, address: 2, type: u16, access: RW}
  - {name: baud, address: 3, type: u16, scale: 100, unit: bps, access: RW}
  - {name: clock, address: 4, type: u32, unit: s, access: RW}
  - {name: password, address: 6, type: u16, access: W}
  - {name: tou_schedule, address: 8, type: raw, words: 4, access: RW}
circuit:
  - {name: energy_total, base: 0x10, stride: 0x20, type: u32, scale: 0.01, unit: kWh, access: R}
  - {name: power, base: 0x12, stride: 0x20, type: i32, unit: W, access: R}
  - {name: status, base: 0x14, stride: 0x20, type: u16, flags: status, access: R}
  - {name: balance, base: 0x15, stride: 0x20, type: i32, scale: 0.01, unit: yuan, access: R}
  - {name: relay, base: 0x17, stride: 0x20, type: u16, enum: relay, access: R}
  - {name: mode, base: 0x18, stride: 0x20, type: u16, enum: mode, access: RW}
  - {name: purchase_count, base: 0x19, stride: 0x20, type: u16, access: RW}
  - {name: purchase_amount, base: 0x1A, stride: 0x20, type: u32, scale: 0.01, unit: yuan,
     access: RW}
  - {name: alarm1_threshold, base: 0x1C, stride: 0x20, type: u32, scale: 0.001, unit: yuan,
     access: RW}
  - {name: price_flat, base: 0x1E, stride: 0x20, type: u32, scale: 0.0001, unit: yuan/kWh,
     access: RW}
  - {name: serial, base: 0x20, stride: 0x20, type: bcd, words: 3, access: R}
  - {name: overload_threshold, base: 0x23, stride: 0x20, type: u32, unit: W, access: RW}
)";

const sim::Profile& profile() {
  static const sim::Profile p = [] {
    const auto doc = yaml::Document::load_string(kProfile, "fuzz.yaml");
    return sim::parse_profile(doc.root(), "fuzz.yaml");
  }();
  return p;
}

void check_reply(const std::vector<std::uint8_t>& reply) {
  // Every reply is a complete frame whose CRC checks.
  if (reply.size() < 5 || reply.size() > sim::rtu::kMaxFrame) std::abort();
  const std::uint16_t crc = sim::rtu::crc16(std::span(reply).first(reply.size() - 2));
  if (reply[reply.size() - 2] != (crc & 0xFF) || reply.back() != (crc >> 8)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const sim::Profile& p = profile();
  const TimePoint start{Millis(1'772'294'400'000)};
  sim::BoxSpec spec;
  spec.address = 1;
  spec.model = "fuzz-2";
  sim::CircuitSpec c;
  c.load.power_w = 1500;
  c.balance_fen = 100;
  spec.circuits[1] = c;
  sim::Box box(p, p.models.front(), spec, 9600, start, std::chrono::minutes(480), 1000);
  const std::map<int, sim::Box*> bus{{1, &box}};

  std::uint8_t steer = data[0];
  const std::span<const std::uint8_t> bytes(data + 1, size - 1);
  sim::rtu::RequestDecoder decoder;
  std::size_t at = 0;
  std::int64_t minutes = 0;
  while (at < bytes.size()) {
    const std::size_t chunk = std::min<std::size_t>(1 + (steer & 0x0F), bytes.size() - at);
    decoder.feed(bytes.subspan(at, chunk));
    at += chunk;
    if ((steer & 0x10) != 0) decoder.silence();
    steer = static_cast<std::uint8_t>(steer * 37 + 11);
    box.advance_to(start + std::chrono::minutes(minutes += 7));
    while (auto request = decoder.next()) {
      if (auto reply = sim::answer(bus, *request)) check_reply(*reply);
      (void)sim::rtu::describe(*request);
    }
  }
  decoder.silence();
  while (auto request = decoder.next()) {
    if (auto reply = sim::answer(bus, *request)) check_reply(*reply);
  }
  return 0;
}
