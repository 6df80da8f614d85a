// Fuzz target: arbitrary bytes through the strict YAML reader. Any input must either parse or
// raise ConfigError; nothing else may escape, crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <phil/common/yaml.hpp>

namespace {

void walk(const phil::yaml::Node& n, int depth) {
  if (depth > 64) return;
  if (n.is_map()) {
    phil::yaml::Map m(n);
    for (const auto& k : n.keys()) {
      if (auto child = m.optional(k)) walk(*child, depth + 1);
    }
    m.finish();
  } else if (n.is_sequence()) {
    for (const auto& e : n.elements())
      walk(e, depth + 1);
  } else if (n.is_scalar()) {
    try {
      (void)n.as_int(-1000, 1000);
    } catch (const phil::yaml::ConfigError&) {
    }
    try {
      (void)n.as_duration();
    } catch (const phil::yaml::ConfigError&) {
    }
    try {
      (void)n.as_decimal(2);
    } catch (const phil::yaml::ConfigError&) {
    }
    try {
      (void)n.as_timestamp();
    } catch (const phil::yaml::ConfigError&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto doc = phil::yaml::Document::load_string(text, "fuzz.yaml");
    walk(doc.root(), 0);
  } catch (const phil::yaml::ConfigError&) {
  }
  return 0;
}
