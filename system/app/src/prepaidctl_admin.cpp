#include "prepaidctl_admin.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <variant>

#include <nlohmann/json.hpp>

#include <phil/common/decimal.hpp>
#include <phil/common/text.hpp>
#include <phil/common/yaml.hpp>
#include <phil/domain/money.hpp>
#include <phil/domain/settings.hpp>
#include <phil/service/operations.hpp>
#include <phil/views/json_views.hpp>

#include "cli_support.hpp"
#include "prepaidctl_login.hpp"
#include "prepaidctl_views.hpp"
#include "site_model_yaml.hpp"

namespace phil::app {

namespace {

constexpr int kOk = 0;
constexpr int kRefused = 1;
constexpr int kUsage = 2;

using domain::MeterId;
using nlohmann::json;

/// A refusal or error: stderr "refused: ..." or, with --json, {"ok": false, "error": ...}.
int refuse(const domain::Error& e, bool as_json) {
  return print_refusal(e, as_json);
}

/// A done action: its message or, with --json, {"ok": true, "message": ..., extra...}.
int done(const std::string& message, bool as_json, const json& extra = json::object()) {
  if (as_json) {
    json j{{"ok", true}, {"message", message}};
    j.update(extra);
    std::cout << json_text(j) << "\n";
  } else {
    std::cout << message << "\n";
  }
  return kOk;
}

int site_import(service::Operations& ops, const AdminCommands& c, const AdminTarget& t) {
  domain::SiteModel model;
  std::vector<devices::ModelCircuits> models;
  try {
    model = load_site_model(c.file);
    models = service::load_device_models(t.profiles);
  } catch (const yaml::ConfigError& e) {
    return usage_error(std::string("configuration error: ") + e.what());
  }
  auto r = ops.import_site(t.actor, model, models);
  if (!r) return refuse(r.error(), t.json);
  const auto& s = r.value();
  return done("site " + model.settings.name + " imported from " + c.file + ": " +
                  std::to_string(s.added) + " added, " + std::to_string(s.updated) + " updated, " +
                  std::to_string(s.unchanged) + " unchanged" +
                  (s.accounts_opened > 0 ? "; " + std::to_string(s.accounts_opened) +
                                               " account(s) opened, first sales " +
                                               yuan(s.first_sales_fen) + " yuan queued"
                                         : ""),
              t.json,
              {{"added", s.added},
               {"updated", s.updated},
               {"unchanged", s.unchanged},
               {"accounts_opened", s.accounts_opened},
               {"first_sales_fen", s.first_sales_fen}});
}

/// `account tenant-password --id ID`: the tenant page's password, set at the counter.
int tenant_password(service::Operations& ops, const AdminCommands& c, const AdminTarget& t) {
  const auto pw =
      new_password(c.tenant_password_file, "PHIL_NEW_PASSWORD", false, false, c.account);
  if (!pw.value) return pw.exit_code;
  const auto r = ops.set_tenant_password(t.actor, c.account, *pw.value);
  if (!r) return refuse(r.error(), t.json);
  return done("tenant password of account " + c.account +
                  " set; the tenant logs in to the "
                  "tenant page with it",
              t.json);
}

int account_open(service::Operations& ops, const AdminCommands& c, const AdminTarget& t) {
  std::vector<MeterId> ids;
  for (const auto& m : c.meters) {
    auto id = meter_arg(m);
    if (!id) return kUsage;
    ids.push_back(*id);
  }
  const auto fen = amount_arg(c.first_sale, "--sale", "20.00");
  if (!fen) return kUsage;
  store::TenantContact contact{c.phone, std::nullopt};
  if (!c.room.empty()) contact.room = c.room;
  auto r = ops.open_account(t.actor, {c.account, c.tenant, ids, *fen, contact});
  if (!r) return refuse(r.error(), t.json);
  return done("account " + c.account + " opened" +
                  (*fen > 0 ? ", first sale " + yuan(*fen) + " yuan queued" : ""),
              t.json);
}

/// What a closing's meter waits for, as an operator reads it.
std::string closing_step_text(const store::ClosingMeterRecord& m) {
  const auto id = [](const char* what, const std::optional<std::int64_t>& n) {
    return n ? std::string(what) + " " + std::to_string(*n) : std::string();
  };
  switch (m.step) {
    case domain::CloseStep::kRelay:
      return "forcing the relay off (" + id("command", m.relay_command) + ")";
    case domain::CloseStep::kReading:
      return "final reading (" + id("read request", m.read_request) + ")";
    case domain::CloseStep::kDebit:
      return "taking the balance off the meter (" + id("debit", m.debit_command) + ")";
    case domain::CloseStep::kDone:
      return "done";
  }
  return "";
}

void print_closing(const store::ClosingRecord& c) {
  if (c.finished_at) {
    std::cout << "closing     done " << when(*c.finished_at) << ": pay out " << yuan(c.refunded_fen)
              << " yuan";
    if (c.settled_fen != 0) {
      std::cout << " (ledger settled to the meter by " << yuan(c.settled_fen) << " yuan)";
    }
    if (c.owed_fen > 0) std::cout << "; the tenant still owes " << yuan(c.owed_fen) << " yuan";
    std::cout << "\n";
    return;
  }
  std::cout << "CLOSING     since " << when(c.started_at) << " by " << printable(c.operator_id)
            << "; nothing is paid out before it is done\n";
  for (const auto& m : c.meters) {
    std::cout << "  meter     " << m.meter.to_string() << "  " << closing_step_text(m);
    if (m.blocked) {
      std::cout << "  BLOCKED: " << printable(*m.blocked);
    }
    std::cout << "\n";
  }
}

int account_show(const service::Operations& ops, const AdminCommands& c, const AdminTarget& t) {
  const auto found = ops.account(t.actor, c.account);
  if (!found) return refuse(found.error(), t.json);
  const auto* a = &found.value();
  auto entries = ops.ledger(t.actor, c.account).value();
  const auto debits = ops.account_debits(t.actor, c.account).value();
  const auto closing = ops.account_closing(t.actor, c.account).value();
  // "refund 50.00" or "reversal of 3, 50.00"
  const auto debit_what = [](const store::CommandRecord& d) {
    const auto* p = std::get_if<domain::DebitPayload>(&d.params);
    std::string what(p ? domain::to_string(p->purpose) : "debit");
    if (p && p->ref_seq) what += " of " + std::to_string(*p->ref_seq);
    return what;
  };
  const auto keep = static_cast<std::size_t>(std::max(0, c.entries));
  if (entries.size() > keep)
    entries.erase(entries.begin(), entries.end() - static_cast<long>(keep));
  if (t.json) {
    json j = views::account_json(*a);
    auto& ms = j["meters"] = json::array();
    for (const auto& id : a->meters) {
      const auto m = meter_or_none(ops, t.actor, id);
      json mj{{"meter", id.to_string()}};
      if (m) {
        mj["status"] = domain::to_string(m->status);
        mj["billing_mode"] = domain::to_string(m->billing_mode);
        mj["balance_fen"] = m->read_at ? json(m->last.balance_fen) : json();
      }
      ms.push_back(mj);
    }
    auto& es = j["entries"] = json::array();
    for (const auto& e : entries) {
      es.push_back(views::ledger_entry_json(e));
    }
    auto& ds = j["debits"] = json::array();
    for (const auto& d : debits)
      ds.push_back(views::debit_json(d));
    if (closing) j["closing"] = views::closing_json(*closing);
    std::cout << json_text(j, 2) << "\n";
    return kOk;
  }
  // Stored text is printed escaped: an old database may hold line breaks or escape codes.
  std::cout << "account     " << printable(a->id) << "\n"
            << "tenant      " << printable(a->tenant) << "\n"
            << "phone       " << (a->phone.empty() ? "-" : printable(a->phone)) << "\n"
            << "room        " << printable(a->room.value_or("-")) << "\n"
            << "opened      " << when(a->opened_at) << "\n";
  if (a->closed_at) std::cout << "closed      " << when(*a->closed_at) << "\n";
  std::cout << "balance     " << yuan(a->balance_fen) << " yuan (ledger)\n";
  if (a->mismatch_fen) {
    std::cout << "MISMATCH    the meters hold " << yuan(*a->mismatch_fen)
              << " yuan more than the ledger expects (negative: less)\n";
  }
  for (const auto& id : a->meters) {
    const auto m = meter_or_none(ops, t.actor, id);
    std::cout << "meter       " << id.to_string();
    if (m) {
      std::cout << "  " << domain::to_string(m->status) << "  "
                << domain::to_string(m->billing_mode);
      if (m->read_at) std::cout << "  meter balance " << yuan(m->last.balance_fen) << " yuan";
    }
    std::cout << "\n";
  }
  // Money to be taken off the meter before the cash is paid out: pending until it confirms.
  for (const auto& d : debits) {
    std::cout << "debit       " << d.id << "  " << debit_what(d) << "  " << yuan(d.amount_fen)
              << " yuan  " << d.meter.to_string() << "  " << domain::debit_state(d.state);
    if (d.ledger_seq) std::cout << " (entry " << *d.ledger_seq << ")";
    if (domain::debit_state(d.state) == "cancelled" && !d.last_error.empty()) {
      std::cout << ": " << printable(d.last_error);
    }
    std::cout << "\n";
  }
  if (closing) print_closing(*closing);
  if (!entries.empty()) {
    std::printf("%6s  %-25s  %-12s  %-12s  %10s  %10s  %s\n", "seq", "at (UTC)", "kind", "meter",
                "amount", "balance", "operator");
  }
  for (const auto& e : entries) {
    const auto sign = domain::balance_sign(e.kind) < 0 ? "-" : "+";
    std::printf("%6lld  %-25s  %-12s  %-12s  %10s  %10s  %s\n", static_cast<long long>(e.seq),
                when(e.at).c_str(), std::string(domain::to_string(e.kind)).c_str(),
                e.meter ? e.meter->to_string().c_str() : "-", (sign + yuan(e.amount_fen)).c_str(),
                yuan(e.balance_after_fen).c_str(), printable(e.operator_id).c_str());
  }
  return kOk;
}

/// The manual final reading of `meter replace` (--final-energy, --final-balance, --price; the
/// price defaults to the --config site's); nullopt with a message on stderr if a value is bad.
std::optional<store::ManualFinalReading> manual_reading(const AdminCommands& c,
                                                        std::optional<std::int64_t> site_price) {
  using store::ManualFinalReading;
  store::ManualFinalReading m;
  const auto hundredths = parse_decimal(c.final_energy, 2);  // the meter shows 0.01 kWh
  if (!hundredths || *hundredths < 0 || *hundredths > ManualFinalReading::kMaxEnergyWh / 10) {
    usage_error("--final-energy \"" + printable(c.final_energy) +
                "\" is not an energy in kWh with at most 2 decimals between 0 and " +
                format_decimal(ManualFinalReading::kMaxEnergyWh / 10, 2) +
                " (e.g. 1234.56, as the meter's display shows it)");
    return std::nullopt;
  }
  m.energy_wh = *hundredths * 10;
  if (!c.final_balance.empty()) {
    const auto fen = parse_decimal(c.final_balance, 2);
    if (!fen || *fen < -ManualFinalReading::kMaxBalanceFen ||
        *fen > ManualFinalReading::kMaxBalanceFen) {
      usage_error("--final-balance \"" + printable(c.final_balance) +
                  "\" is not an amount in yuan with at most 2 decimals between -" +
                  format_decimal(ManualFinalReading::kMaxBalanceFen, 2) + " and " +
                  format_decimal(ManualFinalReading::kMaxBalanceFen, 2) +
                  " (e.g. 48.80, as the meter's display shows it)");
      return std::nullopt;
    }
    m.balance_fen = *fen;
  }
  if (!c.price.empty()) {
    const auto p = parse_decimal(c.price, 4);
    if (!p || *p < 0 || *p > domain::kMaxPrice) {
      usage_error("--price \"" + printable(c.price) +
                  "\" is not a price in yuan/kWh with at most 4 decimals between 0 and " +
                  format_decimal(domain::kMaxPrice, 4));
      return std::nullopt;
    }
    m.price = *p;
  } else {
    m.price = site_price;
  }
  return m;
}

/// `meter replace METER --in-place`: completes the on-site swap detected on METER.
int meter_replace_in_place(service::Operations& ops, const AdminCommands& c, const AdminTarget& t) {
  if (!c.new_meter.empty() || !c.final_energy.empty() || !c.final_balance.empty() ||
      !c.price.empty()) {
    return usage_error(
        "--in-place completes a swap detected on one meter: give only that meter (no NEW, no "
        "--final-energy, --final-balance or --price)");
  }
  const auto id = meter_arg(c.meter);
  if (!id) return kUsage;
  auto r = ops.replace_meter_in_place(t.actor, *id);
  if (!r) return refuse(r.error(), t.json);
  const auto& v = r.value();
  std::string message = "on-site swap of meter " + c.meter + " (detected " + when(v.detected_at) +
                        ") completed; old device's last balance " + yuan(v.old_balance_fen) +
                        " yuan";
  if (v.credit_command) {
    message += "; " + yuan(v.credited_fen) + " yuan credited to the new device (credit #" +
               std::to_string(*v.credit_command) +
               ", confirmed by its read-back at the daemon's next iteration)";
  } else {
    message += "; nothing to move";
  }
  return done(message, t.json,
              {{"meter", c.meter},
               {"account", v.account ? json(*v.account) : json()},
               {"old_balance_fen", v.old_balance_fen},
               {"credited_fen", v.credited_fen},
               {"credit_command", v.credit_command ? json(*v.credit_command) : json()}});
}

int box_confirm(service::Operations& ops, const AdminCommands& c, const AdminTarget& t) {
  const auto id = box_arg(c.box);
  if (!id) return kUsage;
  auto r = ops.confirm_box(t.actor, id->bus, id->box);
  if (!r) return refuse(r.error(), t.json);
  const auto& v = r.value();
  const auto confirmed = v.confirmed.value_or(domain::BoxIdentity{});
  return done(
      text::format(text::Id::kBoxConfirmed, c.box, confirmed.model_code, confirmed.circuits),
      t.json,
      {{"box", c.box}, {"model_code", confirmed.model_code}, {"circuits", confirmed.circuits}});
}

int meter_replace(service::Operations& ops, const AdminCommands& c, const AdminTarget& t,
                  std::optional<std::int64_t> site_price) {
  if (c.in_place) return meter_replace_in_place(ops, c, t);
  if (c.new_meter.empty()) {
    return usage_error(
        "give the meter put in as NEW, or --in-place to complete a swap detected on OLD");
  }
  const auto old_id = meter_arg(c.meter);
  const auto new_id = meter_arg(c.new_meter);
  if (!old_id || !new_id) return kUsage;
  std::optional<store::ManualFinalReading> manual;
  if (!c.final_energy.empty()) {
    manual = manual_reading(c, site_price);
    if (!manual) return kUsage;
  } else if (!c.final_balance.empty() || !c.price.empty()) {
    return usage_error(
        "--final-balance and --price belong to a manual final reading; give its --final-energy "
        "too");
  }
  auto r = ops.replace_meter(t.actor, *old_id, *new_id, manual);
  if (!r) return refuse(r.error(), t.json);
  const auto& v = r.value();
  std::string message = "meter " + c.meter + " replaced by " + c.new_meter + " in account " +
                        v.account + "; final reading " +
                        (v.manual ? "(manual, by " + t.actor.id + ") " : "") +
                        format_decimal(v.final_energy_wh, 3) + " kWh, balance " +
                        yuan(v.final_balance_fen) + " yuan at " + when(v.final_read_at);
  if (v.manual) {
    message += "; charged " + format_decimal(v.charged_energy_wh, 3) + " kWh, " +
               yuan(v.charged_fen) + " yuan";
  }
  message += "; transferred " + yuan(v.transferred_fen) + " yuan";
  if (v.credit_command) {
    message += " (credit #" + std::to_string(*v.credit_command) + " queued to " + c.new_meter + ")";
  }
  return done(message, t.json,
              {{"account", v.account},
               {"manual", v.manual},
               {"final_energy_wh", v.final_energy_wh},
               {"final_balance_fen", v.final_balance_fen},
               {"charged_energy_wh", v.charged_energy_wh},
               {"charged_fen", v.charged_fen},
               {"transferred_fen", v.transferred_fen},
               {"credit_command", v.credit_command ? json(*v.credit_command) : json()}});
}

int meter_move(service::Operations& ops, const AdminCommands& c, const AdminTarget& t) {
  const auto id = meter_arg(c.meter);
  if (!id) return kUsage;
  auto r = ops.move_meter(t.actor, *id, c.to_account, c.with_balance);
  if (!r) return refuse(r.error(), t.json);
  const auto& v = r.value();
  std::string message = "meter " + c.meter + " moved from account " + v.from_account + " to " +
                        c.to_account + "; money moved " + yuan(v.transferred_fen) + " yuan";
  if (!c.with_balance && v.meter_balance_fen != 0) {
    message += "; note: the meter still reports " + yuan(v.meter_balance_fen) +
               " yuan, which stays on account " + v.from_account +
               "'s ledger (--with-balance moves it)";
  }
  return done(message, t.json,
              {{"from_account", v.from_account},
               {"transferred_fen", v.transferred_fen},
               {"meter_balance_fen", v.meter_balance_fen}});
}

}  // namespace

std::unique_ptr<AdminCommands> add_admin_commands(CLI::App& cli, CLI::App& account,
                                                  CLI::App& meter) {
  auto c = std::make_unique<AdminCommands>();
  auto* site = cli.add_subcommand("site", "the site model")->require_subcommand(1);
  c->site_import = site->add_subcommand(
      "import", "import buildings, rooms, comm managers, buses, boxes, meters and defaults");
  c->site_import->add_option("file", c->file, "site model file (YAML)")->required();

  c->open = account.add_subcommand("open", "open an account on one or more meters");
  c->open->add_option("--id", c->account, "account id, e.g. A401")->required();
  c->open->add_option("--tenant", c->tenant, "tenant name")->required();
  c->open->add_option("--phone", c->phone, "tenant's phone number");
  c->open->add_option("--room", c->room, "tenant's room (from the site model)");
  c->open->add_option("--meter", c->meters, "meter bus/box/circuit (repeat for more)")->required();
  c->open->add_option("--sale", c->first_sale, "first sale, yuan (e.g. 20.00)");

  c->tenant_password = account.add_subcommand(
      "tenant-password", "set or reset the tenant's password for the tenant page");
  c->tenant_password->add_option("--id", c->account, "account id")->required();
  c->tenant_password->add_option("--new-password-file", c->tenant_password_file,
                                 "the password: first line of FILE (or PHIL_NEW_PASSWORD; else "
                                 "asked twice at the terminal)");

  c->account_show = account.add_subcommand("show", "an account, its meters and last entries");
  c->account_show->add_option("--id", c->account, "account id")->required();
  c->account_show->add_option("--entries", c->entries, "ledger entries to list")
      ->capture_default_str();

  c->meter_show = meter.add_subcommand("show", "a meter: last reading, commands, events");
  c->meter_show->add_option("meter", c->meter, "bus/box/circuit, e.g. bus1/1/1")->required();
  c->meter_replace = meter.add_subcommand(
      "replace",
      "replace OLD by NEW: final reading, balance carried to NEW; or OLD --in-place: complete a "
      "swap detected on site (the old device's last balance credited onto the new one)");
  c->meter_replace->add_option("old", c->meter, "the meter taken out")->required();
  c->meter_replace->add_option("new", c->new_meter, "the meter put in");
  c->meter_replace->add_flag("--in-place", c->in_place,
                             "OLD's device was swapped on site (action required on it): move "
                             "its last balance to the new device");
  c->meter_replace->add_option(
      "--final-energy", c->final_energy,
      "OLD's final energy read by hand, kWh with 2 decimals (for a dead or silent meter); the "
      "energy since its last reading is charged");
  c->meter_replace->add_option("--final-balance", c->final_balance,
                               "OLD's balance display, yuan (meter-side; default: its last "
                               "balance less the charge)");
  c->meter_replace->add_option("--price", c->price,
                               "yuan/kWh for OLD if it has no stored tariff (default: the "
                               "--config site's price)");
  c->meter_move = meter.add_subcommand("move", "move a meter to another open account");
  c->meter_move->add_option("meter", c->meter, "bus/box/circuit")->required();
  c->meter_move->add_option("--to", c->to_account, "the account it joins")->required();
  c->meter_move->add_flag("--with-balance", c->with_balance,
                          "also move the balance the meter last reported (meter-side)");
  auto* box = cli.add_subcommand("box", "metering boxes")->require_subcommand(1);
  c->box_confirm = box->add_subcommand(
      "confirm",
      "confirm a box whose model or circuits differ from the site file: billing goes on");
  c->box_confirm->add_option("box", c->box, "bus/box, e.g. bus1/4")->required();
  return c;
}

bool admin_command_parsed(const AdminCommands& c) {
  return c.site_import->parsed() || c.open->parsed() || c.account_show->parsed() ||
         c.meter_show->parsed() || c.meter_replace->parsed() || c.meter_move->parsed() ||
         c.box_confirm->parsed() || c.tenant_password->parsed();
}

int run_admin_command(const AdminCommands& c, const AdminTarget& t) {
  std::optional<std::int64_t> site_price;  // what the daemon charges a meter without a tariff
  std::optional<service::SiteConfig> site;
  if (t.config) {
    site = load_site_or_report(*t.config, t.profiles);
    if (!site) return kUsage;
    site_price = site->price;
  }
  // For an action, the site file's meters are registered first (as the daemon does at start-up);
  // the views open the database read-only.
  const bool view = c.account_show->parsed() || c.meter_show->parsed();
  const auto opened =
      open_operations(t.db, site, t.clock, site ? "cannot open the site" : "database error",
                      view ? Access::kView : Access::kAction);
  if (!opened.ops) return opened.exit_code;
  const auto& ops = opened.ops;
  try {
    if (c.site_import->parsed()) return site_import(*ops, c, t);
    if (c.open->parsed()) return account_open(*ops, c, t);
    if (c.account_show->parsed()) return account_show(*ops, c, t);
    if (c.meter_show->parsed()) return meter_show(*ops, c, t);
    if (c.meter_replace->parsed()) return meter_replace(*ops, c, t, site_price);
    if (c.meter_move->parsed()) return meter_move(*ops, c, t);
    if (c.box_confirm->parsed()) return box_confirm(*ops, c, t);
    if (c.tenant_password->parsed()) return tenant_password(*ops, c, t);
  } catch (const store::StoreError& e) {
    print_failure(std::string("database error: ") + e.what(), t.json);
    return kRefused;
  }
  return kUsage;
}

}  // namespace phil::app
