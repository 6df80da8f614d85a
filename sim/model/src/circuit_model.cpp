#include <algorithm>

#include <phil/sim/circuit_model.hpp>
#include <phil/sim/load.hpp>

namespace phil::sim {

namespace {

// Long steps are cut into days so that power x ms never overflows (10 MW x 1 day = 8.6e17 mJ).
constexpr Millis kMaxSegment = std::chrono::hours(24);
// More Wh than any one segment can draw: past this the balance cannot run out within it.
constexpr std::int64_t kMaxWhPerSegment = 1'000'000'000'000;

}  // namespace

CircuitModel::CircuitModel(const CircuitSpec& spec, TimePoint start,
                           std::chrono::minutes utc_offset)
    : utc_offset_(utc_offset),
      now_(start),
      load_(spec.load),
      mode_(spec.mode),
      balance_fen_(spec.balance_fen),
      purchase_count_(spec.purchase_count),
      alarm1_fen_(spec.alarm1_fen),
      alarm2_fen_(spec.alarm2_fen) {
  prices_.fill(spec.price);
  set_mode(spec.mode);
}

void CircuitModel::set_mode(Mode mode) {
  mode_ = mode;
  switch (mode) {
    case Mode::kPrepaid: {
      const bool was_closed = relay_closed_;
      relay_closed_ = balance_fen_ > 0;
      if (was_closed && !relay_closed_) last_trip_ = now_;
      break;
    }
    case Mode::kKeepPower:
      relay_closed_ = true;
      break;
    case Mode::kForcedOff:
      relay_closed_ = false;
      break;
  }
}

bool CircuitModel::credit(std::uint16_t count, std::int64_t amount_fen) {
  if (amount_fen < 0) return false;
  if (count != static_cast<std::uint16_t>(purchase_count_ + 1U)) return false;
  purchase_count_ = count;
  last_purchase_fen_ = amount_fen;
  purchase_total_fen_ += amount_fen;
  balance_fen_ += amount_fen;
  if (mode_ == Mode::kPrepaid && balance_fen_ > 0) relay_closed_ = true;
  return true;
}

std::int64_t CircuitModel::power_w() const {
  return relay_closed_ ? load_power_w(load_, now_, utc_offset_) : 0;
}

StatusFlags CircuitModel::status() const {
  StatusFlags s;
  s.alarm1 = balance_fen_ <= alarm1_fen_;
  s.alarm2 = balance_fen_ <= alarm2_fen_;
  s.arrears = balance_fen_ <= 0;
  s.overload = overload_w_ > 0 && power_w() > overload_w_;
  s.forced_off = mode_ == Mode::kForcedOff;
  s.keep_power = mode_ == Mode::kKeepPower;
  return s;
}

std::optional<std::int64_t> CircuitModel::ms_until_empty(std::int64_t power_w) const {
  const std::int64_t price = prices_[index(Rate::kFlat)];
  if (price <= 0 || power_w <= 0) return std::nullopt;
  if (balance_fen_ <= 0) return 0;
  // Fewest whole Wh whose charge takes the whole balance, then the fewest ms to complete them.
  const std::int64_t need_subfen = balance_fen_ * kSubFenPerFen - charge_.remainder();
  const std::int64_t wh = (need_subfen + price - 1) / price;
  if (wh > kMaxWhPerSegment) return std::nullopt;
  const std::int64_t need_mj = wh * kMilliJoulePerWh - energy_.remainder_mj();
  return (need_mj + power_w - 1) / power_w;
}

void CircuitModel::consume(std::int64_t power_w, std::int64_t ms) {
  const std::int64_t wh = energy_.add(power_w, ms);
  if (wh == 0) return;
  energy_wh_ += wh;
  energy_rate_wh_[index(Rate::kFlat)] += wh;
  balance_fen_ -= charge_.charge(prices_[index(Rate::kFlat)], wh);
}

void CircuitModel::advance_to(TimePoint t) {
  while (now_ < t) {
    if (!relay_closed_) {
      now_ = t;
      return;
    }
    const TimePoint end =
        std::min({t, next_load_change(load_, now_, utc_offset_), now_ + kMaxSegment});
    const std::int64_t power = load_power_w(load_, now_, utc_offset_);
    const std::int64_t ms = (end - now_).count();
    if (mode_ == Mode::kPrepaid) {
      const auto trip_ms = ms_until_empty(power);
      if (trip_ms && *trip_ms <= ms) {
        consume(power, *trip_ms);
        now_ += Millis(*trip_ms);
        relay_closed_ = false;
        last_trip_ = now_;
        continue;
      }
    }
    consume(power, ms);
    now_ = end;
  }
}

}  // namespace phil::sim
