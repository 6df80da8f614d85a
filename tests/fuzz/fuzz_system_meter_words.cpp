// Fuzz target: arbitrary register words in a box's memory, read by the ADF300 driver's
// supervision decoders through their public entries on a FakeMaster: the per-circuit serial
// numbers (read_serials), the box clock (read_clock, and the clock read-back of a clock command)
// and the TOU schedule read-back (box_setting_applied). A read fault may be injected first.
// Whatever the words, each call returns a value or a LinkError: no crash, no UB, and
//   - a bcd serial with a nibble above 9 is an error (kException: the box answered), any other
//     serial its words in hex;
//   - the clock decodes within its type's range and encodes back to the same words;
//   - the TOU read-back is true exactly when the box holds the words that were written.
//
// Input: byte 0 circuits (1..8), word order, serial type (bcd, u32, raw) and clock type;
// byte 1 serial words (bcd/raw 1..4), TOU rows (1..14) and max_read; bytes 2..5 the host's
// local seconds; byte 6 the injected fault and the number of TOU periods written; then the
// register words (big endian pairs): clock, TOU table, serials of circuits 1.. (missing: 0).
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <phil/meterlink/adf300.hpp>
#include <phil/meterlink/profile.hpp>

#include "fuzz_adf300_profile.hpp"
#include "support/fake_master.hpp"

namespace {

using phil::meterlink::Adf300Driver;
using phil::meterlink::FakeMaster;

constexpr int kSlave = 7;
constexpr std::uint16_t kClockAddress = 0x0004;
constexpr std::uint16_t kTouAddress = 0x0100;
constexpr std::uint16_t kSerialBase = 0x1019;
constexpr std::uint16_t kStride = 0x20;

struct Variant {
  int circuits = 1;
  bool high_first = true;
  int serial_type = 0;  // 0 bcd, 1 u32, 2 raw
  int serial_words = 3;
  int clock_type = 0;  // 0 u32, 1 i32, 2 u16, 3 i16
  int tou_rows = 14;
  int max_read = 125;
  auto key() const {
    return std::tuple(circuits, high_first, serial_type, serial_words, clock_type, tou_rows,
                      max_read);
  }
};

constexpr std::array<const char*, 3> kSerialTypes{"bcd", "u32", "raw"};
constexpr std::array<const char*, 4> kClockTypes{"u32", "i32", "u16", "i16"};
constexpr std::array<int, 4> kMaxRead{125, 4, 30, 2};

std::string profile_text(const Variant& v) {
  const std::string serial_words =
      v.serial_type == 1 ? "" : ", words: " + std::to_string(v.serial_words);
  return phil::fuzz::adf300_profile_text(
      v.circuits, v.high_first, v.max_read,
      std::string("  - {name: clock, address: 0x0004, type: ") +
          kClockTypes[static_cast<std::size_t>(v.clock_type)] +
          ", unit: s, access: RW}\n"
          "  - {name: tou_schedule, address: 0x0100, type: raw, words: " +
          std::to_string(2 * v.tou_rows) + ", access: RW}\n",
      std::string("  - {name: serial, base: 0x1019, stride: 0x20, type: ") +
          kSerialTypes[static_cast<std::size_t>(v.serial_type)] + serial_words + ", access: R}\n");
}

const Adf300Driver& driver_for(const Variant& v) {
  // Decoding the profile is not what is fuzzed here: one driver per variant, made once.
  static std::map<decltype(v.key()), Adf300Driver> drivers;
  auto it = drivers.find(v.key());
  if (it == drivers.end()) {
    if (drivers.size() >= 512) drivers.clear();  // ~43k variants: bound the memory of long runs
    const auto doc = phil::yaml::Document::load_string(profile_text(v), "f.yaml");
    it = drivers.emplace(v.key(), Adf300Driver(phil::meterlink::parse_profile(doc.root()), "m"))
             .first;
  }
  return it->second;
}

std::int64_t type_min(int clock_type) {
  return std::array<std::int64_t, 4>{0, -2147483648LL, 0,
                                     -32768}[static_cast<std::size_t>(clock_type)];
}
std::int64_t type_max(int clock_type) {
  return std::array<std::int64_t, 4>{4294967295LL, 2147483647LL, 65535,
                                     32767}[static_cast<std::size_t>(clock_type)];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 7) return 0;
  Variant v;
  v.circuits = 1 + (data[0] & 0x07);
  v.high_first = (data[0] & 0x08) == 0;
  v.serial_type = ((data[0] >> 4) & 0x03) % 3;
  v.clock_type = (data[0] >> 6) & 0x03;
  v.serial_words = v.serial_type == 1 ? 2 : 1 + (data[1] & 0x03);
  v.tou_rows = 1 + ((data[1] >> 2) & 0x0F) % 14;
  v.max_read = kMaxRead[static_cast<std::size_t>(data[1] >> 6)];
  const auto local_seconds =
      static_cast<std::int64_t>((std::uint32_t{data[2]} << 24U) | (std::uint32_t{data[3]} << 16U) |
                                (std::uint32_t{data[4]} << 8U) | std::uint32_t{data[5]});
  const int fault = data[6] & 0x03;
  const auto periods_written = 1 + static_cast<std::size_t>((data[6] >> 2) % v.tou_rows);
  const auto& driver = driver_for(v);

  std::vector<std::uint16_t> words;
  for (std::size_t i = 7; i + 1 < size; i += 2) {
    words.push_back(static_cast<std::uint16_t>((data[i] << 8U) | data[i + 1]));
  }
  auto next = [&, at = std::size_t{0}]() mutable -> std::uint16_t {
    return at < words.size() ? words[at++] : std::uint16_t{0};
  };
  FakeMaster master;
  const int clock_words = v.clock_type < 2 ? 2 : 1;
  std::vector<std::uint16_t> clock_mem, tou_mem;
  for (int i = 0; i < clock_words; ++i) {
    clock_mem.push_back(next());
    master.set(kSlave, static_cast<std::uint16_t>(kClockAddress + i), clock_mem.back());
  }
  for (int i = 0; i < 2 * v.tou_rows; ++i) {
    tou_mem.push_back(next());
    master.set(kSlave, static_cast<std::uint16_t>(kTouAddress + i), tou_mem.back());
  }
  std::vector<std::vector<std::uint16_t>> serial_mem(static_cast<std::size_t>(v.circuits));
  for (int c = 1; c <= v.circuits; ++c) {
    for (int i = 0; i < v.serial_words; ++i) {
      const auto w = next();
      serial_mem[static_cast<std::size_t>(c - 1)].push_back(w);
      master.set(kSlave, static_cast<std::uint16_t>(kSerialBase + (c - 1) * kStride + i), w);
    }
  }
  if (fault != 0) {
    static constexpr std::array<FakeMaster::Fault, 3> kFaults{
        FakeMaster::Fault::kRequestLost, FakeMaster::Fault::kException, FakeMaster::Fault::kIo};
    master.inject({FakeMaster::Op::kRead, kSlave, kFaults[static_cast<std::size_t>(fault - 1)]});
  }

  // The clock (the first read: it takes an injected fault).
  if (!driver.has_clock()) __builtin_trap();
  const auto clock = driver.read_clock(master, kSlave);
  if (fault != 0) {
    if (clock) __builtin_trap();  // a failed read is never a time
  } else {
    if (!clock) __builtin_trap();  // every word pattern is a time of an integer type
    const auto t = clock.value();
    if (t < type_min(v.clock_type) || t > type_max(v.clock_type)) __builtin_trap();
    const auto frame = driver.clock_frame(t);
    if (!frame || frame->values != clock_mem) __builtin_trap();
    const auto applied =
        driver.box_setting_applied(master, kSlave, phil::domain::ClockPayload{}, local_seconds);
    if (!applied || applied.value() != (t >= local_seconds - 2 && t <= local_seconds + 2)) {
      __builtin_trap();
    }
  }

  // The serial numbers (a serial longer than one read is not used: no serial register).
  if (driver.has_serial() != (v.serial_words <= v.max_read)) __builtin_trap();
  const auto serials = driver.read_serials(master, kSlave);
  bool all_bcd = true;
  for (const auto& ws : serial_mem) {
    for (const auto w : ws) {
      for (unsigned shift = 0; shift < 16; shift += 4)
        all_bcd = all_bcd && ((w >> shift) & 0xFU) <= 9;
    }
  }
  const bool want_ok = driver.has_serial() && (v.serial_type != 0 || all_bcd);
  if (serials.ok() != want_ok) __builtin_trap();
  if (serials) {
    if (serials.value().size() != serial_mem.size()) __builtin_trap();
    for (std::size_t c = 0; c < serial_mem.size(); ++c) {
      std::string hex;
      for (const auto w : serial_mem[c]) {
        static constexpr char kHex[] = "0123456789abcdef";
        for (int shift = 12; shift >= 0; shift -= 4)
          hex += kHex[(w >> shift) & 0xF];
      }
      if (serials.value()[c] != hex) __builtin_trap();
    }
  } else {
    // An error says what; a box that answered is not to be taken for a silent one.
    const bool answered_kind =
        !driver.has_serial() || serials.error().kind == phil::meterlink::LinkErrorKind::kBadReply;
    if (serials.error().message.empty() || !answered_kind) __builtin_trap();
  }

  // The TOU schedule read-back.
  phil::domain::TouSchedulePayload tou;
  for (std::size_t i = 0; i < periods_written; ++i) {
    tou.periods.push_back(
        {static_cast<int>(i) * 97 % 1440, static_cast<phil::domain::TouRate>(i % 4)});
  }
  const auto frame = driver.tou_frame(tou.periods);
  if (!frame) __builtin_trap();
  const auto applied = driver.box_setting_applied(master, kSlave, tou, local_seconds);
  if (!applied || applied.value() != (frame->values == tou_mem)) __builtin_trap();
  return 0;
}
