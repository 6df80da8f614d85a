#pragma once
// The tariff role: stored tariffs with their version history, their assignments to the site and
// to meters (history too), and an account's tier position. Prices in 0.0001 yuan/kWh.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/result.hpp>
#include <phil/domain/tariff.hpp>

namespace phil::store {

/// A tariff version: `name` is created with its first version; later versions are its history.
struct TariffRequest {
  std::string name;
  domain::TariffVersion version;         ///< takes effect at version.from
  std::chrono::minutes utc_offset{480};  ///< the local time of its period table and tier resets
  std::string operator_id;
  TimePoint at{};
};

/// Which tariff charges a meter: its own (`meter`), else the site default (`meter` nullopt),
/// from an instant on (assignments are history, see Tariffs::assign_tariff).
struct TariffAssignRequest {
  std::string name;
  std::optional<domain::MeterId> meter;  ///< nullopt: the site default
  std::string operator_id;
  TimePoint at{};
  std::optional<TimePoint> from{};  ///< takes effect then (not before `at`); nullopt: at `at`
};

/// One stored assignment of a tariff.
struct TariffAssignmentRecord {
  std::optional<domain::MeterId> meter;  ///< nullopt: the site default
  TimePoint from{};                      ///< effective from
  TimePoint assigned_at{};               ///< when it was made
  bool operator==(const TariffAssignmentRecord&) const = default;
};

struct TariffRecord {
  std::string name;
  domain::TariffSchedule schedule;
  /// The latest assignment of the site default names this tariff (it may take effect later:
  /// see `assignments`).
  bool site_default = false;
  std::vector<domain::MeterId> meters;  ///< meters whose latest own assignment names this tariff
  std::vector<TariffAssignmentRecord> assignments;  ///< every assignment of it, by target and from
};

/// Tariff = what the meter uses (issue 12.4): a meter-side meter deducts by the price table on
/// it, so whenever the tariff in force for one changes (add_tariff, assign_tariff), its price
/// table (domain::price_table; and a TOU tariff's period table, to its box) is queued to it as a
/// price (tou_schedule) command in the same transaction, confirmed by the bus worker's read-back:
/// at once for a change in force now, at the meter's first answered poll after the instant for a
/// future-dated one (the ADF300 holds one table, not a dated one: never early; see
/// PollSink::record_cycle). Only the meters whose tariff in force (tariff or version) changed;
/// never a duplicate of an open or confirmed equal table (domain::prices_download). Host-side
/// meters and tiered tariffs get nothing (the ledger charges them; the meter cannot apply tiers).
/// A price command typed by hand becomes the meter's own tariff (Outbox::enqueue_command).
class Tariffs {
 public:
  virtual ~Tariffs() = default;

  /// Stores a tariff version with an audit row (a new name creates the tariff); a version in force
  /// at req.at queues the downloads of the meters it now charges (see above). Refused (nothing
  /// written): an empty name, a tariff failing domain::check_tariff, a version not after the
  /// tariff's latest one (history is append-only), a utc_offset other than the tariff's.
  virtual domain::Result<void> add_tariff(const TariffRequest& req) = 0;
  /// Makes a tariff the site default or a meter's own from req.from (default req.at) on, with an
  /// audit row. Assignments are kept as history: a reading interval that spans an assignment's
  /// start is cut there like at a tariff version change (the energy before it at the tariff in
  /// force before). At each instant a meter's own assignment in force overrides the site's. In
  /// force now, it queues the downloads of the meters whose tariff in force it changed (above).
  /// Refused (nothing written): an unknown tariff or meter, `from` before `at`, `from` not after
  /// the target's latest assignment (history is append-only), a tariff in another local time
  /// (UTC offset) than the tariffs already assigned.
  virtual domain::Result<void> assign_tariff(const TariffAssignRequest& req) = 0;
  /// Every stored tariff with its history and assignments, by name.
  virtual std::vector<TariffRecord> tariffs() const = 0;
  /// The tier position of an account (the energy its meters were charged in its current tier
  /// period; a newly opened account starts at zero); nullopt if the account does not exist.
  virtual std::optional<domain::TierState> tier_state(const std::string& account) const = 0;
};

}  // namespace phil::store
