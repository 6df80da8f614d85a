// Fuzz target: arbitrary bytes as a scenario file through the bench's strict loader (fleet,
// accounts, timeline actions and expectations). Any input must either load or raise
// ConfigError; nothing else may escape, crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <phil/bench/scenario.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)phil::bench::load_scenario_text(text, "fuzz.yaml", "fuzz", PHIL_PROFILES_DIR);
  } catch (const phil::yaml::ConfigError&) {
  }
  return 0;
}
