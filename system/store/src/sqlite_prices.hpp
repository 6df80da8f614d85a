#pragma once
// Tariff = what the meter uses (issue 12.4), as the SQLite store applies it. A meter-side meter
// deducts by the price table on it, so the tariff in force for it (its own assignment, else the
// site's) is downloaded to it whenever that tariff changes:
// - at once, when an assignment or a tariff version taking effect now changes the tariff in force
//   (Tariffs::assign_tariff, add_tariff: only the meters whose tariff in force changed);
// - when a future-dated assignment or version takes effect: the first poll of the meter after
//   the instant (the ADF300 holds one price table, not a dated one, so nothing is queued early);
// - a price command typed by hand becomes the meter's own tariff (hand_price).
// The download is a price command (and, for a TOU tariff, a TOU schedule command to the box),
// never a duplicate of an open one (domain::prices_download, tou_download), confirmed by the
// existing read-back. Host-side meters (the ledger charges them) and tiered tariffs (the meter
// cannot apply tiers) get none. Each runs inside the caller's transaction.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/outbox.hpp>
#include <phil/domain/result.hpp>
#include <phil/domain/tariff.hpp>

#include "sqlite.hpp"
#include "sqlite_billing.hpp"

namespace phil::store::prices {

/// The stored tariffs, assignments and billing modes, read once: which tariff is in force for
/// each registered meter at an instant.
class InForce {
 public:
  explicit InForce(sqlite::Db& db);

  /// The tariff in force for `meter` at `t` (its own assignment in force, else the site's) and
  /// the start of its version in force: what identifies "the tariff in force changed". nullopt:
  /// none assigned, or the meter is not registered.
  struct Key {
    std::int64_t tariff = 0;
    TimePoint version{};
    bool operator==(const Key&) const = default;
  };
  std::optional<Key> key(const std::string& meter, TimePoint t) const;
  /// The tariff (version) in force for `meter` at `t`, or nullptr.
  const domain::Tariff* tariff(const std::string& meter, TimePoint t) const;
  /// The meter's billing mode is meter-side (its own, else the site's).
  bool meter_side(const std::string& meter) const;
  /// Every registered meter's key at `t`.
  std::map<std::string, std::optional<Key>> keys(TimePoint t) const;
  /// The local time of the assigned tariffs (a site has one), else 480 minutes (China).
  std::chrono::minutes utc_offset() const { return offset_; }

 private:
  struct Meter {
    std::vector<domain::TariffAssignment> own;
    bool meter_side = true;
  };
  std::map<std::int64_t, billing::StoredTariff> tariffs_;
  std::vector<domain::TariffAssignment> site_;
  std::map<std::string, Meter> meters_;
  std::chrono::minutes offset_{480};
};

/// Queues the download `meter` needs to hold its tariff in force at `at` (see the header
/// comment): a price command (its pending ones superseded) and, for a TOU tariff, a TOU
/// schedule command to its box, each with an audit row naming `operator_id` and `why`. Nothing
/// for a host-side meter, a meter with no tariff or a tiered one, or one that holds or will hold
/// it. Returns the new price command's id.
std::optional<std::int64_t> sync(sqlite::Db& db, const InForce& in_force,
                                 const domain::MeterId& meter, const std::string& operator_id,
                                 const std::string& why, TimePoint at);

/// After a tariff change in `db` that takes effect at `at`: syncs every meter whose tariff in
/// force at `at` is not `before` (InForce::keys taken before the change).
void sync_changed(sqlite::Db& db, const std::map<std::string, std::optional<InForce::Key>>& before,
                  const std::string& operator_id, const std::string& why, TimePoint at);

/// A poll's check, before its readings are written: each meter of `read` for which an
/// assignment or a tariff version took effect since its previous reading (or, never read, since
/// the change was made) and up to `at`, and whose tariff in force changed by it, is synced.
void poll_crossings(sqlite::Db& db, const std::vector<domain::MeterId>& read, TimePoint at);

/// A price command typed by hand for `meter`: the meter's own tariff becomes `prices` from `at`
/// on, so the system charges what the meter is told to deduct. The tariff
/// domain::manual_tariff_name(meter) gets a version of those rates on the period table of the
/// tariff in force (no tiers) unless its version in force already is that (reused), and the meter's
/// own assignment names it from `at` unless it already does; audit rows "tariff_add" and
/// "tariff_assign" marked "(command price)". Refused (nothing written; the caller rolls back):
/// the meter has an assignment taking effect after `at` (it would override the price then), or
/// one or a manual version made at this same instant.
domain::Result<void> hand_price(sqlite::Db& db, const domain::MeterId& meter,
                                const domain::PricePayload& prices, const std::string& operator_id,
                                TimePoint at);

}  // namespace phil::store::prices
