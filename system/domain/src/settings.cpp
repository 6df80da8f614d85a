#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <phil/domain/settings.hpp>

#include "enum_names.hpp"

namespace phil::domain {

namespace {

constexpr detail::NameTable<PricesState, 4> kPricesStateNames{{
    {PricesState::kEqual, "equal"},
    {PricesState::kDiffer, "differ"},
    {PricesState::kUnknown, "unknown"},
    {PricesState::kNone, "none"},
}};

}  // namespace

ThresholdsPayload thresholds_payload(const Thresholds& t) {
  return {t.alarm1_fen, t.alarm2_fen, t.overload_w};
}

std::optional<Thresholds> thresholds_expected(const std::optional<Thresholds>& on_meter,
                                              const std::optional<ThresholdsPayload>& newest_open) {
  if (newest_open) {
    return Thresholds{newest_open->alarm1_fen, newest_open->alarm2_fen, newest_open->overload_w};
  }
  return on_meter;
}

std::optional<ThresholdsPayload> thresholds_download(
    const Thresholds& stored, const std::optional<Thresholds>& on_meter,
    const std::optional<ThresholdsPayload>& newest_open) {
  if (thresholds_expected(on_meter, newest_open) == stored) return std::nullopt;
  return thresholds_payload(stored);
}

bool thresholds_differ(const Thresholds& stored, const std::optional<Thresholds>& on_meter) {
  return on_meter && *on_meter != stored;
}

std::optional<PricePayload> price_table(const Tariff& t) {
  if (t.tier_period != TierPeriod::kNone) return std::nullopt;
  return PricePayload{t.rates};
}

std::string_view to_string(PricesState s) {
  return detail::name_of(kPricesStateNames, s);
}

PricesState prices_state(const std::optional<PricePayload>& stored,
                         const std::optional<PricePayload>& on_meter) {
  if (!stored) return PricesState::kNone;
  if (!on_meter) return PricesState::kUnknown;
  return *stored == *on_meter ? PricesState::kEqual : PricesState::kDiffer;
}

namespace {

/// The rule every download to a device follows: nothing when the device holds, or will hold,
/// the stored value; else the stored value.
template <typename T>
std::optional<T> download(const T& stored, const std::optional<T>& on_device,
                          const std::optional<T>& newest_open) {
  const auto& expected = newest_open ? newest_open : on_device;
  if (expected == stored) return std::nullopt;
  return stored;
}

}  // namespace

std::optional<TouSchedulePayload> tou_table(const Tariff& t) {
  if (t.tier_period != TierPeriod::kNone) return std::nullopt;
  if (std::all_of(t.rates.begin(), t.rates.end(), [&](auto r) { return r == t.rates[0]; })) {
    return std::nullopt;
  }
  return TouSchedulePayload{t.periods};
}

std::optional<PricePayload> prices_download(const PricePayload& stored,
                                            const std::optional<PricePayload>& on_meter,
                                            const std::optional<PricePayload>& newest_open) {
  return download(stored, on_meter, newest_open);
}

std::optional<TouSchedulePayload> tou_download(
    const TouSchedulePayload& stored, const std::optional<TouSchedulePayload>& on_box,
    const std::optional<TouSchedulePayload>& newest_open) {
  return download(stored, on_box, newest_open);
}

std::string manual_tariff_name(const MeterId& meter) {
  return "manual " + meter.to_string();
}

TariffSchedule meter_price_schedule(const TariffSchedule& stored,
                                    std::vector<ConfirmedPrices> confirmed) {
  if (confirmed.empty() || stored.versions.empty()) return stored;
  std::stable_sort(confirmed.begin(), confirmed.end(),
                   [](const auto& a, const auto& b) { return a.at < b.at; });
  const TimePoint first = confirmed.front().at;
  TariffSchedule out;
  out.utc_offset = stored.utc_offset;
  for (const auto& v : stored.versions) {
    if (v.from < first) out.versions.push_back(v);
  }
  // The first version also applies before itself: keep that for the time before `first`.
  if (out.versions.empty()) out.versions.push_back({TimePoint{}, stored.versions.front().tariff});
  // From `first` on: a version at each confirmation and at each stored version after it.
  std::vector<TimePoint> starts;
  starts.reserve(confirmed.size() + stored.versions.size());
  for (const auto& c : confirmed)
    starts.push_back(c.at);
  for (const auto& v : stored.versions) {
    if (v.from > first) starts.push_back(v.from);
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  for (const auto start : starts) {
    // The newest confirmation at or before `start` (confirmed is ordered by `at`).
    const auto newest =
        std::prev(std::upper_bound(confirmed.begin(), confirmed.end(), start,
                                   [](TimePoint t, const ConfirmedPrices& c) { return t < c.at; }));
    Tariff t = stored.at(start);
    t.rates = newest->prices.prices;
    t.tier_period = TierPeriod::kNone;
    t.tiers.clear();
    if (out.versions.back().from == start) {
      out.versions.back().tariff = std::move(t);
    } else {
      out.versions.push_back({start, std::move(t)});
    }
  }
  return out;
}

}  // namespace phil::domain
