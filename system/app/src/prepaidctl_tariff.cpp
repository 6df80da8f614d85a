#include "prepaidctl_tariff.hpp"

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include <phil/common/decimal.hpp>
#include <phil/common/text.hpp>
#include <phil/domain/tariff.hpp>
#include <phil/service/operations.hpp>
#include <phil/service/tariff_file.hpp>
#include <phil/views/json_views.hpp>

#include "cli_support.hpp"

namespace phil::app {

namespace {

using service::load_tariff_file;
using service::parse_time_of_day;
using service::TariffFile;

constexpr int kOk = 0;
constexpr int kRefused = 1;
constexpr int kUsage = 2;

/// A bad argument: the message on stderr (or as JSON), exit 2.
std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, sep))
    out.push_back(item);
  return out;
}

std::string price_text(std::int64_t p) {
  return format_decimal(p, 4);
}

std::string minute_text(int m) {
  return views::hh_mm(m);
}
std::string periods_text(const std::vector<domain::DailyPeriod>& periods) {
  std::string out;
  for (const auto& p : periods) {
    if (!out.empty()) out += ",";
    out += minute_text(p.start_minute) + "=" + std::string(domain::to_string(p.rate));
  }
  return out;
}

std::string tiers_text(const domain::Tariff& t) {
  if (t.tier_period == domain::TierPeriod::kNone) return "-";
  std::string out = t.tier_period == domain::TierPeriod::kMonthly
                        ? "monthly from day " + std::to_string(t.reset_day) + ": "
                        : "yearly from " + std::to_string(t.reset_month) + "/" +
                              std::to_string(t.reset_day) + ": ";
  for (std::size_t i = 0; i < t.tiers.size(); ++i) {
    if (i > 0) out += ",";
    out += format_decimal(t.tiers[i].from_wh, 3) + "=" + price_text(t.tiers[i].surcharge);
  }
  return out;
}

/// The tariff described by the options, or a message saying which option is wrong.
std::variant<domain::Tariff, std::string> build_tariff(const TariffCommands& c) {
  domain::Tariff t;
  if (c.price.empty() == c.rates.empty()) {
    return std::string("give either --price P (one price) or --rates sharp,peak,flat,valley");
  }
  if (!c.price.empty()) {
    if (!c.periods.empty()) return std::string("--periods goes with --rates, not with --price");
    const auto p = parse_decimal(c.price, 4);
    if (!p) {
      return "--price \"" + c.price + "\" is not a price in yuan/kWh with at most 4 decimals";
    }
    t = domain::Tariff::single(*p);
  } else {
    const auto parts = split(c.rates, ',');
    if (parts.size() != 4) {
      return "--rates \"" + c.rates + "\" must be four prices: sharp,peak,flat,valley";
    }
    for (std::size_t i = 0; i < 4; ++i) {
      const auto p = parse_decimal(parts[i], 4);
      if (!p) {
        return "--rates: \"" + parts[i] + "\" is not a price in yuan/kWh with at most 4 decimals";
      }
      t.rates[i] = *p;
    }
    if (c.periods.empty()) {
      return std::string("--rates needs --periods, e.g. 00:00=valley,08:00=peak,22:00=valley");
    }
    t.periods.clear();
    for (const auto& item : split(c.periods, ',')) {
      const auto eq = item.find('=');
      const auto minute =
          parse_time_of_day(std::string_view(item).substr(0, eq == std::string::npos ? 0 : eq));
      const auto rate = eq == std::string::npos
                            ? std::nullopt
                            : domain::parse_tou_rate(std::string_view(item).substr(eq + 1));
      if (!minute || !rate) {
        return "--periods: \"" + item +
               "\" is not HH:MM=rate (rate: sharp, peak, flat or valley), e.g. 08:00=peak";
      }
      t.periods.push_back({*minute, *rate});
    }
  }
  if (c.tiers.empty() != c.tier_period.empty()) {
    return std::string(
        "--tiers and --tier-period go together, e.g. --tiers 0=0,200=0.0500 --tier-period "
        "monthly");
  }
  if (!c.tiers.empty()) {
    if (c.tier_period == "monthly") {
      t.tier_period = domain::TierPeriod::kMonthly;
    } else if (c.tier_period == "yearly") {
      t.tier_period = domain::TierPeriod::kYearly;
    } else {
      return "--tier-period \"" + c.tier_period + "\" must be monthly or yearly";
    }
    t.reset_day = c.reset_day;
    t.reset_month = c.reset_month;
    for (const auto& item : split(c.tiers, ',')) {
      const auto eq = item.find('=');
      const auto from =
          eq == std::string::npos ? std::nullopt : parse_decimal(item.substr(0, eq), 3);
      const auto surcharge =
          eq == std::string::npos ? std::nullopt : parse_decimal(item.substr(eq + 1), 4);
      if (!from || !surcharge) {
        return "--tiers: \"" + item +
               "\" is not KWH=SURCHARGE (from that many kWh in the period on, the surcharge in "
               "yuan/kWh), e.g. 200=0.0500";
      }
      t.tiers.push_back({*from, *surcharge});
    }
  }
  return t;
}

/// The version described by the flags of `tariff add`, or a message saying which is wrong.
std::variant<TariffFile, std::string> tariff_from_flags(const TariffCommands& c) {
  if (c.name.empty() || c.from.empty()) {
    return std::string(
        "tariff add needs a NAME and --from TIME with the tariff's options, or --file "
        "TARIFF.yaml");
  }
  const auto from = parse_timestamp(c.from);
  if (!from) return text::format(text::Id::kBadTimeArg, "--from", printable(c.from));
  auto t = build_tariff(c);
  if (auto* message = std::get_if<std::string>(&t)) return std::move(*message);
  return TariffFile{c.name, *from, std::get<domain::Tariff>(std::move(t))};
}

/// The version in a tariff file, or the file's error (file:line:col, key, what to do).
std::variant<TariffFile, std::string> tariff_from_file(const std::string& path) {
  try {
    return load_tariff_file(path);
  } catch (const yaml::ConfigError& e) {
    return std::string("tariff file error: ") + e.what();
  }
}

void print_table(const std::vector<store::TariffRecord>& all) {
  if (all.empty()) {
    std::cout << "no tariff stored: the site price applies\n";
    return;
  }
  std::cout << std::left << std::setw(14) << "NAME" << std::setw(27) << "FROM" << std::setw(9)
            << "SHARP" << std::setw(9) << "PEAK" << std::setw(9) << "FLAT" << std::setw(9)
            << "VALLEY"
            << "PERIODS; TIERS; ASSIGNED\n";
  for (const auto& r : all) {
    std::string assigned = r.site_default ? "site" : "";
    for (const auto& m : r.meters)
      assigned += (assigned.empty() ? "" : ",") + m.to_string();
    for (const auto& v : r.schedule.versions) {
      const auto& t = v.tariff;
      // A name as long as the column or longer ("manual bus1/1/12") still ends with a space.
      std::cout << std::left << std::setw(14) << (printable(r.name) + " ") << std::setw(27)
                << format_timestamp(v.from, r.schedule.utc_offset);
      for (const auto rate : t.rates)
        std::cout << std::setw(9) << price_text(rate);
      std::cout << periods_text(t.periods) << "; " << tiers_text(t) << "; "
                << (assigned.empty() ? "-" : assigned) << "\n";
    }
  }
}

}  // namespace

std::unique_ptr<TariffCommands> add_tariff_commands(CLI::App& cli) {
  auto c = std::make_unique<TariffCommands>();
  auto* tariff =
      cli.add_subcommand("tariff", "tariffs (prices, TOU, tiers)")->require_subcommand(1);
  c->add = tariff->add_subcommand("add", "add a tariff, or a new version of one");
  auto* file = c->add->add_option(
      "--file", c->file,
      "the version from a YAML file (name, from, price or rates and periods, tiers) instead of "
      "the options below; see system/app/examples/tariff-residential-tou-tiered.yaml");
  const std::vector<CLI::Option*> flags{
      c->add->add_option("name", c->name, "tariff name, e.g. residential (without --file)"),
      c->add->add_option("--from", c->from,
                         "when it takes effect, e.g. 2026-03-01T00:00:00+08:00 (without --file)"),
      c->add->add_option("--price", c->price, "one price, yuan/kWh (e.g. 0.6000)"),
      c->add->add_option("--rates", c->rates, "TOU prices sharp,peak,flat,valley, yuan/kWh"),
      c->add->add_option(
          "--periods", c->periods,
          "daily periods HH:MM=rate,..., first at 00:00 (rate: sharp|peak|flat|valley)"),
      c->add->add_option("--tiers", c->tiers,
                         "tiers KWH=SURCHARGE,... from 0 kWh in the period, surcharge yuan/kWh"),
      c->add->add_option("--tier-period", c->tier_period, "monthly or yearly"),
      c->add->add_option("--reset-day", c->reset_day, "day the tier period starts (1..28)")
          ->capture_default_str(),
      c->add->add_option("--reset-month", c->reset_month, "yearly: month it starts (1..12)")
          ->capture_default_str()};
  for (auto* f : flags)
    file->excludes(f);
  c->assign = tariff->add_subcommand("assign", "charge the site or one meter by a tariff");
  c->assign->add_option("name", c->name, "tariff name")->required();
  c->assign->add_flag("--site", c->site, "the site default (meters without their own)");
  c->assign->add_option("--meter", c->meter, "one meter bus/box/circuit");
  c->assign->add_option("--from", c->from,
                        "when it takes effect, e.g. 2026-04-01T00:00:00+08:00 (default: now; "
                        "assignments are history: energy before it stays at the former tariff)");
  c->list = tariff->add_subcommand("list", "the stored tariffs, their versions and assignments");
  return c;
}

bool tariff_command_parsed(const TariffCommands& c) {
  return c.add->parsed() || c.assign->parsed() || c.list->parsed();
}

int run_tariff_command(const TariffCommands& c, const TariffContext& ctx) {
  // Validate everything before touching the database.
  std::string done;
  std::optional<service::AddTariff> add;
  std::optional<service::AssignTariff> assign;
  if (c.add->parsed()) {
    auto version = c.file.empty() ? tariff_from_flags(c) : tariff_from_file(c.file);
    if (auto* message = std::get_if<std::string>(&version)) return usage_error(*message);
    auto& v = std::get<TariffFile>(version);
    done = "tariff " + v.name + ": version from " + format_timestamp(v.from.utc, v.from.offset) +
           " added";
    add = service::AddTariff{v.name, {v.from.utc, std::move(v.tariff)}, v.from.offset};
  } else if (c.assign->parsed()) {
    if (c.site == !c.meter.empty()) {
      return usage_error("say which: --site (the site default) or --meter bus/box/circuit");
    }
    std::optional<domain::MeterId> id;
    if (!c.meter.empty()) {
      id = meter_arg(c.meter);
      if (!id) return kUsage;
    }
    assign = service::AssignTariff{c.name, id};
    if (!c.from.empty()) {
      const auto from = time_arg(c.from, "--from");
      if (!from) return kUsage;
      assign->from = *from;
    }
  }

  std::optional<service::SiteConfig> site;  // its meters are registered first
  if (ctx.config) {
    site = load_site_or_report(*ctx.config, ctx.profiles);
    if (!site) return kUsage;
  }
  const auto opened = open_operations(ctx.db, site, ctx.clock, "cannot open the database",
                                      (add || assign) ? Access::kAction : Access::kView);
  if (!opened.ops) return opened.exit_code;
  const auto& ops = opened.ops;
  domain::Result<void> r;
  if (add) {
    r = ops->add_tariff(ctx.actor, *add);
  } else if (assign) {
    r = ops->assign_tariff(ctx.actor, *assign);
    done = "tariff " + c.name + " assigned to " + (c.site ? "the site" : "meter " + c.meter) +
           (c.from.empty() ? std::string() : " from " + c.from);
  }
  if (!r) return print_refusal(r.error(), ctx.json);
  const auto all = ops->tariffs(ctx.actor).value();
  if (ctx.json) {
    nlohmann::json j{{"ok", true}};
    if (!done.empty()) j["message"] = done;
    auto& ts = j["tariffs"] = nlohmann::json::array();
    for (const auto& t : all)
      ts.push_back(views::tariff_json(t));
    std::cout << json_text(j) << "\n";
  } else {
    if (!done.empty()) std::cout << done << "\n";
    print_table(all);
  }
  return kOk;
}

}  // namespace phil::app
