#pragma once
// A remote command as a person names it (prepaidctl command VERB --options, the API's JSON body),
// read into domain::CommandPayload with one set of rules and messages.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <phil/common/expected.hpp>
#include <phil/domain/outbox.hpp>

namespace phil::views {

/// The command verbs, as prepaidctl names its subcommands and the API its "command" values:
/// trip, close, keep-power, restore-prepaid, thresholds, price, tou, clock.
inline constexpr std::string_view kCommandVerbs[] = {
    "trip", "close", "keep-power", "restore-prepaid", "thresholds", "price", "tou", "clock"};

/// The fields of a command; only those of its verb are read.
struct CommandFields {
  std::string verb;
  std::string alarm1;           ///< thresholds: yuan, 2 decimals
  std::string alarm2;           ///< thresholds: yuan, 2 decimals
  std::int64_t overload_w = 0;  ///< thresholds: W
  std::string flat;             ///< price: yuan/kWh, 4 decimals (also the others unless given)
  std::string sharp;            ///< price, optional
  std::string peak;             ///< price, optional
  std::string valley;           ///< price, optional
  std::string periods;          ///< tou: "00:00/valley,08:00/peak"
};

/// The payload, checked by domain::check_payload; else a message naming the field as `prefix` +
/// its name ("--alarm1", "alarm1"), the value and an example.
phil::Expected<domain::CommandPayload, std::string> parse_command(const CommandFields& f,
                                                                  std::string_view prefix);

/// True for the verbs that go to a box, not a meter (tou, clock).
bool box_command(std::string_view verb);

}  // namespace phil::views
