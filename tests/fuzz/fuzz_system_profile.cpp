// Fuzz target: arbitrary bytes through the system's profile decoder and, when a profile decodes,
// the ADF300 driver's read planning for each of its models. Any input must either decode or be
// refused with ConfigError / invalid_argument; nothing else may escape, crash or hang.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include <phil/meterlink/adf300.hpp>
#include <phil/meterlink/profile.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto doc = phil::yaml::Document::load_string(text, "fuzz.yaml");
    const auto profile = phil::meterlink::parse_profile(doc.root());
    for (const auto& model : profile.models) {
      try {
        const phil::meterlink::Adf300Driver driver(profile, model.name);
        for (const auto& b : driver.poll_plan().blocks) {
          if (b.count < 1 || b.count > profile.max_read) __builtin_trap();
        }
      } catch (const std::invalid_argument&) {
      }
    }
  } catch (const phil::yaml::ConfigError&) {
  }
  return 0;
}
