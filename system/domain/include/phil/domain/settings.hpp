#pragma once
// Settings = the stored ones (issue 12.5): the alarm and overload thresholds stored for a meter
// (its own values, else the site's defaults) are the ones its meter must hold. The store
// applies these rules when the stored values change (site import, a command typed by hand), at
// a meter's first contact (its first answered poll, or the first after a detected swap or an
// upgrade), and records what a read-back confirmed on the meter. Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <phil/domain/meter_id.hpp>
#include <phil/domain/outbox.hpp>
#include <phil/domain/site_model.hpp>
#include <phil/domain/tariff.hpp>

namespace phil::domain {

/// The command that writes `t` to a meter.
ThresholdsPayload thresholds_payload(const Thresholds& t);

/// The thresholds a meter is known to hold, or will hold once its queue is delivered: the
/// newest open (pending or in-flight) thresholds command's values if there is one, else what
/// the last read-back confirmed (`on_meter`; nullopt: not known).
std::optional<Thresholds> thresholds_expected(const std::optional<Thresholds>& on_meter,
                                              const std::optional<ThresholdsPayload>& newest_open);

/// The thresholds download a meter needs, or nullopt when it holds, or will hold, the stored
/// ones: nothing while the newest open command already carries them (never a duplicate), nor
/// when nothing is open and the meter is known to hold them. Otherwise the stored values, to
/// be queued after superseding the meter's pending thresholds commands (an in-flight one runs
/// to its end, and the new one follows it).
std::optional<ThresholdsPayload> thresholds_download(
    const Thresholds& stored, const std::optional<Thresholds>& on_meter,
    const std::optional<ThresholdsPayload>& newest_open);

/// True when the meter is known to hold other thresholds than the stored ones (`meter show`
/// flags it); false when they are equal or not known yet.
bool thresholds_differ(const Thresholds& stored, const std::optional<Thresholds>& on_meter);

// ---- Tariff = what the meter uses (issue 12.4, the first part: what to compare) ----

/// The price table a meter-side meter must hold to deduct by `t`: its four TOU rates (a single
/// price is four equal rates). nullopt for a tiered tariff: the meter cannot apply tiers, so a
/// meter billed by one is host-side and holds no price of its own.
std::optional<PricePayload> price_table(const Tariff& t);

/// How a meter's price registers compare with its stored tariff.
enum class PricesState : std::uint8_t {
  kEqual,    ///< the meter holds the stored tariff's rates
  kDiffer,   ///< it is known to hold others
  kUnknown,  ///< nothing read back yet
  kNone,     ///< no rates to compare: no tariff stored, or a tiered one
};
std::string_view to_string(PricesState s);

/// The comparison `meter show` flags: `stored` the price table of the tariff in force
/// (price_table; nullopt: none to compare), `on_meter` the last read-back of a price download.
PricesState prices_state(const std::optional<PricePayload>& stored,
                         const std::optional<PricePayload>& on_meter);

// ---- Tariff = what the meter uses (issue 12.4): what is downloaded, and what the ledger charges

/// The daily period table a meter-side meter's box must hold to deduct by `t`: its periods.
/// nullopt when the table does not matter (all four rates equal: a single price is charged at
/// any hour) or for a tiered tariff (no price of its own on the meter, see price_table).
/// A box holds one table for all its circuits (the `tou_schedule` box register).
std::optional<TouSchedulePayload> tou_table(const Tariff& t);

/// The price download a meter-side meter needs, or nullopt when it holds, or will hold, the
/// table of its tariff in force (`stored`, price_table): the rule of thresholds_download. Nothing
/// while the newest open price command already carries it (never a duplicate), nor when nothing
/// is open and the last read-back (`on_meter`) showed it. Otherwise the stored table, to be
/// queued after superseding the pending price commands (an in-flight one runs to its end).
std::optional<PricePayload> prices_download(const PricePayload& stored,
                                            const std::optional<PricePayload>& on_meter,
                                            const std::optional<PricePayload>& newest_open);

/// The same rule for a box's period table (tou_table; `on_box` its last confirmed download).
std::optional<TouSchedulePayload> tou_download(
    const TouSchedulePayload& stored, const std::optional<TouSchedulePayload>& on_box,
    const std::optional<TouSchedulePayload>& newest_open);

/// The tariff a price command typed by hand makes the meter's own, "manual BUS/BOX/CIRCUIT":
/// `command price` is a per-meter assignment, so system and meter never part silently.
std::string manual_tariff_name(const MeterId& meter);

/// A price download the meter confirmed: from `at` (the read-back's instant) on, it deducts
/// by `prices`.
struct ConfirmedPrices {
  TimePoint at{};
  PricePayload prices;
  bool operator==(const ConfirmedPrices&) const = default;
};

/// The schedule a meter-side meter deducts by, which its ledger charges by so the two agree:
/// `stored` (the tariffs assigned to it, joined) until its first confirmed download; from each
/// confirmation on, that download's four rates on the period table of the stored tariff in force
/// at each instant, with no tiers (the meter applies none). `confirmed` in any order; none:
/// `stored` itself. Cuts at every confirmation, so an interval that spans one is charged at the
/// old rates before it and the new ones after.
TariffSchedule meter_price_schedule(const TariffSchedule& stored,
                                    std::vector<ConfirmedPrices> confirmed);

}  // namespace phil::domain
