// Fuzz target: arbitrary bytes through the site model decoder of `prepaidctl site import` and,
// when a model decodes, the domain's own check of it. Any input must either decode to a model
// the domain accepts or be refused with ConfigError; nothing else may escape, crash or hang.
// The corpus reaches every section, the tenant accounts (`accounts:`, refused when a meter is
// claimed twice) included; a decoded model's accounts are checked by the domain as well.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <phil/common/yaml.hpp>
#include <phil/domain/site_model.hpp>

#include "site_model_yaml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto doc = phil::yaml::Document::load_string(text, "fuzz.yaml");
    const auto model = phil::app::parse_site_model(doc.root());
    if (!phil::domain::check_site_model(model).empty()) __builtin_trap();
  } catch (const phil::yaml::ConfigError&) {
  }
  return 0;
}
