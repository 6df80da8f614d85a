#include "remote_commands.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>
#include <variant>

#include <nlohmann/json.hpp>

#include <phil/common/decimal.hpp>
#include <phil/common/text.hpp>
#include <phil/domain/daily_periods.hpp>
#include <phil/domain/settings.hpp>
#include <phil/report/report.hpp>
#include <phil/service/report_model.hpp>
#include <phil/views/command_fields.hpp>

#include "board_filter_options.hpp"
#include "cli_support.hpp"

namespace phil::app {

struct RemoteCommands {
  CLI::App* group = nullptr;
  CLI::App* trip = nullptr;
  CLI::App* close = nullptr;
  CLI::App* keep_power = nullptr;
  CLI::App* restore_prepaid = nullptr;
  CLI::App* thresholds = nullptr;
  CLI::App* price = nullptr;
  CLI::App* tou = nullptr;
  CLI::App* clock = nullptr;
  CLI::App* read_now = nullptr;
  std::string box;
  std::string periods;
  std::string target;
  int wait_s = 0;
  std::string meter;
  std::string alarm1;
  std::string alarm2;
  std::int64_t overload_w = 0;
  std::string sharp;
  std::string peak;
  std::string flat;
  std::string valley;
  // A batch (issue 14 item 2): the board's filters, a meters file or every meter.
  BoardFilterOptions filter;
  std::string meters_file;
  bool all = false;
  bool yes = false;
  bool dry_run = false;
  std::size_t preview = 10;
  CLI::App* status = nullptr;
  std::int64_t batch = 0;
  std::size_t limit = 20;
  bool csv = false;
  std::string xlsx;
};

namespace {

constexpr int kOk = 0;
constexpr int kRefused = 1;
constexpr int kUsage = 2;

}  // namespace

std::shared_ptr<RemoteCommands> add_remote_commands(CLI::App& cli) {
  auto rc = std::make_shared<RemoteCommands>();
  rc->group = cli.add_subcommand("command", "send a remote command to a meter (through the outbox)")
                  ->require_subcommand(1);
  auto with_meter = [&](const char* name, const char* help) {
    auto* sub = rc->group->add_subcommand(name, help);
    sub->add_option("--meter", rc->meter, "one meter: bus/box/circuit, e.g. bus1/4/1");
    // Or a batch: the status board's filters, a file of meters or every meter.
    add_board_filter_options(*sub, rc->filter);
    sub->add_option("--meters", rc->meters_file,
                    "a batch of the meters in this file: one bus/box/circuit a line, # comments");
    sub->add_flag("--all", rc->all, "a batch of every meter of the site");
    sub->add_flag("--yes", rc->yes, "send the batch without asking (scripts)");
    sub->add_flag("--dry-run", rc->dry_run, "show the batch's preview and send nothing");
    sub->add_option("--preview", rc->preview, "rows of the preview shown (default 10)")
        ->check(CLI::Range(0, 1000));
    return sub;
  };
  rc->trip = with_meter("trip", "open the relay and hold it open (mode forced_off)");
  rc->close =
      with_meter("close", "end a trip: prepaid mode, confirmed when the relay reads closed");
  rc->keep_power = with_meter("keep-power", "hold the relay closed whatever the balance");
  rc->restore_prepaid =
      with_meter("restore-prepaid", "back to prepaid mode: the meter trips by itself at zero");
  rc->thresholds = with_meter("thresholds", "download balance alarm and overload thresholds");
  rc->thresholds->add_option("--alarm1", rc->alarm1, "alarm 1 at balance <= this, yuan")
      ->required();
  rc->thresholds->add_option("--alarm2", rc->alarm2, "alarm 2 at balance <= this, yuan")
      ->required();
  rc->thresholds->add_option("--overload", rc->overload_w, "overload threshold, W")->required();
  rc->price = with_meter("price", "download the price table, yuan/kWh with 4 decimals");
  rc->price->add_option("--flat", rc->flat, "flat price (also the others unless given)")
      ->required();
  rc->price->add_option("--sharp", rc->sharp, "sharp price");
  rc->price->add_option("--peak", rc->peak, "peak price");
  rc->price->add_option("--valley", rc->valley, "valley price");
  rc->tou = rc->group->add_subcommand("tou", "download a box's daily time-of-use table");
  rc->tou->add_option("--box", rc->box, "bus/box, e.g. bus1/4")->required();
  rc->tou->add_option("--periods", rc->periods, "start/rate,..., e.g. 00:00/valley,08:00/peak")
      ->required();
  rc->clock = rc->group->add_subcommand("clock", "set a box's clock to the server's time");
  rc->clock->add_option("--box", rc->box, "bus/box, e.g. bus1/4")->required();
  rc->status = rc->group->add_subcommand(
      "status", "batches: the recent ones, or one with --batch N and where each meter is");
  rc->status->add_option("--batch", rc->batch, "the batch's number")->check(CLI::PositiveNumber);
  rc->status->add_option("--limit", rc->limit, "how many recent batches (default 20)")
      ->check(CLI::Range(1, 1000));
  rc->status->add_flag("--csv", rc->csv, "CSV instead of a table");
  rc->status->add_option("--xlsx", rc->xlsx, "write an Excel workbook to this file");
  rc->read_now = cli.add_subcommand(
      "read-now", "ask the daemon to read a meter, box or bus now (at its next outbox look)");
  rc->read_now->add_option("target", rc->target, "BUS, BUS/BOX or BUS/BOX/CIRCUIT")->required();
  rc->read_now
      ->add_option("--wait", rc->wait_s, "wait up to this many seconds for the result (0..600)")
      ->check(CLI::Range(0, 600));
  return rc;
}

namespace {

/// `read-now TARGET [--wait S]`: stores the request; with --wait, polls its state (every
/// 100 ms, at most S seconds). Exit 0 done (or queued without --wait), 1 refused or failed or
/// still pending when the wait ran out.
int run_read_now(const RemoteCommands& rc, service::Operations& ops, const service::Actor& actor,
                 bool json) {
  const auto r = ops.read_now(actor, rc.target);
  if (!r) return print_refusal(r.error(), json);
  auto view = ops.read_request(actor, r.value());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(rc.wait_s);
  while (rc.wait_s > 0 && view && view.value().state == "pending" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    view = ops.read_request(actor, r.value());
  }
  const std::string state = view ? view.value().state : "pending";
  const std::string result = view ? view.value().result : "";
  const bool ok = state == "done" || (rc.wait_s == 0 && state == "pending");
  if (json) {
    std::cout << json_text(nlohmann::json{{"ok", ok},
                                          {"request", r.value()},
                                          {"target", rc.target},
                                          {"state", state},
                                          {"result", result}})
              << "\n";
  } else if (state == "pending") {
    std::cout << "read-now #" << r.value() << " of " << rc.target << " queued"
              << (rc.wait_s > 0 ? "; the daemon did not run it within --wait (is prepaidd running?)"
                                : "; the daemon runs it within about 0.5 s")
              << "\n";
  } else {
    std::cout << "read-now #" << r.value() << " of " << rc.target << " " << state << ": " << result
              << "\n";
  }
  return ok ? kOk : kRefused;
}

/// "bus1/4" as the box target of a box-level command (circuit 0).
std::optional<domain::MeterId> box_target(const std::string& text) {
  const auto slash = text.rfind('/');
  if (slash == std::string::npos || text.find('/') != slash) return std::nullopt;
  const auto id = domain::MeterId::parse(text + "/1");
  if (!id) return std::nullopt;
  return domain::MeterId{id->bus, id->box, 0};
}

}  // namespace

namespace {

/// The command the options give; nullopt after a usage_error.
std::optional<domain::CommandPayload> payload_of(const RemoteCommands& rc) {
  views::CommandFields f;
  const std::pair<CLI::App*, std::string_view> verbs[] = {{rc.trip, "trip"},
                                                          {rc.close, "close"},
                                                          {rc.keep_power, "keep-power"},
                                                          {rc.restore_prepaid, "restore-prepaid"},
                                                          {rc.thresholds, "thresholds"},
                                                          {rc.price, "price"},
                                                          {rc.tou, "tou"},
                                                          {rc.clock, "clock"}};
  for (const auto& [sub, verb] : verbs) {
    if (sub->parsed()) f.verb = verb;
  }
  if (f.verb.empty()) return std::nullopt;
  f.alarm1 = rc.alarm1;
  f.alarm2 = rc.alarm2;
  f.overload_w = rc.overload_w;
  f.flat = rc.flat;
  f.sharp = rc.sharp;
  f.peak = rc.peak;
  f.valley = rc.valley;
  f.periods = rc.periods;
  auto payload = views::parse_command(f, "--");
  if (!payload) {
    usage_error(payload.error());
    return std::nullopt;
  }
  return std::move(payload).value();
}

/// One command to one meter or box, queued at once.
int run_single(const RemoteCommands& rc, service::Operations& ops, const service::Actor& actor,
               bool json, const domain::CommandPayload& payload) {
  const bool box_level = rc.tou->parsed() || rc.clock->parsed();
  const auto id = box_level ? box_target(rc.box) : meter_arg(rc.meter);
  if (box_level && !id) {
    return usage_error("\"" + printable(rc.box) + "\" is not a box; write bus/box, e.g. bus1/4");
  }
  if (!id) return kUsage;
  const auto r = ops.command(actor, *id, payload);
  if (!r) return print_refusal(r.error(), json);
  const auto kind = std::string(domain::to_string(domain::kind_of(payload)));
  // A price typed by hand is the meter's own tariff now (store::Outbox::enqueue_command).
  const bool price = std::holds_alternative<domain::PricePayload>(payload);
  if (json) {
    nlohmann::json j{{"ok", true},
                     {"command", r.value()},
                     {"kind", kind},
                     {"payload", domain::encode_payload(payload)}};
    if (price) j["tariff"] = domain::manual_tariff_name(*id);
    std::cout << json_text(j) << "\n";
  } else {
    std::cout << kind << " command #" << r.value() << " for " << id->to_string() << " queued ("
              << domain::encode_payload(payload)
              << "); the daemon delivers it and confirms it by reading the meter back\n";
    if (price) {
      std::cout << text::format(text::Id::kPriceIsOwnTariff, id->to_string(),
                                domain::manual_tariff_name(*id))
                << "\n";
    }
  }
  return kOk;
}

/// The meters of a --meters file: one bus/box/circuit a line; blank lines and text after # are
/// ignored. nullopt after a usage_error naming the file and line.
std::optional<std::vector<domain::MeterId>> read_meters_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    usage_error("--meters " + printable(path) + ": cannot read the file; check the path");
    return std::nullopt;
  }
  std::vector<domain::MeterId> out;
  std::map<domain::MeterId, int> first_line;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    const auto begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos) continue;
    const auto end = line.find_last_not_of(" \t\r");
    const auto text = line.substr(begin, end - begin + 1);
    const auto id = domain::MeterId::parse(text);
    const auto where = printable(path) + ":" + std::to_string(n) + ": ";
    if (!id) {
      usage_error(where + "\"" + printable(text) +
                  "\" is not a meter; write one bus/box/circuit a line, e.g. bus1/4/1");
      return std::nullopt;
    }
    if (const auto [it, fresh] = first_line.emplace(*id, n); !fresh) {
      usage_error(where + "meter " + id->to_string() + " is listed twice (first at line " +
                  std::to_string(it->second) + ")");
      return std::nullopt;
    }
    out.push_back(*id);
  }
  return out;
}

/// The preview shown: the first `n` rows, then the refused rows beyond them (at most `n`).
report::Report preview_of(report::Report model, std::size_t n, std::size_t* hidden) {
  std::vector<std::vector<report::Cell>> shown;
  std::size_t refused_shown = 0;
  const auto result_col = model.columns.size() - 1;
  for (std::size_t i = 0; i < model.rows.size(); ++i) {
    const bool refused = !std::holds_alternative<std::monostate>(model.rows[i][result_col]);
    if (i < n || (refused && refused_shown < n)) {
      if (i >= n) ++refused_shown;
      shown.push_back(std::move(model.rows[i]));
    }
  }
  *hidden = model.rows.size() - shown.size();
  model.rows = std::move(shown);
  return model;
}

/// A batch: the preview, the confirmation (unless --yes), then one batch of tracked commands.
int run_batch(const RemoteCommands& rc, service::Operations& ops, const service::Actor& actor,
              bool json, const domain::CommandPayload& payload) {
  const int ways = static_cast<int>(any_filter(rc.filter)) +
                   static_cast<int>(!rc.meters_file.empty()) + static_cast<int>(rc.all);
  if (ways > 1) {
    return usage_error(
        "choose the batch's meters one way: the board's filters, --meters FILE or --all");
  }
  service::BatchSelection selection;
  std::string described;
  if (rc.all) {
    selection.filter = domain::BoardFilter{};
    described = text::format(text::Id::kBatchSelectionAll);
  } else if (!rc.meters_file.empty()) {
    auto meters = read_meters_file(rc.meters_file);
    if (!meters) return kUsage;
    selection.meters = std::move(*meters);
    described = text::format(text::Id::kBatchSelectionFile, rc.meters_file);
  } else {
    selection.filter = board_filter_of(rc.filter);
    if (!selection.filter) return kUsage;
    described = describe(rc.filter);
  }
  const auto plan = ops.plan_batch(actor, selection, payload);
  if (!plan) return print_refusal(plan.error(), json);
  const auto& p = plan.value();
  const auto name = service::command_name(payload);
  const auto to_queue = p.rows.size() - p.refused;
  std::size_t hidden = 0;
  const auto preview = preview_of(service::to_report(p, payload), rc.preview, &hidden);
  const auto preview_json = [&] {
    auto j = nlohmann::json::parse(report::json(preview));
    j["meters"] = p.rows.size();
    j["refused"] = p.refused;
    j["not_shown"] = hidden;
    return j;
  };
  if (!json) {
    std::cout << text::format(text::Id::kBatchPreview, name, domain::encode_payload(payload),
                              p.rows.size(), p.refused)
              << "\n"
              << report::table(preview);
    if (hidden > 0) std::cout << text::format(text::Id::kBatchMore, hidden) << "\n";
  }
  if (rc.dry_run) {
    if (json) {
      std::cout << json_text({{"ok", true}, {"sent", false}, {"preview", preview_json()}}) << "\n";
    }
    return kOk;
  }
  // Not sent: why, on stderr or (with the preview) as JSON.
  const auto not_sent = [&](text::Id why) {
    if (json) {
      std::cout << json_text({{"ok", false},
                              {"sent", false},
                              {"error", text::format(why)},
                              {"preview", preview_json()}})
                << "\n";
    } else {
      std::cerr << text::format(why) << "\n";
    }
    return kRefused;
  };
  if (to_queue == 0) return not_sent(text::Id::kBatchNothingToSend);
  if (!rc.yes) {
    if (json) return not_sent(text::Id::kBatchNotConfirmed);
    std::cout << text::format(text::Id::kBatchConfirm, name, to_queue) << std::flush;
    std::string answer;
    const bool read = static_cast<bool>(std::getline(std::cin, answer));
    std::cout << "\n";
    if (!read || (answer != "yes" && answer != "y")) return not_sent(text::Id::kBatchNotConfirmed);
  }
  std::vector<domain::MeterId> meters;
  meters.reserve(p.rows.size());
  for (const auto& r : p.rows)
    meters.push_back(r.row.meter);
  const auto r = ops.command_batch(actor, meters, payload, described);
  if (!r) return print_refusal(r.error(), json);
  const auto& o = r.value();
  if (json) {
    std::cout << json_text({{"ok", true},
                            {"sent", true},
                            {"batch", o.batch},
                            {"kind", domain::to_string(domain::kind_of(payload))},
                            {"payload", domain::encode_payload(payload)},
                            {"queued", o.queued},
                            {"refused", o.refused}})
              << "\n";
  } else {
    std::cout << text::format(text::Id::kBatchSent, o.batch, name, o.queued, o.refused) << "\n";
  }
  return kOk;
}

/// `command status`: the recent batches, or one batch's members (--batch N).
int run_batch_status(const RemoteCommands& rc, service::Operations& ops,
                     const service::Actor& actor, bool json) {
  if (rc.csv && json) return usage_error("give --csv or --json, not both");
  const bool one = rc.batch > 0;
  const auto view =
      one ? ops.command_batch_status(actor, rc.batch) : ops.command_batches(actor, rc.limit);
  if (!view) return print_refusal(view.error(), json);
  const auto& v = view.value();
  const auto model = one ? service::to_batch_report(v) : service::to_batches_report(v);
  if (!rc.xlsx.empty()) return write_workbook({model}, rc.xlsx, json);
  if (json) {
    auto j = nlohmann::json::parse(report::json(model));
    j["ok"] = true;
    if (one) {
      const auto& b = v.batches.front();
      const auto& p = b.progress;
      j["batch"] = b.id;
      j["done"] = p.done();
      j["progress"] = {{"members", p.total()},     {"pending", p.pending},
                       {"in_flight", p.in_flight}, {"confirmed", p.confirmed},
                       {"failed", p.failed},       {"superseded", p.superseded},
                       {"refused", p.refused}};
    }
    std::cout << json_text(j) << "\n";
  } else if (rc.csv) {
    std::cout << report::csv(model);
  } else if (one) {
    const auto& b = v.batches.front();
    const auto& p = b.progress;
    std::cout << text::format(text::Id::kBatchProgress, b.id, p.total(), p.confirmed,
                              p.pending + p.in_flight, p.failed, p.superseded, p.refused)
              << " (" << text::format(p.done() ? text::Id::kBatchDone : text::Id::kBatchRunning)
              << ")\n"
              << report::table(model);
  } else if (v.batches.empty()) {
    std::cout << text::format(text::Id::kBatchNone) << "\n";
  } else {
    std::cout << report::table(model);
  }
  return kOk;
}

}  // namespace

bool remote_view_parsed(const RemoteCommands& rc) {
  return rc.status->parsed();
}

std::optional<int> run_remote_commands(const RemoteCommands& rc, service::Operations& ops,
                                       const service::Actor& actor, bool json) {
  if (rc.read_now->parsed()) return run_read_now(rc, ops, actor, json);
  if (!rc.group->parsed()) return std::nullopt;
  if (rc.status->parsed()) return run_batch_status(rc, ops, actor, json);
  const bool box_level = rc.tou->parsed() || rc.clock->parsed();
  const bool batch = !box_level && (any_filter(rc.filter) || !rc.meters_file.empty() || rc.all);
  if (!box_level && !batch && rc.meter.empty()) {
    return usage_error(
        "give --meter bus/box/circuit for one meter, or choose the meters of a batch with the "
        "board's filters (e.g. --status arrears --floor 4), --meters FILE or --all");
  }
  if (batch && !rc.meter.empty()) {
    return usage_error("give --meter for one meter, or a batch's selection, not both");
  }
  if (!batch && (rc.yes || rc.dry_run)) {
    return usage_error("--yes and --dry-run are for batches; a single command is queued at once");
  }
  const auto payload = payload_of(rc);
  if (!payload) return kUsage;
  return batch ? run_batch(rc, ops, actor, json, *payload)
               : run_single(rc, ops, actor, json, *payload);
}

}  // namespace phil::app
