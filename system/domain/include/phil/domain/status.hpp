#pragma once
// Meter status as operators see it (the colour on the console), decided by the system (issue
// 12.6): from the account, the comm history, and the balance that holds the account's money
// against the stored alarm thresholds. The device's own status bits are only cross-checked.
// Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <phil/domain/reading.hpp>
#include <phil/domain/site_model.hpp>

namespace phil::domain {

enum class MeterStatus : std::uint8_t {
  kNotOpened,  ///< no open account on the meter
  kNormal,
  kAlarm1,   ///< balance at or below the stored alarm threshold 1
  kAlarm2,   ///< balance at or below the stored alarm threshold 2
  kArrears,  ///< balance <= 0
  kOffline,  ///< `offline_after` failed poll cycles in a row
};

/// Default number of failed cycles in a row after which a meter is offline.
inline constexpr int kDefaultOfflineAfter = 3;

std::string_view to_string(MeterStatus s);
std::optional<MeterStatus> parse_meter_status(std::string_view s);

struct StatusInputs {
  bool account_open = false;
  int failed_cycles = 0;  ///< poll cycles in a row the meter did not answer
  int offline_after = kDefaultOfflineAfter;
  /// The balance that holds the account's money, fen: the meter's last read balance for a
  /// meter-side meter (nullopt: never read), the account's ledger balance for a host-side one.
  std::optional<std::int64_t> balance_fen;
  /// The meter's stored thresholds (its own, else the site's defaults); the overload is unused.
  Thresholds thresholds;
};

/// Precedence: offline, then not_opened, then arrears (balance <= 0), alarm2 (<= alarm 2),
/// alarm1 (<= alarm 1), normal. An open account whose balance is not known yet (a meter-side
/// meter never read) is normal: nothing is known against it. The relay is no input: a relay
/// that disagrees with its mode and balance is a relay_mismatch event (supervision.hpp), and the
/// device's status bits are only cross-checked (status_bits_mismatch).
MeterStatus derive_status(const StatusInputs& in);

/// What a device's own status bits say of its balance: arrears, else alarm2, else alarm1, else
/// normal.
MeterStatus status_of_bits(const MeterReading& r);

/// The cross-check of an answering meter-side meter with an open account: its device's bits
/// (status_of_bits) against the status the system derived from the balance (`derived`, one of
/// normal, alarm1, alarm2, arrears). nullopt when they agree, else the disagreement as a key
/// "DERIVED/DEVICE" (e.g. "alarm1/normal"): one event per distinct key in a row, so a device
/// that keeps disagreeing the same way is reported once. Other statuses (offline, not opened)
/// compare nothing: nullopt.
std::optional<std::string> status_bits_mismatch(MeterStatus derived, const MeterReading& r);

/// The status a meter takes when an account is opened on it (`account_open`) or closed, or the
/// meter is replaced (the old one leaves its account, the new one joins it). An offline meter
/// keeps its status: comm state outranks the account, as in derive_status; the next answered
/// poll derives the rest. Otherwise: normal with an open account, else not_opened.
MeterStatus status_after_account_change(MeterStatus current, bool account_open);

}  // namespace phil::domain
