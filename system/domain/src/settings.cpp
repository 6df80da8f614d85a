#include <phil/domain/settings.hpp>

namespace phil::domain {

ThresholdsPayload thresholds_payload(const Thresholds& t) {
  return {t.alarm1_fen, t.alarm2_fen, t.overload_w};
}

std::optional<Thresholds> thresholds_expected(const std::optional<Thresholds>& on_meter,
                                              const std::optional<ThresholdsPayload>& newest_open) {
  if (newest_open) {
    return Thresholds{newest_open->alarm1_fen, newest_open->alarm2_fen, newest_open->overload_w};
  }
  return on_meter;
}

std::optional<ThresholdsPayload> thresholds_download(
    const Thresholds& stored, const std::optional<Thresholds>& on_meter,
    const std::optional<ThresholdsPayload>& newest_open) {
  if (thresholds_expected(on_meter, newest_open) == stored) return std::nullopt;
  return thresholds_payload(stored);
}

bool thresholds_differ(const Thresholds& stored, const std::optional<Thresholds>& on_meter) {
  return on_meter && *on_meter != stored;
}

}  // namespace phil::domain
