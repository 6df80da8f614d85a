#include <string_view>

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

}  // namespace phil::domain
