#include "board_filter_options.hpp"

#include <array>
#include <utility>

#include "cli_support.hpp"

namespace phil::app {

void add_board_filter_options(CLI::App& cmd, BoardFilterOptions& o) {
  cmd.add_option("--building", o.building, "meters of this building (id)");
  cmd.add_option("--floor", o.floor, "meters of this floor (number)");
  cmd.add_option("--bus", o.bus, "meters on this bus");
  cmd.add_option("--box", o.box, "meters of this box: BUS/BOX, or its address");
  cmd.add_option("--status", o.status, "normal, alarm1, alarm2, arrears, not_opened or offline");
  cmd.add_option("--account", o.account, "meters of this account");
  cmd.add_option("--text", o.text,
                 "meter, account, tenant, room, building or comm manager containing this");
}

namespace {

std::array<std::pair<const char*, const std::string*>, 7> fields(const BoardFilterOptions& o) {
  return {{{"--building", &o.building},
           {"--floor", &o.floor},
           {"--bus", &o.bus},
           {"--box", &o.box},
           {"--status", &o.status},
           {"--account", &o.account},
           {"--text", &o.text}}};
}

}  // namespace

std::string describe(const BoardFilterOptions& o) {
  std::string out;
  for (const auto& [name, value] : fields(o)) {
    if (value->empty()) continue;
    if (!out.empty()) out += " ";
    out += std::string(name) + " " + *value;
  }
  return out;
}

std::optional<domain::BoardFilter> board_filter_of(const BoardFilterOptions& c) {
  auto f = views::parse_board_filter(c, "--");
  if (!f) {
    usage_error(f.error());
    return std::nullopt;
  }
  return std::move(f).value();
}

}  // namespace phil::app
