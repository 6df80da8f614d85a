#pragma once
// Tariffs and the charge of one reading interval. Pure.
//
// A tariff prices energy by time of day and by how much was already used in the tier period:
//   price(t, used) = rates[rate_at(periods, local minute of t)] + tier surcharge(used)
// in 0.0001 yuan/kWh. The forms of the requirement are all this one shape:
//   - single price:   all four rates equal, periods {00:00 flat}, no tiers;
//   - TOU:            four rates (sharp/peak/flat/valley) and a daily period table;
//   - tiered:         tiers by monthly or yearly cumulative Wh, reset on a given day;
//   - TOU and tiered: both.
// A TariffSchedule is a tariff history: each version applies from its `from` instant on.
//
// Charging an interval (charge_interval): the energy of a reading interval [t0, t1) is assumed
// spread evenly over it (a meter read every 30 minutes tells nothing finer). The interval is cut at
// every edge where the price may change: a TOU period start, local midnight, a tariff change, a
// tier-period reset; each piece gets its share of the energy (cumulative floor, so the pieces sum
// exactly to the total) and a piece that crosses a tier step is cut again at the step. Each piece
// is charged with the carry rule of money.hpp, the carry running through the pieces, so cutting
// where the price does not change never changes the total.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/tou.hpp>

namespace phil::domain {

enum class TierPeriod : std::uint8_t {
  kNone,     ///< no tiers
  kMonthly,  ///< cumulative energy resets at 00:00 local on `reset_day` of every month
  kYearly,   ///< resets at 00:00 local on `reset_day` of `reset_month` every year
};

/// From `from_wh` of cumulative energy in the tier period on, `surcharge` (0.0001 yuan/kWh,
/// >= 0) is added to the TOU rate.
struct TierStep {
  std::int64_t from_wh = 0;
  std::int64_t surcharge = 0;
  bool operator==(const TierStep&) const = default;
};

struct Tariff {
  /// 0.0001 yuan/kWh, indexed by TouRate (sharp, peak, flat, valley); each 0..kMaxPrice.
  std::array<std::int64_t, kTouRates> rates{};
  std::vector<DailyPeriod> periods{{0, TouRate::kFlat}};
  TierPeriod tier_period = TierPeriod::kNone;
  int reset_month = 1;  ///< kYearly: 1..12
  int reset_day = 1;    ///< 1..28 (every month has it)
  /// kNone: empty. Otherwise the first step is at 0 Wh, steps strictly increase.
  std::vector<TierStep> tiers;

  /// A single-price tariff.
  static Tariff single(std::int64_t price);
};

/// Checks ranges and shapes; a message with what is wrong and what to do, or nullopt.
std::optional<std::string> check_tariff(const Tariff& t);

/// One version of a tariff history.
struct TariffVersion {
  TimePoint from{};
  Tariff tariff;
};

/// Versions in strictly increasing `from` order; the first applies to everything before it too.
struct TariffSchedule {
  std::vector<TariffVersion> versions;
  std::chrono::minutes utc_offset{480};  ///< the site's local time (China: +08:00, no DST)

  /// The version in force at t. Requires at least one version.
  const Tariff& at(TimePoint t) const;
};

/// check_tariff of every version, order of `from`, at least one version.
std::optional<std::string> check_schedule(const TariffSchedule& s);

/// An assignment of a tariff to a meter or to the site: from `from` on, the tariff `tariff` (the
/// caller's key of a stored tariff) charges. Assignments are history: a later one takes over from
/// its `from` on, the earlier ones keep pricing the energy used before it.
struct TariffAssignment {
  TimePoint from{};
  std::int64_t tariff = 0;
  bool operator==(const TariffAssignment&) const = default;
};

/// A stretch of a reading interval charged by one tariff, from `from` until the next span's
/// `from` (the last: until the interval's end). nullopt tariff: none is assigned there (the
/// caller charges its single fallback price).
struct TariffSpan {
  TimePoint from{};
  std::optional<std::int64_t> tariff;
  bool operator==(const TariffSpan&) const = default;
};

/// The tariffs that charge a meter over [t0, t1] (t0 <= t1): at each instant the meter's own
/// latest assignment in force (from <= the instant), else the site's latest in force, else none.
/// The first span starts at t0; another starts at each instant in (t0, t1) where that tariff
/// changes (an assignment that names the tariff already in force starts none). `own` and `site`
/// are in increasing `from` order.
std::vector<TariffSpan> tariff_spans(const std::vector<TariffAssignment>& own,
                                     const std::vector<TariffAssignment>& site, TimePoint t0,
                                     TimePoint t1);

/// One stretch of a joined schedule: `schedule` charges from `from` on.
struct SchedulePart {
  TimePoint from{};
  const TariffSchedule* schedule = nullptr;
};

/// The one schedule that charges as `parts` say (their `from` strictly increasing, at least one):
/// part i's versions in force from its `from` until part i+1's, the first part also before its
/// `from`. Charging an interval with it (charge_interval) cuts at the parts' edges exactly as at a
/// version change. Its local time is the last part's (a site has one local time: the store
/// refuses to assign tariffs of different UTC offsets).
TariffSchedule join_schedules(const std::vector<SchedulePart>& parts);

/// A tier position: the start (UTC) of the tier period it is in and the energy already charged
/// in it. The store keeps one per account (a household: all its meters climb one tier ladder).
struct TierState {
  std::optional<TimePoint> period_start;  ///< nullopt: none yet (the first charge sets it)
  std::int64_t used_wh = 0;
  bool operator==(const TierState&) const = default;
};

/// Start (UTC) of the tier period that contains t, for a tiered tariff; nullopt for kNone.
std::optional<TimePoint> tier_period_start(const Tariff& t, std::chrono::minutes utc_offset,
                                           TimePoint at);

/// One priced piece of an interval.
struct ChargePiece {
  TimePoint from{};
  TimePoint to{};
  TouRate rate = TouRate::kFlat;
  std::size_t tier = 0;  ///< index into the tariff's tiers (0 if untiered)
  std::int64_t energy_wh = 0;
  std::int64_t price = 0;  ///< 0.0001 yuan/kWh, rate + surcharge
};

struct IntervalCharge {
  std::int64_t fen = 0;    ///< whole fen charged for the interval
  std::int64_t carry = 0;  ///< remainder carried forward, cost units
  TierState tier;          ///< after the interval
  std::vector<ChargePiece> pieces;
};

/// Charges `energy_wh` (0 .. kMaxChargeEnergyWh) used over [t0, t1) (t0 < t1, or t0 == t1 for an
/// instant: then all at t0's price) under `schedule`, from `carry` (0 .. kCostUnitsPerFen-1) and
/// `tier`. Throws std::invalid_argument on arguments out of range (a programming error: callers
/// check the schedule with check_schedule when it is configured).
IntervalCharge charge_interval(const TariffSchedule& schedule, TimePoint t0, TimePoint t1,
                               std::int64_t energy_wh, std::int64_t carry, const TierState& tier);

}  // namespace phil::domain
