#include "prepaidctl_status.hpp"

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <phil/common/text.hpp>
#include <phil/common/time.hpp>
#include <phil/domain/status_board.hpp>
#include <phil/report/report.hpp>
#include <phil/service/operations.hpp>
#include <phil/service/report_model.hpp>
#include <phil/views/json_views.hpp>

#include "board_filter_options.hpp"
#include "cli_support.hpp"

namespace phil::app {

namespace {

using domain::BoardRow;
using domain::MeterStatus;
using nlohmann::json;

constexpr int kOk = 0;
constexpr int kUsage = 2;

/// The ANSI colour of a status: green, yellow, magenta, red, plain white, grey.
std::string_view status_colour(MeterStatus s) {
  switch (s) {
    case MeterStatus::kNormal:
      return "\x1b[32m";
    case MeterStatus::kAlarm1:
      return "\x1b[33m";
    case MeterStatus::kAlarm2:
      return "\x1b[35m";
    case MeterStatus::kArrears:
      return "\x1b[1;31m";
    case MeterStatus::kNotOpened:
      return "\x1b[37m";
    case MeterStatus::kOffline:
      return "\x1b[90m";
  }
  return "";
}

constexpr std::string_view kReset = "\x1b[0m";

using report::display_width;
using report::padded;
using service::mode_text;
using service::status_text;

/// How long before `now` the reading was: "12 min", "3 h 5 min", "2 d 4 h".
std::string age_text(TimePoint read_at, TimePoint now) {
  return duration_text(now - read_at);
}

std::string actions_text(const BoardRow& r) {
  return views::board_actions_text(r);
}

/// One meter's cells as a person reads them (the table's and the CSV's).
struct Cells {
  std::string meter, room, account, tenant, status, balance, relay, mode, read_at, age, action;
};

Cells cells(const BoardRow& r, const service::StatusBoard& b) {
  Cells c;
  c.meter = r.meter.to_string();
  c.room = printable(r.room.value_or(""));
  c.account = printable(r.account.value_or(""));
  c.tenant = printable(r.tenant);
  c.status = std::string(text::pattern(status_text(r.status)));
  c.balance = r.balance_fen    ? yuan(*r.balance_fen)
              : r.energy_meter ? std::string(text::pattern(text::Id::kBoardEnergyMeter))
                               : "";
  if (r.relay_closed) {
    c.relay = text::pattern(*r.relay_closed ? text::Id::kRelayClosed : text::Id::kRelayOpen);
  }
  if (r.mode) c.mode = text::pattern(mode_text(*r.mode));
  if (r.read_at) {
    c.read_at = format_timestamp(*r.read_at, b.utc_offset);
    // How old what the row shows is: its state, read by a status scan since the reading too.
    c.age = age_text(r.state_at.value_or(*r.read_at), b.as_of);
  } else {
    c.read_at = text::pattern(text::Id::kNeverRead);
  }
  c.action = printable(actions_text(r));
  return c;
}

std::vector<const BoardRow*> all_rows(const service::StatusBoard& b) {
  std::vector<const BoardRow*> out;
  for (const auto& building : b.buildings) {
    for (const auto& floor : building.floors) {
      for (const auto& box : floor.boxes) {
        for (const auto& m : box.meters)
          out.push_back(&m);
      }
    }
  }
  return out;
}

json row_json(const BoardRow& r, const service::StatusBoard& b) {
  return views::board_row_json(r, b);
}

void print_csv(const service::StatusBoard& b) {
  std::cout << "building,floor,bus,box,circuit,meter,room,account,tenant,status,balance,relay,mode,"
               "read_at,age_s,action\n";
  for (const auto* r : all_rows(b)) {
    const auto j = row_json(*r, b);
    const auto field = [&](const char* key) {
      const auto& v = j.at(key);
      if (v.is_null()) return std::string();
      return v.is_string() ? v.get<std::string>() : v.dump();
    };
    std::cout << csv(field("building")) << "," << field("floor") << "," << csv(r->meter.bus) << ","
              << r->meter.box << "," << r->meter.circuit << "," << csv(field("meter")) << ","
              << csv(field("room")) << "," << csv(field("account")) << "," << csv(field("tenant"))
              << "," << field("status") << "," << field("balance") << "," << field("relay") << ","
              << field("mode") << "," << csv(field("read_at")) << "," << field("age_s") << ","
              << csv(field("action_text")) << "\n";
  }
}

/// The statuses in their colours (or plain), with their counts: "normal 3  alarm 1 1 ...".
std::string legend(const service::StatusBoard& b, bool colour, bool with_counts) {
  std::string out;
  for (const auto s : domain::kBoardStatuses) {
    if (!out.empty()) out += "  ";
    std::string name(text::pattern(status_text(s)));
    if (with_counts) name += " " + std::to_string(b.counts.of(s));
    out += colour ? std::string(status_colour(s)) + "\xe2\x96\xa0 " + name + std::string(kReset)
                  : name;
  }
  return out;
}

void print_table(const service::StatusBoard& b, bool colour) {
  std::vector<std::string> headers;
  for (const auto id : {text::Id::kBoardMeter, text::Id::kBoardRoom, text::Id::kBoardAccount,
                        text::Id::kBoardTenant, text::Id::kBoardStatus, text::Id::kBoardBalance,
                        text::Id::kBoardRelay, text::Id::kBoardMode, text::Id::kBoardReadAt,
                        text::Id::kBoardAge, text::Id::kBoardAction})
    headers.emplace_back(text::pattern(id));
  std::vector<std::size_t> width(headers.size());
  for (std::size_t i = 0; i < headers.size(); ++i)
    width[i] = display_width(headers[i]);
  const auto values = [&](const BoardRow& r) {
    auto c = cells(r, b);
    return std::vector<std::string>{c.meter, c.room, c.account, c.tenant, c.status, c.balance,
                                    c.relay, c.mode, c.read_at, c.age,    c.action};
  };
  for (const auto* r : all_rows(b)) {
    const auto v = values(*r);
    for (std::size_t i = 0; i < v.size(); ++i)
      width[i] = std::max(width[i], display_width(v[i]));
  }
  const auto line = [&](const std::vector<std::string>& v, std::optional<MeterStatus> s) {
    std::string out = "    ";
    for (std::size_t i = 0; i < v.size(); ++i) {
      const auto cell = i + 1 == v.size() ? v[i] : padded(v[i], width[i]);
      if (i == 4 && s && colour) {
        out += status_colour(*s);
        out += cell;
        out += kReset;
      } else {
        out += cell;
      }
      if (i + 1 < v.size()) out += "  ";
    }
    while (!out.empty() && out.back() == ' ')
      out.pop_back();
    std::cout << out << "\n";
  };
  std::cout << text::format(text::Id::kBoardLegend, legend(b, colour, false)) << "\n";
  std::cout << text::format(text::Id::kBoardCounts, b.counts.total, legend(b, false, true)) << "\n";
  if (b.counts.total == 0) {
    std::cout << text::pattern(text::Id::kBoardEmpty) << "\n";
    return;
  }
  line(headers, std::nullopt);
  for (const auto& building : b.buildings) {
    std::cout << (building.building
                      ? text::format(text::Id::kBoardBuilding, printable(*building.building))
                      : std::string(text::pattern(text::Id::kBoardNoBuilding)))
              << "\n";
    for (const auto& floor : building.floors) {
      std::cout << "  "
                << (floor.floor ? text::format(text::Id::kBoardFloor, *floor.floor)
                                : std::string(text::pattern(text::Id::kBoardNoFloor)))
                << "\n";
      for (const auto& box : floor.boxes) {
        std::cout << "   "
                  << text::format(text::Id::kBoardBox,
                                  printable(box.bus) + "/" + std::to_string(box.box))
                  << "\n";
        for (const auto& m : box.meters)
          line(values(m), m.status);
      }
    }
  }
}

bool colour_wanted(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_colour = std::getenv("NO_COLOR");  // NOLINT(concurrency-mt-unsafe): one thread
  return isatty(STDOUT_FILENO) != 0 && (no_colour == nullptr || *no_colour == '\0');
}

}  // namespace

std::unique_ptr<StatusCommand> add_status_command(CLI::App& cli) {
  auto c = std::make_unique<StatusCommand>();
  c->status = cli.add_subcommand(
      "status", "the status board: every meter by building, floor and box, coloured by status");
  add_board_filter_options(*c->status, c->filter);
  c->status
      ->add_option("--color", c->color,
                   "colours: auto (on a terminal, unless NO_COLOR), "
                   "always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  c->status->add_flag("--csv", c->csv, "CSV instead of a table");
  return c;
}

bool status_command_parsed(const StatusCommand& c) {
  return c.status->parsed();
}

int run_status_command(const StatusCommand& c, const AdminTarget& t) {
  if (c.csv && t.json) return usage_error("give --csv or --json, not both");
  const auto filter = board_filter_of(c.filter);
  if (!filter) return kUsage;
  std::optional<service::SiteConfig> site;
  if (t.config) {
    site = load_site_or_report(*t.config, t.profiles);
    if (!site) return kUsage;
  }
  const auto opened =
      open_operations(t.db, site, t.clock, "cannot open the database", Access::kView);
  if (!opened.ops) return opened.exit_code;
  try {
    const auto board = opened.ops->status_board(t.actor, *filter);
    if (!board) return print_refusal(board.error(), t.json);
    if (t.json) {
      std::cout << json_text(views::board_json(board.value())) << "\n";
    } else if (c.csv) {
      print_csv(board.value());
    } else {
      print_table(board.value(), colour_wanted(c.color));
    }
  } catch (const store::StoreError& e) {
    print_failure(std::string("database error: ") + e.what(), t.json);
    return kExitRefused;
  }
  return kOk;
}

}  // namespace phil::app
