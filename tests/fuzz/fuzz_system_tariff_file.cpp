// Fuzz target: arbitrary bytes through the tariff file decoder of `prepaidctl tariff add --file`.
// Any input must either decode to a tariff the domain accepts (check_tariff) or be refused with
// ConfigError; nothing else may escape, crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <phil/common/yaml.hpp>
#include <phil/domain/tariff.hpp>
#include <phil/service/tariff_file.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto doc = phil::yaml::Document::load_string(text, "fuzz.yaml");
    const auto file = phil::service::parse_tariff_file(doc.root());
    if (file.name.empty() || phil::domain::check_tariff(file.tariff)) __builtin_trap();
  } catch (const phil::yaml::ConfigError&) {
  }
  return 0;
}
