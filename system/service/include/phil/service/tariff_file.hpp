#pragma once
// The tariff file of `prepaidctl tariff add --file` (and of the bench's `tariff` step) (strict
// YAML: unknown keys, wrong types and values out of range are errors with file:line:col and the key
// path). One file is one tariff version, the same as the flag form of `tariff add`. Format:
//
//   name: residential
//   from: 2026-03-01T00:00:00+08:00   # when it takes effect, with its UTC offset
//   rates:                            # TOU prices, yuan/kWh, at most 4 decimals
//     sharp: "1.2000"
//     peak: "0.9000"
//     flat: "0.6000"
//     valley: "0.3000"
//   periods:                          # the daily table: start HH:MM -> rate, first at 00:00,
//     "00:00": valley                 # starts increasing (at most 14 rows)
//     "08:00": peak
//   tiers:                            # optional; without it the tariff has no tiers
//     period: monthly                 # monthly | yearly | none
//     reset_month: 1                  # yearly only: 1..12 (default 1)
//     reset_day: 1                    # 1..28 (default 1)
//     steps:                          # from that many kWh in the period on, the surcharge
//       - {from_kwh: 0, surcharge: "0"}          # kWh: at most 3 decimals; the first from 0
//       - {from_kwh: 200, surcharge: "0.0500"}   # yuan/kWh: at most 4 decimals, >= 0
//
// A single price instead of TOU: `price: "0.6000"` in place of `rates` and `periods`.
// Prices and kWh may be written quoted or not: either way the text as written is parsed exactly
// (never through a float), so `0.6` and `"0.6000"` are the same price; more decimals than allowed
// are an error, not rounded. Quoting is recommended (it keeps YAML tools from reformatting them).
#include <optional>
#include <string>
#include <string_view>

#include <phil/common/time.hpp>
#include <phil/common/yaml.hpp>
#include <phil/domain/tariff.hpp>

namespace phil::service {

/// One tariff version as described by a file (or by the flags of `tariff add`).
struct TariffFile {
  std::string name;
  ZonedTime from;
  domain::Tariff tariff;  ///< passes domain::check_tariff
};

/// "HH:MM" (00:00 .. 23:59) -> minute of the day.
std::optional<int> parse_time_of_day(std::string_view s);

/// Decodes a tariff node. Throws yaml::ConfigError (also for a tariff check_tariff refuses).
TariffFile parse_tariff_file(const yaml::Node& root);
/// The same without `from` (an error if present): the tariff of a scenario step, which takes
/// effect when the step runs. The result's `from` is left default.
TariffFile parse_tariff_undated(const yaml::Node& root);
/// Loads a tariff file. Throws yaml::ConfigError.
TariffFile load_tariff_file(const std::string& path);

}  // namespace phil::service
