#pragma once
// Alarms (issue 14 item 3): one row per occurrence of a condition an operator must see, with the
// times it was raised and cleared. The bus runtime and the store observe conditions where they
// detect them; which alarms that raises and clears is decided here, from the open alarms and the
// observation, so a condition that persists over many polls keeps its one open alarm and a new
// occurrence after a clearing is a new one. Pure.
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/status.hpp>

namespace phil::domain {

enum class AlarmKind : std::uint8_t {
  kAlarm1,              ///< balance at or below alarm threshold 1 (报警1)
  kAlarm2,              ///< balance at or below alarm threshold 2 (报警2)
  kArrears,             ///< balance at or below zero (欠费)
  kOverloadTrip,        ///< the meter tripped on overload
  kMeterOffline,        ///< a meter did not answer `offline_after` poll cycles in a row
  kBoxOffline,          ///< a box did not answer `offline_after` poll cycles in a row
  kBusOffline,          ///< every box of a bus (comm manager, serial server) is offline
  kRelayMismatch,       ///< the relay disagrees with its mode, balance or command
  kBalanceMismatch,     ///< a meter-side account's meter and ledger disagree
  kClockDrift,          ///< a box's clock is off by more than the limit
  kMeterSwapped,        ///< a meter's serial changed on site (until the swap is completed)
  kCommandFailed,       ///< a command to a meter failed (until a later one is confirmed)
  kStatusBitsMismatch,  ///< the device's status bits disagree with the derived status
};
inline constexpr std::size_t kAlarmKindCount = 13;

/// "alarm1", "alarm2", "arrears", "overload_trip", "meter_offline", "box_offline",
/// "bus_offline", "relay_mismatch", "balance_mismatch", "clock_drift", "meter_swapped",
/// "command_failed", "status_bits_mismatch".
std::string_view to_string(AlarmKind k);
std::optional<AlarmKind> parse_alarm_kind(std::string_view s);

/// What an alarm is about, as structured fields: a meter (bus, box, circuit), a box (bus, box),
/// a bus (bus only), or an account (account only).
struct AlarmTarget {
  std::string bus;
  std::optional<int> box;
  std::optional<int> circuit;
  std::string account;

  static AlarmTarget of_meter(const MeterId& m);
  static AlarmTarget of_box(std::string bus, int address);
  static AlarmTarget of_bus(std::string bus);
  static AlarmTarget of_account(std::string account);
  /// The meter, when the target is one.
  std::optional<MeterId> meter() const;
  /// "bus1/3/12", "bus1/3", "bus1" or "account A401".
  std::string to_string() const;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy misreads the defaulted comparison
  auto operator<=>(const AlarmTarget&) const = default;
};

/// One condition: a kind on a target. At most one alarm per key is open.
struct AlarmKey {
  AlarmKind kind = AlarmKind::kAlarm1;
  AlarmTarget target;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy misreads the defaulted comparison
  auto operator<=>(const AlarmKey&) const = default;
};

/// An open alarm (not cleared) as stored.
struct OpenAlarm {
  std::int64_t id = 0;
  AlarmKey key;
};

/// One condition looked at: whether it holds now, and (when it does) its details as a JSON
/// object's text. A condition not looked at is not in the observation and its alarm is left
/// as it is (an offline meter's balance is not known, so its balance alarms stay).
struct AlarmSeen {
  AlarmKey key;
  bool holds = false;
  std::string details = "{}";
};

struct AlarmChanges {
  std::vector<AlarmSeen> raise;     ///< conditions that hold with no open alarm: a new row each
  std::vector<std::int64_t> clear;  ///< open alarms whose condition was seen not to hold
  bool empty() const { return raise.empty() && clear.empty(); }
};

/// The raise/clear decision: a condition that holds and has no open alarm is raised (once,
/// however often the observation lists it); one that holds and is open already changes
/// nothing; an open alarm whose condition was seen not holding is cleared; anything not looked
/// at is left alone. When an observation lists a key both holding and not, holding wins. Raises
/// come out in key order; clears in id order.
AlarmChanges alarm_changes(const std::vector<OpenAlarm>& open, const std::vector<AlarmSeen>& seen);

/// The status conditions of a meter observed by a poll: its derived `status` decides balance
/// alarm 1, 2, arrears and offline. An offline meter observes only its offline alarm (its balance
/// is not known); otherwise all four are looked at, at most one of them holding (the status is
/// one of them: a balance that falls from alarm 1 to alarm 2 clears the first and raises the
/// second). `details` gives the JSON text of the holding one; it is called only when one holds
/// (a poll observes every meter each cycle, and most hold none).
std::vector<AlarmSeen> status_alarms(const MeterId& meter, MeterStatus status,
                                     const std::function<std::string()>& details);

/// An alarm's occurrence: its key and the time it was active (cleared nullopt: still active).
struct AlarmSpan {
  AlarmKey key;
  TimePoint raised_at{};
  std::optional<TimePoint> cleared_at;
};

/// One meter, box or bus in the offline report: each time it went offline in the period, and
/// for how long in all.
struct OfflineTarget {
  AlarmKind kind = AlarmKind::kMeterOffline;  ///< meter_offline, box_offline or bus_offline
  AlarmTarget target;
  std::vector<AlarmSpan> spells;  ///< oldest first
  Millis total{0};  ///< the time offline within [from, to): each spell clipped to the period
  bool still_offline = false;  ///< the last spell is not cleared
};

/// The offline report (issue 14 item 5: when each meter and comm manager went offline and for
/// how long) from alarm occurrences: the offline kinds only (meter, box, bus), those active at
/// some instant of [from, to), grouped per target. Buses first, then boxes, then meters, each
/// in target order. A spell still active counts up to `to`.
std::vector<OfflineTarget> offline_report(const std::vector<AlarmSpan>& alarms, TimePoint from,
                                          TimePoint to);

}  // namespace phil::domain
