#pragma once
// Meter status as operators see it (the colour on the console), derived from the account, the
// comm history and the last reading. Pure.
#include <cstdint>
#include <optional>
#include <string_view>

#include <phil/domain/reading.hpp>

namespace phil::domain {

enum class MeterStatus : std::uint8_t {
  kNotOpened,  ///< no open account on the meter
  kNormal,
  kAlarm1,   ///< balance at or below alarm threshold 1 (meter's flag)
  kAlarm2,   ///< balance at or below alarm threshold 2 (meter's flag)
  kArrears,  ///< meter balance <= 0 (or the meter says so)
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
  std::optional<MeterReading> last;  ///< last successful reading, if any
};

/// Precedence: offline, then not_opened, then arrears, alarm2, alarm1, normal. A meter never
/// read yet (but not offline) with an open account is normal: nothing is known against it.
MeterStatus derive_status(const StatusInputs& in);

/// The status a meter takes when an account is opened on it (`account_open`) or closed, or the
/// meter is replaced (the old one leaves its account, the new one joins it). An offline meter
/// keeps its status: comm state outranks the account, as in derive_status; the next answered
/// poll derives the rest. Otherwise: normal with an open account, else not_opened.
MeterStatus status_after_account_change(MeterStatus current, bool account_open);

}  // namespace phil::domain
