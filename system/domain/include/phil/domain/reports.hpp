#pragma once
// The reports' arithmetic (issue 14 item 5): a reading interval's energy spread over local days
// and TOU rates (what the daily per-meter roll-ups hold), and the sums of the sales and energy
// reports over those roll-ups and the ledger. Exact integers: fen and Wh. Pure.
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/tou.hpp>

namespace phil::domain {

/// The local calendar day of `t` at `utc_offset`, "YYYY-MM-DD" (sorts as the days do).
std::string local_day(TimePoint t, std::chrono::minutes utc_offset);
/// The UTC instant at which local day `day` ("YYYY-MM-DD") starts; nullopt if `day` is not one.
std::optional<TimePoint> day_start(const std::string& day, std::chrono::minutes utc_offset);

/// Energy of one local day, by TOU rate (indexed by TouRate); its total is their sum.
struct DayEnergy {
  std::string day;
  std::array<std::int64_t, kTouRates> wh{};
  std::int64_t total() const;
  bool operator==(const DayEnergy&) const = default;
};

/// The energy `wh` (>= 0) used over [t0, t1), spread evenly over it like charge_interval does
/// (cumulative floor, so the parts sum exactly to `wh`), cut at local midnight and at each start
/// of `periods` (a valid daily table). t1 <= t0: all of it at t0. Days in order; a day appears
/// once.
std::vector<DayEnergy> spread_energy(TimePoint t0, TimePoint t1, std::int64_t wh,
                                     const std::vector<DailyPeriod>& periods,
                                     std::chrono::minutes utc_offset);

/// One meter's roll-up of one local day: energy by rate and the charges booked that day.
struct MeterDay {
  std::string meter;
  std::string day;
  std::array<std::int64_t, kTouRates> wh{};
  std::int64_t energy_wh = 0;  ///< all of it (the sum of `wh`)
  std::int64_t charge_fen = 0;
  bool operator==(const MeterDay&) const = default;
};

/// How a report's rows are cut in time.
enum class ReportPeriod : std::uint8_t { kDay, kMonth, kYear };
/// "day", "month", "year".
std::string_view to_string(ReportPeriod p);
std::optional<ReportPeriod> parse_report_period(std::string_view s);
/// The period of local day `day` ("YYYY-MM-DD"): itself, "YYYY-MM" or "YYYY".
std::string period_of(const std::string& day, ReportPeriod p);

/// Money an operator moved at the counter, as the sales report counts it.
enum class MoneyKind : std::uint8_t { kSale, kRefund, kReversal };
struct MoneyMove {
  TimePoint at{};
  std::string cashier;  ///< the operator who took or gave it
  MoneyKind kind = MoneyKind::kSale;
  std::int64_t fen = 0;  ///< magnitude
  /// A debit still waiting for its meter's confirmation (a meter-side refund or reversal): not in
  /// the ledger yet, counted apart.
  bool pending = false;
};

/// One row of the sales report: the sums of a period (and a cashier, when cut by cashier).
struct SalesRow {
  std::string period;  ///< "" for the totals
  std::optional<std::string> cashier;
  std::int64_t sale_fen = 0;
  std::int64_t refund_fen = 0;
  std::int64_t reversal_fen = 0;
  std::int64_t pending_fen = 0;  ///< refunds and reversals waiting for their meter
  std::int64_t count = 0;        ///< moves counted (pending ones too)
  std::int64_t net_fen() const { return sale_fen - refund_fen - reversal_fen; }
  bool operator==(const SalesRow&) const = default;
};

struct SalesSums {
  std::vector<SalesRow> rows;  ///< by period, then cashier
  SalesRow totals;
};

/// The moves summed by period (local time) and, when `by_cashier`, by cashier.
SalesSums sum_sales(const std::vector<MoneyMove>& moves, ReportPeriod by, bool by_cashier,
                    std::chrono::minutes utc_offset);

/// What a meter's energy is grouped by.
enum class EnergyGroup : std::uint8_t { kMeter, kAccount, kFloor, kBuilding, kSite };
/// "meter", "account", "floor", "building", "site".
std::string_view to_string(EnergyGroup g);
std::optional<EnergyGroup> parse_energy_group(std::string_view s);

/// Where a meter is, as the energy report groups it (now: its open account, its room's or box's
/// building and floor).
struct MeterPlace {
  std::optional<std::string> account;
  std::optional<std::string> building;
  std::optional<int> floor;
};

struct EnergyRow {
  std::string period;  ///< "" for the totals
  std::string group;   ///< the meter, account, "building/floor", building or "site"; "-" for none
  std::array<std::int64_t, kTouRates> wh{};
  std::int64_t energy_wh = 0;
  std::int64_t charge_fen = 0;
  bool operator==(const EnergyRow&) const = default;
};

struct EnergySums {
  std::vector<EnergyRow> rows;  ///< by period, then group
  EnergyRow totals;
};

/// The roll-ups summed by period (kDay or kMonth; kYear too) and group. A meter `places` does not
/// know is in group "-" (except by meter and site).
EnergySums sum_energy(const std::vector<MeterDay>& days,
                      const std::map<std::string, MeterPlace>& places, ReportPeriod by,
                      EnergyGroup group);

}  // namespace phil::domain
