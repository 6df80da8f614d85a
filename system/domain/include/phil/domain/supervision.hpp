#pragma once
// Decision rules of bus supervision and host-side billing: pure functions of what the system has
// read and stored. The service does the reading, the storing and the logging around them.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <phil/domain/outbox.hpp>
#include <phil/domain/reading.hpp>

namespace phil::domain {

// ---- meter replacement ----

/// True if a circuit's counters went back between two readings: the energy fell, or the
/// purchase count fell other than by wrapping past 65535 (from above 65000 to below 500).
bool counters_went_back(const MeterReading& was, const MeterReading& is);

/// Whether a box's serial numbers must be read before its readings are stored: they are not
/// known (start-up, or the last read of them failed), the box answers again after failed cycles
/// (`recovered`: it may have been swapped meanwhile), or a circuit's counters went back (a new
/// meter starts from zero). `last` and `now` are per circuit, circuit 1 first; circuits beyond
/// the shorter of the two are not compared.
bool serials_suspect(bool serials_known, bool recovered, std::span<const MeterReading> last,
                     std::span<const MeterReading> now);

// ---- relay supervision ----

/// Why a circuit's relay disagrees with what it was told, for an operator; nullopt when it
/// agrees. Mode forced_off with the relay closed, mode keep_power with the relay open, or a mode
/// register other than `commanded` (the mode the system last confirmed by a command, if any).
std::optional<std::string> relay_mismatch(const MeterReading& reading,
                                          std::optional<MeterMode> commanded);

// ---- host-side billing ----

enum class HostRelayAction : std::uint8_t {
  kTrip,   ///< the account's balance is <= 0: mode forced_off
  kClose,  ///< the balance is back above 0 on a meter the system tripped: keep_power
  /// A host-side meter found in prepaid mode with money in its account: keep_power, so the meter
  /// never trips by itself on its own balance; only the system trips it (issue 12.3).
  kHold,
};

/// The event kind recorded for the action: "host_trip", "host_close" or "host_hold".
std::string_view to_string(HostRelayAction a);
/// The mode command that carries the action: forced_off for a trip, keep_power otherwise.
RelayCommand relay_command(HostRelayAction a);

/// Host-side billing of one meter with an open account that has been read, from the account's
/// ledger balance (fen) and the meter's mode:
///   - prepaid: trip at <= 0, else hold (keep_power);
///   - keep_power: trip at <= 0, unless an operator set it (`kept_by_operator`: 保电, power kept
///     whatever the balance), which is left alone;
///   - forced_off: close once the balance is > 0 if the system, not an operator, tripped it
///     (`tripped_by_host`);
///   - unknown: left alone.
/// The two questions are asked only when the answer decides (each costs a look at the store).
std::optional<HostRelayAction> decide_host_relay(std::int64_t balance_fen, MeterMode mode,
                                                 const std::function<bool()>& tripped_by_host,
                                                 const std::function<bool()>& kept_by_operator);

/// True if the latest host-billing event among a meter's event kinds (oldest first) is a trip;
/// false if it is a close or there is none. Other kinds are ignored.
bool tripped_by_host(std::span<const std::string_view> event_kinds);

}  // namespace phil::domain
