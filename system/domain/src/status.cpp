#include <phil/domain/status.hpp>

#include "enum_names.hpp"

namespace phil::domain {

namespace {

constexpr detail::NameTable<MeterStatus, 6> kStatusNames{{
    {MeterStatus::kNotOpened, "not_opened"},
    {MeterStatus::kNormal, "normal"},
    {MeterStatus::kAlarm1, "alarm1"},
    {MeterStatus::kAlarm2, "alarm2"},
    {MeterStatus::kArrears, "arrears"},
    {MeterStatus::kOffline, "offline"},
}};

constexpr detail::NameTable<MeterMode, 4> kModeNames{{
    {MeterMode::kPrepaid, "prepaid"},
    {MeterMode::kKeepPower, "keep_power"},
    {MeterMode::kForcedOff, "forced_off"},
    {MeterMode::kUnknown, "unknown"},
}};

}  // namespace

std::string_view to_string(MeterStatus s) {
  return detail::name_of(kStatusNames, s);
}
std::optional<MeterStatus> parse_meter_status(std::string_view s) {
  return detail::value_of(kStatusNames, s);
}
std::string_view to_string(MeterMode m) {
  return detail::name_of(kModeNames, m);
}
std::optional<MeterMode> parse_meter_mode(std::string_view s) {
  return detail::value_of(kModeNames, s);
}

StateReading state_of(const MeterReading& r) {
  return {r.balance_fen, r.relay_closed, r.mode,    r.status_bits,
          r.alarm1,      r.alarm2,       r.arrears, r.overload};
}

void apply_state(MeterReading& r, const StateReading& s) {
  r.balance_fen = s.balance_fen;
  r.relay_closed = s.relay_closed;
  r.mode = s.mode;
  r.status_bits = s.status_bits;
  r.alarm1 = s.alarm1;
  r.alarm2 = s.alarm2;
  r.arrears = s.arrears;
  r.overload = s.overload;
}

MeterStatus derive_status(const StatusInputs& in) {
  if (in.failed_cycles >= in.offline_after) return MeterStatus::kOffline;
  if (!in.account_open) return MeterStatus::kNotOpened;
  if (!in.balance_fen) return MeterStatus::kNormal;
  const auto balance = *in.balance_fen;
  if (balance <= 0) return MeterStatus::kArrears;
  if (balance <= in.thresholds.alarm2_fen) return MeterStatus::kAlarm2;
  if (balance <= in.thresholds.alarm1_fen) return MeterStatus::kAlarm1;
  return MeterStatus::kNormal;
}

MeterStatus status_of_bits(const MeterReading& r) {
  if (r.arrears) return MeterStatus::kArrears;
  if (r.alarm2) return MeterStatus::kAlarm2;
  if (r.alarm1) return MeterStatus::kAlarm1;
  return MeterStatus::kNormal;
}

std::optional<std::string> status_bits_mismatch(MeterStatus derived, const MeterReading& r) {
  switch (derived) {
    case MeterStatus::kNormal:
    case MeterStatus::kAlarm1:
    case MeterStatus::kAlarm2:
    case MeterStatus::kArrears:
      break;
    case MeterStatus::kNotOpened:
    case MeterStatus::kOffline:
      return std::nullopt;
  }
  const auto device = status_of_bits(r);
  if (device == derived) return std::nullopt;
  return std::string(to_string(derived)) + "/" + std::string(to_string(device));
}

MeterStatus status_after_account_change(MeterStatus current, bool account_open) {
  if (current == MeterStatus::kOffline) return current;
  return account_open ? MeterStatus::kNormal : MeterStatus::kNotOpened;
}

}  // namespace phil::domain
