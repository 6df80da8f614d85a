#include <phil/domain/supervision.hpp>

namespace phil::domain {

bool counters_went_back(const MeterReading& was, const MeterReading& is) {
  const bool count_wrapped = was.purchase_count > 65'000 && is.purchase_count < 500;
  const bool count_back = is.purchase_count < was.purchase_count && !count_wrapped;
  return is.energy_wh < was.energy_wh || count_back;
}

bool serials_suspect(bool serials_known, bool recovered, std::span<const MeterReading> last,
                     std::span<const MeterReading> now) {
  if (!serials_known || recovered) return true;
  for (std::size_t i = 0; i < now.size() && i < last.size(); ++i) {
    if (counters_went_back(last[i], now[i])) return true;
  }
  return false;
}

std::optional<std::string> relay_mismatch(const MeterReading& reading,
                                          std::optional<MeterMode> commanded) {
  if (reading.mode == MeterMode::kForcedOff && reading.relay_closed) {
    return "mode forced_off but the relay reports closed";
  }
  if (reading.mode == MeterMode::kKeepPower && !reading.relay_closed) {
    return "mode keep_power but the relay reports open";
  }
  if (commanded && *commanded != reading.mode) {
    return "commanded mode " + std::string(to_string(*commanded)) + " but the meter reports " +
           std::string(to_string(reading.mode));
  }
  return std::nullopt;
}

std::string_view to_string(HostRelayAction a) {
  return a == HostRelayAction::kTrip ? "host_trip" : "host_close";
}

RelayCommand relay_command(HostRelayAction a) {
  return a == HostRelayAction::kTrip ? RelayCommand::kForcedOff : RelayCommand::kClose;
}

std::optional<HostRelayAction> decide_host_relay(std::int64_t balance_fen, MeterMode mode,
                                                 const std::function<bool()>& tripped_by_host) {
  if (balance_fen <= 0 && mode == MeterMode::kPrepaid) return HostRelayAction::kTrip;
  if (balance_fen > 0 && mode == MeterMode::kForcedOff && tripped_by_host()) {
    return HostRelayAction::kClose;
  }
  return std::nullopt;
}

bool tripped_by_host(std::span<const std::string_view> event_kinds) {
  for (auto it = event_kinds.rbegin(); it != event_kinds.rend(); ++it) {
    if (*it == to_string(HostRelayAction::kTrip)) return true;
    if (*it == to_string(HostRelayAction::kClose)) return false;
  }
  return false;
}

}  // namespace phil::domain
