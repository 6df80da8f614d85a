// prepaidctl's `meter show`, and the helpers the views share (prepaidctl_views.hpp).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <variant>

#include <nlohmann/json.hpp>

#include <phil/common/decimal.hpp>
#include <phil/common/text.hpp>
#include <phil/domain/box_identity.hpp>
#include <phil/domain/money.hpp>
#include <phil/domain/settings.hpp>
#include <phil/service/operations.hpp>
#include <phil/views/json_views.hpp>

#include "cli_support.hpp"
#include "prepaidctl_views.hpp"

namespace phil::app {

using domain::MeterId;
using nlohmann::json;

std::string when(TimePoint t) {
  return format_timestamp(t, std::chrono::minutes(0));
}

json opt(const std::optional<std::string>& v) {
  return views::opt(v);
}

json command_json(const store::CommandRecord& c) {
  return views::command_json(c);
}

/// The meter's record, or nullopt if it is not configured.
std::optional<store::MeterRecord> meter_or_none(const service::Operations& ops,
                                                const service::Actor& actor, const MeterId& id) {
  auto m = ops.meter(actor, id);
  if (!m) return std::nullopt;
  return std::move(m.value());
}

namespace {

/// What `meter show` shows of one meter.
struct MeterShow {
  domain::MeterId id;
  store::MeterRecord meter;
  store::MeterPlacement place;
  std::vector<store::CommandRecord> commands;              ///< the last 5
  std::vector<store::EventRecord> events;                  ///< the last 5
  std::optional<std::int64_t> balance;                     ///< its account's ledger balance
  std::optional<service::Operations::MeterTariff> tariff;  ///< the tariff in force now
  std::optional<store::ConversionRecord> conversion;       ///< its register's newest emptying
  std::optional<store::BoxIdentityRecord> box;             ///< its box's identity, if read
};

/// The emptying of the register after a switch to host-side, or its filling on the way back, as
/// one line; "" if an emptying was cancelled.
std::string conversion_text(const store::ConversionRecord& c) {
  if (c.back) {
    if (c.outcome.empty()) {
      return text::format(
          text::Id::kRegisterFilling, printable(c.reason), when(c.started_at),
          c.debit_command ? "command #" + std::to_string(*c.debit_command)
                          : std::string("waits for a reading off prepaid mode and out of arrears"),
          yuan(c.moved_fen));
    }
    if (c.outcome == "filled") {
      return text::format(text::Id::kRegisterFilled, yuan(c.moved_fen),
                          when(c.finished_at.value_or(c.started_at)));
    }
    return text::format(text::Id::kRegisterNotFilled, printable(c.why));
  }
  if (c.outcome.empty()) {
    return text::format(text::Id::kRegisterEmptying, printable(c.reason), when(c.started_at),
                        c.debit_command ? "debit #" + std::to_string(*c.debit_command)
                                        : std::string("waits for a reading off prepaid mode"));
  }
  if (c.outcome == "emptied") {
    return text::format(text::Id::kRegisterEmptied, yuan(c.emptied_fen.value_or(0)),
                        when(c.finished_at.value_or(c.started_at)));
  }
  if (c.outcome == "blocked") return text::format(text::Id::kRegisterNotEmptied, printable(c.why));
  return "";
}

std::string box_of(const MeterShow& s) {
  return s.id.bus + "/" + std::to_string(s.id.box);
}

/// "ACTION REQUIRED: ..." for an on-site swap not completed yet; nullopt if none.
std::optional<std::string> swap_text(const MeterShow& s) {
  const auto& place = s.place;
  if (!place.swap_action) return std::nullopt;
  const bool meter_side = place.billing_mode == domain::BillingMode::kMeterSide;
  const auto fen =
      s.meter.account ? domain::swap_credit_fen(*place.swap_action, meter_side) : std::int64_t{0};
  const auto what = fen > 0 ? text::format(text::Id::kSwapMovesBalance, yuan(fen))
                            : std::string(text::pattern(text::Id::kSwapMovesNothing));
  return text::format(text::Id::kSwapActionRequired,
                      place.swap_detected_at ? when(*place.swap_detected_at) : "?", what,
                      "prepaidctl meter replace " + s.id.to_string() + " --in-place");
}

/// The box's billing stopped by an identity mismatch; nullopt if it is billed.
std::optional<std::string> box_stopped_text(const MeterShow& s) {
  if (!s.box || !s.box->mismatch) return std::nullopt;
  return text::format(text::Id::kBoxBillingStopped, box_of(s),
                      s.box->mismatch_at ? when(*s.box->mismatch_at) : "?", *s.box->mismatch);
}

json box_json(const MeterShow& s) {
  if (!s.box) return json();
  const auto& b = *s.box;
  return {{"box", box_of(s)},
          {"model_code", b.reported ? json(b.reported->model_code) : json()},
          {"circuits", b.reported ? json(b.reported->circuits) : json()},
          {"read_at", b.read_at ? json(when(*b.read_at)) : json()},
          {"billing_stopped", b.mismatch.has_value()},
          {"mismatch", b.mismatch ? json(*b.mismatch) : json()},
          {"confirmed_by", b.confirmed_by ? json(*b.confirmed_by) : json()}};
}

/// "sharp 1.2000, peak 0.9000, flat 0.6000, valley 0.3000 yuan/kWh".
std::string prices_text(const domain::PricePayload& p) {
  return "sharp " + format_decimal(p.prices[0], 4) + ", peak " + format_decimal(p.prices[1], 4) +
         ", flat " + format_decimal(p.prices[2], 4) + ", valley " + format_decimal(p.prices[3], 4) +
         " yuan/kWh";
}

json prices_json(const domain::PricePayload& p) {
  return {{"sharp", p.prices[0]},
          {"peak", p.prices[1]},
          {"flat", p.prices[2]},
          {"valley", p.prices[3]}};
}

/// The price table the stored tariff asks of the meter (nullopt: none, or tiered).
std::optional<domain::PricePayload> stored_prices(const MeterShow& s) {
  return s.tariff ? domain::price_table(s.tariff->tariff) : std::nullopt;
}

json thresholds_json(const domain::Thresholds& t) {
  return {{"alarm1_fen", t.alarm1_fen}, {"alarm2_fen", t.alarm2_fen}, {"overload_w", t.overload_w}};
}

/// "equal", "differ" or "unknown": the thresholds on the meter against the stored ones.
std::string_view thresholds_state(const store::MeterPlacement& place) {
  if (!place.on_meter_thresholds) return "unknown";
  return domain::thresholds_differ(place.thresholds, place.on_meter_thresholds) ? "differ"
                                                                                : "equal";
}

void print_meter_json(const MeterShow& s) {
  const auto& m = s.meter;
  const auto& place = s.place;
  const auto& r = m.last;
  json j{
      {"meter", s.id.to_string()},
      {"status", domain::to_string(m.status)},
      {"account", opt(m.account)},
      {"ever_read", m.read_at.has_value()},
      {"read_at", m.read_at ? when(*m.read_at) : "never"},
      {"energy_wh", r.energy_wh},
      {"power_w", r.power_w},
      {"balance_fen", r.balance_fen},
      {"relay_closed", r.relay_closed},
      {"mode", domain::to_string(r.mode)},
      {"purchase_count", r.purchase_count},
      {"failed_cycles", m.failed_cycles},
      {"billing_mode", domain::to_string(place.billing_mode)},
      {"room", opt(place.room)},
      {"building", opt(place.building)},
      {"floor", place.floor ? json(*place.floor) : json()},
      {"comm_manager", opt(place.comm_manager)},
      {"thresholds", thresholds_json(place.thresholds)},
      {"on_meter_thresholds",
       place.on_meter_thresholds ? thresholds_json(*place.on_meter_thresholds) : json()},
      {"on_meter_thresholds_at",
       place.on_meter_thresholds_at ? json(when(*place.on_meter_thresholds_at)) : json()},
      {"thresholds_state", thresholds_state(place)},
      {"thresholds_command", place.thresholds_command ? json(*place.thresholds_command) : json()},
      {"replaces", place.replaces ? json(place.replaces->to_string()) : json()},
      {"replaced_by", place.replaced_by ? json(place.replaced_by->to_string()) : json()}};
  if (s.balance) j["account_balance_fen"] = *s.balance;
  if (place.swap_action) {
    j["action_required"] = {
        {"kind", "swap_in_place"},
        {"detected_at", place.swap_detected_at ? json(when(*place.swap_detected_at)) : json()},
        {"old_balance_fen", place.swap_action->old_balance_fen},
        {"message", *swap_text(s)},
        {"command", "prepaidctl meter replace " + s.id.to_string() + " --in-place"}};
  } else {
    j["action_required"] = json();
  }
  j["box_identity"] = box_json(s);
  const auto stored = stored_prices(s);
  j["tariff"] = s.tariff ? json(s.tariff->name) : json();
  if (const auto& c = s.conversion) {
    j["register_emptying"] = {
        {"account", c->account},
        {"reason", c->reason},
        {"started_at", when(c->started_at)},
        {"settled_fen", c->settled_fen},
        {"debit_command", c->debit_command ? json(*c->debit_command) : json()},
        {"failed_debits", c->failed_debits},
        {"outcome", c->outcome.empty() ? "going_on" : c->outcome},
        {"emptied_fen", c->emptied_fen ? json(*c->emptied_fen) : json()},
        {"why", c->why},
        {"direction", c->back ? "meter_side" : "host_side"},
        {"moved_fen", c->moved_fen}};
  } else {
    j["register_emptying"] = json();
  }
  j["tariff_prices"] = stored ? prices_json(*stored) : json();
  j["on_meter_prices"] = place.on_meter_prices ? prices_json(*place.on_meter_prices) : json();
  j["on_meter_prices_at"] =
      place.on_meter_prices_at ? json(when(*place.on_meter_prices_at)) : json();
  j["prices_state"] = domain::to_string(domain::prices_state(stored, place.on_meter_prices));
  auto& cs = j["commands"] = json::array();
  for (const auto& cmd : s.commands)
    cs.push_back(command_json(cmd));
  auto& es = j["events"] = json::array();
  for (const auto& e : s.events)
    es.push_back({{"kind", e.kind}, {"details", e.details}, {"at", when(e.at)}});
  std::cout << json_text(j, 2) << "\n";
}

/// "alarm1 20.00, alarm2 5.00 yuan, overload 0 W".
std::string thresholds_text(const domain::Thresholds& t) {
  return "alarm1 " + yuan(t.alarm1_fen) + ", alarm2 " + yuan(t.alarm2_fen) + " yuan, overload " +
         std::to_string(t.overload_w) + " W";
}

/// The stored tariff against the price table on the meter.
void print_meter_prices(const MeterShow& s) {
  const auto& place = s.place;
  const auto stored = stored_prices(s);
  std::cout << "tariff      ";
  if (!s.tariff) {
    std::cout << text::pattern(text::Id::kNoTariffInForce) << "\n";
  } else if (!stored) {
    std::cout << printable(s.tariff->name) << ": " << text::pattern(text::Id::kTariffTiered)
              << "\n";
  } else {
    std::cout << printable(s.tariff->name) << (s.tariff->own ? "" : " (site)") << ": "
              << prices_text(*stored) << "\n";
  }
  if (!place.on_meter_prices) {
    if (stored) std::cout << "on meter    " << text::pattern(text::Id::kPricesUnknown) << "\n";
    return;
  }
  std::cout << "on meter    " << prices_text(*place.on_meter_prices);
  if (place.on_meter_prices_at)
    std::cout << " (read back " << when(*place.on_meter_prices_at) << ")";
  if (domain::prices_state(stored, place.on_meter_prices) == domain::PricesState::kDiffer) {
    std::cout << "\n            " << text::pattern(text::Id::kPricesDiffer);
  }
  std::cout << "\n";
}

/// Where the meter is and what it is set to.
void print_meter_place(const MeterShow& s) {
  const auto& place = s.place;
  std::cout << "meter       " << s.id.to_string() << "\n"
            << "status      " << domain::to_string(s.meter.status) << "\n";
  if (const auto action = swap_text(s)) std::cout << "action      " << *action << "\n";
  if (const auto stopped = box_stopped_text(s)) std::cout << "box         " << *stopped << "\n";
  std::cout << "account     " << printable(s.meter.account.value_or("-")) << "\n"
            << "room        " << printable(place.room.value_or("-"));
  if (place.building) {
    std::cout << " (building " << printable(*place.building);
    if (place.floor) std::cout << ", floor " << *place.floor;
    std::cout << ")";
  }
  std::cout << "\n"
            << "billing     " << domain::to_string(place.billing_mode) << "\n"
            << "thresholds  " << thresholds_text(place.thresholds) << " (stored)\n"
            << "on meter    ";
  const auto todo = place.thresholds_command
                        ? text::format(text::Id::kSettingsDownloadQueued, *place.thresholds_command)
                        : text::format(text::Id::kSettingsDownloadMissing,
                                       "prepaidctl command thresholds --meter " + s.id.to_string());
  if (!place.on_meter_thresholds) {
    std::cout << text::format(text::Id::kOnMeterUnknown, todo) << "\n";
  } else {
    std::cout << thresholds_text(*place.on_meter_thresholds);
    if (place.on_meter_thresholds_at) {
      std::cout << " (read back " << when(*place.on_meter_thresholds_at) << ")";
    }
    if (domain::thresholds_differ(place.thresholds, place.on_meter_thresholds)) {
      std::cout << "\n            " << text::format(text::Id::kOnMeterDiffers, todo);
    }
    std::cout << "\n";
  }
  print_meter_prices(s);
  if (place.replaces) std::cout << "replaces    " << place.replaces->to_string() << "\n";
  if (place.replaced_by) std::cout << "replaced by " << place.replaced_by->to_string() << "\n";
}

/// Its last reading, its account's balance, its last commands and events.
void print_meter_state(const MeterShow& s) {
  const auto& m = s.meter;
  const auto& r = m.last;
  std::cout << "last read   " << (m.read_at ? when(*m.read_at) : "never") << "\n";
  if (m.read_at) {
    std::cout << "energy      " << format_decimal(r.energy_wh, 3) << " kWh\n"
              << "power       " << r.power_w << " W\n"
              << "balance     " << yuan(r.balance_fen) << " yuan (meter)\n"
              << "relay       " << (r.relay_closed ? "closed" : "open") << "\n"
              << "mode        " << domain::to_string(r.mode) << "\n"
              << "purchases   " << r.purchase_count << "\n";
  }
  if (s.balance) {
    std::cout << "ledger      " << yuan(*s.balance) << " yuan (account " << printable(*m.account)
              << ")\n";
  }
  if (s.conversion) {
    if (const auto line = conversion_text(*s.conversion); !line.empty()) {
      std::cout << "register    " << line << "\n";
    }
  }
  if (m.failed_cycles > 0) std::cout << "no answer   " << m.failed_cycles << " cycle(s)\n";
  for (const auto& cmd : s.commands) {
    std::cout << "command     #" << cmd.id << " " << domain::to_string(cmd.kind) << " "
              << yuan(cmd.amount_fen) << " " << domain::to_string(cmd.state) << " (attempts "
              << cmd.attempts << ")"
              << (cmd.last_error.empty() ? "" : ": " + printable(cmd.last_error)) << "\n";
  }
  for (const auto& e : s.events) {
    std::cout << "event       " << when(e.at) << " " << printable(e.kind) << ": "
              << printable(e.details) << "\n";
  }
}

}  // namespace

int meter_show(const service::Operations& ops, const AdminCommands& c, const AdminTarget& t) {
  const auto id = meter_arg(c.meter);
  if (!id) return kExitUsage;
  auto m = meter_or_none(ops, t.actor, *id);
  auto found = ops.meter_placement(t.actor, *id);
  if (!m || !found) {
    return print_refusal(
        {domain::ErrorKind::kNotFound, "meter " + c.meter + " is not configured at this site"},
        t.json);
  }
  MeterShow s{*id,
              std::move(*m),
              std::move(found).value(),
              ops.meter_commands(t.actor, *id, 5).value(),
              ops.events(t.actor, *id).value(),
              {},
              {},
              ops.meter_conversion(t.actor, *id).value(),
              {}};
  if (s.events.size() > 5) s.events.erase(s.events.begin(), s.events.end() - 5);
  if (s.meter.account) {
    if (auto b = ops.account_balance_fen(t.actor, *s.meter.account)) s.balance = b.value();
  }
  if (auto tariff = ops.meter_tariff(t.actor, *id)) s.tariff = std::move(tariff).value();
  if (auto box = ops.box_identity(t.actor, id->bus, id->box)) s.box = std::move(box).value();
  if (t.json) {
    print_meter_json(s);
  } else {
    print_meter_place(s);
    print_meter_state(s);
  }
  return kExitOk;
}

}  // namespace phil::app
