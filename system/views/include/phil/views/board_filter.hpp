#pragma once
// The status board's filter as a person types it (prepaidctl's --building ... options, the API's
// query parameters), read into domain::BoardFilter with one set of rules and messages.
#include <string>
#include <string_view>

#include <phil/common/expected.hpp>
#include <phil/domain/status_board.hpp>

namespace phil::views {

/// Each field as typed; empty: not given.
struct BoardFilterFields {
  std::string building;
  std::string floor;  ///< a floor number
  std::string bus;
  std::string box;     ///< "BUS/BOX", or the box's address 1..247 on every bus
  std::string status;  ///< normal, alarm1, alarm2, arrears, not_opened, offline
  std::string account;
  std::string text;  ///< meter, account, tenant, room, building or comm manager containing it
};

/// True if any field was given.
bool any_filter(const BoardFilterFields& f);

/// The filter of the fields, or a message naming the field as `prefix` + its name ("--floor" for
/// prepaidctl, "floor" for the API) with the value and an example of a good one.
phil::Expected<domain::BoardFilter, std::string> parse_board_filter(const BoardFilterFields& f,
                                                                    std::string_view prefix);

/// A box id "bus1/4" as a MeterId with circuit 0; nullopt if it is not one.
std::optional<domain::MeterId> parse_box_id(std::string_view text);

}  // namespace phil::views
