#include "remote_commands.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>
#include <variant>

#include <nlohmann/json.hpp>

#include <phil/common/decimal.hpp>
#include <phil/common/text.hpp>
#include <phil/domain/daily_periods.hpp>
#include <phil/domain/settings.hpp>

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
};

namespace {

constexpr int kOk = 0;
constexpr int kRefused = 1;
constexpr int kUsage = 2;

std::optional<std::int64_t> decimal(const std::string& text, int places, const char* what,
                                    const char* example) {
  const auto v = parse_decimal(text, places);
  if (!v || *v < 0) {
    usage_error(std::string(what) + " \"" + printable(text) +
                "\" is not a non-negative decimal with at most " + std::to_string(places) +
                " places (e.g. " + example + ")");
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::shared_ptr<RemoteCommands> add_remote_commands(CLI::App& cli) {
  auto rc = std::make_shared<RemoteCommands>();
  rc->group = cli.add_subcommand("command", "send a remote command to a meter (through the outbox)")
                  ->require_subcommand(1);
  auto with_meter = [&](const char* name, const char* help) {
    auto* sub = rc->group->add_subcommand(name, help);
    sub->add_option("--meter", rc->meter, "bus/box/circuit, e.g. bus1/4/1")->required();
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

std::optional<int> run_remote_commands(const RemoteCommands& rc, service::Operations& ops,
                                       const service::Actor& actor, bool json) {
  if (rc.read_now->parsed()) return run_read_now(rc, ops, actor, json);
  if (!rc.group->parsed()) return std::nullopt;
  const bool box_level = rc.tou->parsed() || rc.clock->parsed();
  const auto id = box_level ? box_target(rc.box) : meter_arg(rc.meter);
  if (box_level && !id) {
    return usage_error("\"" + printable(rc.box) + "\" is not a box; write bus/box, e.g. bus1/4");
  }
  if (!id) return kUsage;
  domain::CommandPayload payload;
  if (rc.trip->parsed()) {
    payload = domain::ModePayload{domain::RelayCommand::kForcedOff};
  } else if (rc.close->parsed()) {
    payload = domain::ModePayload{domain::RelayCommand::kClose};
  } else if (rc.keep_power->parsed()) {
    payload = domain::ModePayload{domain::RelayCommand::kKeepPower};
  } else if (rc.restore_prepaid->parsed()) {
    payload = domain::ModePayload{domain::RelayCommand::kPrepaid};
  } else if (rc.thresholds->parsed()) {
    const auto a1 = decimal(rc.alarm1, 2, "--alarm1", "20.00");
    const auto a2 = decimal(rc.alarm2, 2, "--alarm2", "5.00");
    if (!a1 || !a2) return kUsage;
    payload = domain::ThresholdsPayload{*a1, *a2, rc.overload_w};
  } else if (rc.price->parsed()) {
    const auto flat = decimal(rc.flat, 4, "--flat", "0.6000");
    if (!flat) return kUsage;
    domain::PricePayload p;
    p.prices.fill(*flat);
    const std::pair<const std::string*, std::size_t> others[] = {
        {&rc.sharp, 0}, {&rc.peak, 1}, {&rc.valley, 3}};
    for (const auto& [text, index] : others) {
      if (text->empty()) continue;
      const auto v = decimal(*text, 4, "price", "0.6000");
      if (!v) return kUsage;
      p.prices[index] = *v;
    }
    payload = p;
  } else if (rc.tou->parsed()) {
    auto p = domain::parse_daily_periods(rc.periods);
    if (!p) {
      return usage_error("--periods \"" + printable(rc.periods) + "\": " + p.error().message);
    }
    payload = domain::TouSchedulePayload{std::move(p.value())};
  } else if (rc.clock->parsed()) {
    payload = domain::ClockPayload{};
  } else {
    return kUsage;
  }
  if (auto bad = domain::check_payload(payload)) return usage_error(*bad);
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

}  // namespace phil::app
