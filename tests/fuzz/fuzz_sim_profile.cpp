// Fuzz target: arbitrary bytes through the simulator's profile decoder and, when a profile
// decodes, the register map of each model (what `adf300-sim --dump-map` prints). Any input must
// either decode or be refused with ConfigError; nothing else may escape, crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <phil/sim/profile.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto doc = phil::yaml::Document::load_string(text, "fuzz.yaml");
    const auto profile = phil::sim::parse_profile(doc.root(), "fuzz.yaml");
    for (const auto& model : profile.models) {
      const std::string csv = phil::sim::register_map_csv(profile, model);
      if (csv.empty()) __builtin_trap();
      for (const auto* r : profile.circuit_registers(model)) {
        if (!phil::sim::has_register(model, *r)) __builtin_trap();
      }
    }
  } catch (const phil::yaml::ConfigError&) {
  }
  return 0;
}
