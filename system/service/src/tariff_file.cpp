#include <array>

#include <phil/common/decimal.hpp>
#include <phil/domain/money.hpp>
#include <phil/service/tariff_file.hpp>

namespace phil::service {

namespace {

constexpr std::array<std::string_view, domain::kTouRates> kRateNames{"sharp", "peak", "flat",
                                                                     "valley"};

/// A price in yuan/kWh, at most 4 decimals, 0 .. kMaxPrice.
std::int64_t price_of(const yaml::Node& n) {
  const auto p = n.as_decimal(4);
  if (p < 0 || p > domain::kMaxPrice) {
    n.fail("a price must be 0 .. " + format_decimal(domain::kMaxPrice, 4) +
           " yuan/kWh; correct the value");
  }
  return p;
}

std::vector<domain::DailyPeriod> parse_periods(const yaml::Node& node) {
  yaml::Map m(node);
  const auto keys = node.keys();
  if (keys.size() > domain::kMaxDailyPeriods) {
    node.fail("the daily period table has " + std::to_string(keys.size()) +
              " rows; a meter holds at most " + std::to_string(domain::kMaxDailyPeriods) +
              ", merge some");
  }
  std::vector<domain::DailyPeriod> out;
  for (const auto& key : keys) {
    const auto value = m.required(key);
    const auto minute = parse_time_of_day(key);
    if (!minute) {
      value.fail("\"" + key +
                 "\" is not a start time HH:MM (00:00 .. 23:59); write e.g. \"08:00\"");
    }
    const auto rate =
        domain::parse_tou_rate(value.as_choice({kRateNames.begin(), kRateNames.end()}));
    out.push_back({*minute, *rate});
  }
  m.finish();
  if (auto p = domain::check_daily_periods(out)) node.fail(*p);
  return out;
}

void parse_tiers(const yaml::Node& node, domain::Tariff& t) {
  yaml::Map m(node);
  const auto period_node = m.required("period");
  const auto period = period_node.as_choice({"monthly", "yearly", "none"});
  const auto reset_month = m.optional("reset_month");
  const auto reset_day = m.optional("reset_day");
  const auto steps = m.optional("steps");
  m.finish();
  if (period == "none") {
    for (const auto* n : {&reset_month, &reset_day, &steps}) {
      if (*n) (*n)->fail("a tariff without tiers (period: none) takes no tier settings; remove it");
    }
    return;
  }
  t.tier_period = period == "monthly" ? domain::TierPeriod::kMonthly : domain::TierPeriod::kYearly;
  if (reset_month) {
    if (t.tier_period != domain::TierPeriod::kYearly) {
      reset_month->fail("reset_month applies to a yearly tier period only; remove it");
    }
    t.reset_month = static_cast<int>(reset_month->as_int(1, 12));
  }
  if (reset_day) t.reset_day = static_cast<int>(reset_day->as_int(1, 28));
  if (!steps) {
    node.fail("a " + period + " tier period needs steps, e.g. [{from_kwh: 0, surcharge: \"0\"}]");
  }
  for (const auto& s : steps->elements()) {
    yaml::Map sm(s);
    const auto from_node = sm.required("from_kwh");
    const auto from_wh = from_node.as_decimal(3);
    if (from_wh < 0) from_node.fail("a tier starts at 0 kWh or more; correct the value");
    const auto surcharge = price_of(sm.required("surcharge"));
    sm.finish();
    t.tiers.push_back({from_wh, surcharge});
  }
  if (auto p = domain::check_tariff(t)) steps->fail(*p);
}

}  // namespace

std::optional<int> parse_time_of_day(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (std::size_t i : {0U, 1U, 3U, 4U}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

namespace {

TariffFile parse_tariff(const yaml::Node& root, bool dated) {
  yaml::Map m(root);
  TariffFile f;
  const auto name = m.required("name");
  f.name = name.as_string();
  if (f.name.empty()) name.fail("the tariff name is empty; give one, e.g. residential");
  if (dated) f.from = m.required("from").as_timestamp();
  const auto price = m.optional("price");
  const auto rates = m.optional("rates");
  const auto periods = m.optional("periods");
  const auto tiers = m.optional("tiers");
  m.finish();
  if (price.has_value() == rates.has_value()) {
    root.fail("give either price (one price) or rates (sharp, peak, flat, valley) with periods");
  }
  if (price) {
    if (periods) periods->fail("periods go with rates, not with a single price; remove them");
    f.tariff = domain::Tariff::single(price_of(*price));
  } else {
    yaml::Map rm(*rates);
    for (std::size_t i = 0; i < kRateNames.size(); ++i)
      f.tariff.rates[i] = price_of(rm.required(kRateNames[i]));
    rm.finish();
    if (!periods)
      root.fail("rates need periods, e.g. periods: {\"00:00\": valley, \"08:00\": peak}");
    f.tariff.periods = parse_periods(*periods);
  }
  if (tiers) parse_tiers(*tiers, f.tariff);
  // Whatever the parts allowed, the whole must pass the domain's check (e.g. a rate plus the
  // largest tier surcharge above the price limit).
  if (auto p = domain::check_tariff(f.tariff)) (tiers ? *tiers : rates ? *rates : *price).fail(*p);
  return f;
}

}  // namespace

TariffFile parse_tariff_file(const yaml::Node& root) {
  return parse_tariff(root, true);
}

TariffFile parse_tariff_undated(const yaml::Node& root) {
  return parse_tariff(root, false);
}

TariffFile load_tariff_file(const std::string& path) {
  const auto doc = yaml::Document::load_file(path);
  return parse_tariff_file(doc.root());
}

}  // namespace phil::service
