// Fuzz target: arbitrary register words as a box's answer to a poll and to a credit read-back,
// decoded by the ADF300 driver with a fixed profile. Short answers must be refused, any values
// decoded without overflow or crash. Byte 0 picks the circuit count and word order.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <phil/meterlink/adf300.hpp>
#include <phil/meterlink/profile.hpp>

#include "fuzz_adf300_profile.hpp"
#include "support/fake_master.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int circuits = 1 + (data[0] & 0x3F);
  const bool high_first = (data[0] & 0x40) == 0;
  // Decoding the profile is not what is fuzzed here: one driver per variant, made once.
  static std::map<int, phil::meterlink::Adf300Driver> drivers;
  const int key = circuits * 2 + (high_first ? 1 : 0);
  auto it = drivers.find(key);
  if (it == drivers.end()) {
    const auto doc = phil::yaml::Document::load_string(
        phil::fuzz::adf300_profile_text(circuits, high_first, 125), "f.yaml");
    it = drivers
             .emplace(key, phil::meterlink::Adf300Driver(phil::meterlink::parse_profile(doc.root()),
                                                         "m"))
             .first;
  }
  const auto& driver = it->second;

  std::vector<std::uint16_t> words;
  for (std::size_t i = 1; i + 1 < size; i += 2) {
    words.push_back(static_cast<std::uint16_t>((data[i] << 8) | data[i + 1]));
  }
  // Split the words over the planned blocks; the last ones may come up short.
  std::vector<std::vector<std::uint16_t>> blocks;
  std::size_t at = 0;
  for (const auto& b : driver.poll_plan().blocks) {
    const auto n = std::min<std::size_t>(b.count, words.size() - at);
    blocks.emplace_back(words.begin() + static_cast<std::ptrdiff_t>(at),
                        words.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
  }
  const auto decoded = driver.decode_box(blocks);
  if (decoded && decoded->size() != static_cast<std::size_t>(circuits)) __builtin_trap();

  // The same words as a device's register memory, read back after a credit.
  phil::meterlink::FakeMaster master;
  for (std::size_t i = 0; i < words.size() && i < 0x20; ++i) {
    master.set(1, static_cast<std::uint16_t>(0x1000 + i), words[i]);
  }
  (void)driver.read_credit_state(master, 1, 1);
  return 0;
}
