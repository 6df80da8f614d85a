#include <array>
#include <charconv>
#include <utility>

#include <phil/common/utf8.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/views/board_filter.hpp>

namespace phil::views {

namespace {

using Parsed = phil::Expected<domain::BoardFilter, std::string>;

std::optional<int> whole_number(std::string_view s) {
  int n = 0;
  const auto* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, n);
  if (ec != std::errc() || p != end) return std::nullopt;
  return n;
}

std::string quoted(std::string_view s) {
  return "\"" + utf8::escaped(s) + "\"";
}

}  // namespace

bool any_filter(const BoardFilterFields& f) {
  for (const auto* v : {&f.building, &f.floor, &f.bus, &f.box, &f.status, &f.account, &f.text}) {
    if (!v->empty()) return true;
  }
  return false;
}

std::optional<domain::MeterId> parse_box_id(std::string_view text) {
  // A box id is a meter id without the circuit: the same rules for the bus and the address.
  const std::string with_circuit = std::string(text) + "/1";
  auto id = text.find('/') == std::string_view::npos ? std::nullopt
                                                     : domain::MeterId::parse(with_circuit);
  if (!id || id->to_string() != with_circuit) return std::nullopt;
  id->circuit = 0;
  return id;
}

Parsed parse_board_filter(const BoardFilterFields& c, std::string_view prefix) {
  const std::string pre(prefix);
  domain::BoardFilter f;
  if (!c.building.empty()) f.building = c.building;
  if (!c.bus.empty()) f.bus = c.bus;
  if (!c.account.empty()) f.account = c.account;
  if (!c.text.empty()) f.text = c.text;
  if (!c.floor.empty()) {
    f.floor = whole_number(c.floor);
    if (!f.floor) {
      return pre + "floor " + quoted(c.floor) + " is not a floor number; e.g. " + pre + "floor 4";
    }
  }
  if (!c.box.empty()) {
    if (c.box.find('/') == std::string::npos) {
      const auto n = whole_number(c.box);
      if (!n || *n < 1 || *n > 247) {
        return pre + "box " + quoted(c.box) +
               " is not a box; give BUS/BOX (e.g. bus1/4) or the address 1..247";
      }
      f.box = *n;
    } else {
      const auto id = parse_box_id(c.box);
      if (!id) {
        return pre + "box " + quoted(c.box) +
               " is not a box id; write bus/box (the box's Modbus address 1..247), e.g. bus1/4";
      }
      if (f.bus && *f.bus != id->bus) {
        return pre + "box " + quoted(c.box) + " is not on " + pre + "bus " + quoted(*f.bus);
      }
      f.bus = id->bus;
      f.box = id->box;
    }
  }
  if (!c.status.empty()) {
    f.status = domain::parse_meter_status(c.status);
    if (!f.status) {
      return pre + "status " + quoted(c.status) +
             " is not a status; give normal, alarm1, alarm2, arrears, not_opened or offline";
    }
  }
  return f;
}

}  // namespace phil::views
