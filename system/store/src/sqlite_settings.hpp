#pragma once
// Settings = the stored ones (issue 12.5), as the SQLite store applies it: the thresholds stored
// for a meter (its own, else the site's) are queued to the meter when they change and at its
// first contact, never twice (domain::thresholds_download decides), and what a confirmed
// read-back wrote is recorded as the meter's on-meter values. Each runs inside the caller's
// transaction.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/outbox.hpp>
#include <phil/domain/site_model.hpp>

#include "sqlite.hpp"

namespace phil::store::settings {

/// What the thresholds rule needs of one meter.
struct MeterThresholds {
  domain::Thresholds stored;                   ///< in force: its own values, else the site's
  std::optional<domain::Thresholds> on_meter;  ///< last confirmed by read-back; nullopt: unknown
  std::optional<domain::ThresholdsPayload> newest_open;  ///< newest pending or in-flight command
};

/// nullopt if the meter is not registered or is a plain energy meter (meters.metering_only: it
/// holds no thresholds, so none are ever queued to it).
std::optional<MeterThresholds> load(sqlite::Db& db, const domain::MeterId& meter);

/// The newest open (pending or in-flight) thresholds command of `meter`: its id and values.
std::optional<std::pair<std::int64_t, domain::ThresholdsPayload>> newest_open(
    sqlite::Db& db, const domain::MeterId& meter);

/// The thresholds in force of every registered meter but plain energy meters, by meter id (a site
/// import compares them before and after).
std::map<std::string, domain::Thresholds> stored_of_all(sqlite::Db& db);

/// Queues `meter`'s stored thresholds if domain::thresholds_download says it needs them: its
/// pending thresholds commands superseded, the new command and an audit row naming
/// `operator_id` and `why` ("site import", "first contact"). Returns the new command's id.
std::optional<std::int64_t> sync_thresholds(sqlite::Db& db, const domain::MeterId& meter,
                                            const std::string& operator_id, const std::string& why,
                                            TimePoint at);

/// A poll's first-contact check: each meter of `read` whose check is due is synced
/// (sync_thresholds by "system") and its check cleared.
void first_contact(sqlite::Db& db, const std::vector<domain::MeterId>& read, TimePoint at);

/// Records the thresholds a confirmed command wrote to `meter` as its on-meter values.
void record_confirmed(sqlite::Db& db, const std::string& meter, const domain::ThresholdsPayload& t,
                      TimePoint at);

/// A new device behind `meter` (a detected swap): its thresholds are not known any more, and its
/// next answered poll is a first contact.
void forget_on_meter(sqlite::Db& db, const domain::MeterId& meter);

}  // namespace phil::store::settings
