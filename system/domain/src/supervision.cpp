#include <phil/domain/supervision.hpp>

#include "enum_names.hpp"

namespace phil::domain {

namespace {

constexpr detail::NameTable<HostRelayAction, 3> kHostActionNames{{
    {HostRelayAction::kTrip, "host_trip"},
    {HostRelayAction::kClose, "host_close"},
    {HostRelayAction::kHold, "host_hold"},
}};

}  // namespace

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
  return detail::name_of(kHostActionNames, a);
}

RelayCommand relay_command(HostRelayAction a) {
  return a == HostRelayAction::kTrip ? RelayCommand::kForcedOff : RelayCommand::kKeepPower;
}

std::optional<HostRelayAction> decide_host_relay(std::int64_t balance_fen, MeterMode mode,
                                                 const std::function<bool()>& tripped_by_host,
                                                 const std::function<bool()>& kept_by_operator) {
  switch (mode) {
    case MeterMode::kPrepaid:
      return balance_fen <= 0 ? HostRelayAction::kTrip : HostRelayAction::kHold;
    case MeterMode::kKeepPower:
      if (balance_fen <= 0 && !kept_by_operator()) return HostRelayAction::kTrip;
      return std::nullopt;
    case MeterMode::kForcedOff:
      if (balance_fen > 0 && tripped_by_host()) return HostRelayAction::kClose;
      return std::nullopt;
    case MeterMode::kUnknown:
      return std::nullopt;
  }
  return std::nullopt;
}

bool tripped_by_host(std::span<const std::string_view> event_kinds) {
  for (auto it = event_kinds.rbegin(); it != event_kinds.rend(); ++it) {
    if (*it == to_string(HostRelayAction::kTrip)) return true;
    if (*it == to_string(HostRelayAction::kClose) || *it == to_string(HostRelayAction::kHold)) {
      return false;
    }
  }
  return false;
}

}  // namespace phil::domain
