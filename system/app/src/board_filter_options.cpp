#include "board_filter_options.hpp"

#include <array>
#include <charconv>
#include <utility>

#include "cli_support.hpp"

namespace phil::app {

void add_board_filter_options(CLI::App& cmd, BoardFilterOptions& o) {
  cmd.add_option("--building", o.building, "meters of this building (id)");
  cmd.add_option("--floor", o.floor, "meters of this floor (number)");
  cmd.add_option("--bus", o.bus, "meters on this bus");
  cmd.add_option("--box", o.box, "meters of this box: BUS/BOX, or its address");
  cmd.add_option("--status", o.status_name,
                 "normal, alarm1, alarm2, arrears, not_opened or offline");
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
           {"--status", &o.status_name},
           {"--account", &o.account},
           {"--text", &o.text}}};
}

}  // namespace

bool any_filter(const BoardFilterOptions& o) {
  for (const auto& [name, value] : fields(o)) {
    if (!value->empty()) return true;
  }
  return false;
}

std::string describe(const BoardFilterOptions& o) {
  std::string out;
  for (const auto& [name, value] : fields(o)) {
    if (value->empty()) continue;
    if (!out.empty()) out += " ";
    out += std::string(name) + " " + *value;
  }
  return out;
}

/// The filter of the options; nullopt after a usage_error.
std::optional<domain::BoardFilter> board_filter_of(const BoardFilterOptions& c) {
  domain::BoardFilter f;
  if (!c.building.empty()) f.building = c.building;
  if (!c.bus.empty()) f.bus = c.bus;
  if (!c.account.empty()) f.account = c.account;
  if (!c.text.empty()) f.text = c.text;
  if (!c.floor.empty()) {
    int n = 0;
    const auto* end = c.floor.data() + c.floor.size();
    const auto [p, ec] = std::from_chars(c.floor.data(), end, n);
    if (ec != std::errc() || p != end) {
      usage_error("--floor \"" + printable(c.floor) + "\" is not a floor number; e.g. --floor 4");
      return std::nullopt;
    }
    f.floor = n;
  }
  if (!c.box.empty()) {
    if (c.box.find('/') == std::string::npos) {
      int n = 0;
      const auto* end = c.box.data() + c.box.size();
      const auto [p, ec] = std::from_chars(c.box.data(), end, n);
      if (ec != std::errc() || p != end || n < 1 || n > 247) {
        usage_error("--box \"" + printable(c.box) +
                    "\" is not a box; give BUS/BOX (e.g. bus1/4) or the address 1..247");
        return std::nullopt;
      }
      f.box = n;
    } else {
      const auto id = box_arg(c.box);
      if (!id) return std::nullopt;
      if (f.bus && *f.bus != id->bus) {
        usage_error("--box " + printable(c.box) + " is not on --bus " + printable(*f.bus));
        return std::nullopt;
      }
      f.bus = id->bus;
      f.box = id->box;
    }
  }
  if (!c.status_name.empty()) {
    f.status = domain::parse_meter_status(c.status_name);
    if (!f.status) {
      usage_error("--status \"" + printable(c.status_name) +
                  "\" is not a status; give normal, alarm1, alarm2, arrears, not_opened or "
                  "offline");
      return std::nullopt;
    }
  }
  return f;
}

}  // namespace phil::app
