#include <algorithm>
#include <stdexcept>
#include <string>

#include <phil/sim/circuit_model.hpp>
#include <phil/sim/load.hpp>

namespace phil::sim {

namespace {

// Long steps are cut into days so that power x ms never overflows (10 MW x 1 day = 8.6e17 mJ).
constexpr Millis kMaxSegment = std::chrono::hours(24);
// More Wh than any one segment can draw: past this the balance cannot run out within it.
constexpr std::int64_t kMaxWhPerSegment = 1'000'000'000'000;

const std::array<std::int64_t, 3>& checked_split(const std::array<std::int64_t, 3>& split) {
  std::int64_t sum = 0;
  for (const std::int64_t w : split) {
    if (w < 0 || w > kMaxPhaseWeight) {
      throw std::invalid_argument("phase split weight " + std::to_string(w) + " is outside 0.." +
                                  std::to_string(kMaxPhaseWeight));
    }
    sum += w;
  }
  if (sum == 0) throw std::invalid_argument("phase split weights are all 0; give one > 0");
  return split;
}

int checked_phases(int phases) {
  if (phases != 1 && phases != 3) {
    throw std::invalid_argument("a circuit has 1 or 3 phases, not " + std::to_string(phases));
  }
  return phases;
}

std::int64_t checked_voltage(std::int64_t dv) {
  if (dv <= 0) throw std::invalid_argument("supply voltage must be > 0 (in 0.1 V)");
  return dv;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

CircuitModel::CircuitModel(const CircuitSpec& spec, TimePoint start,
                           std::chrono::minutes utc_offset)
    : utc_offset_(utc_offset),
      phases_(checked_phases(spec.phases)),
      phase_split_(checked_split(spec.phase_split)),
      voltage_dv_(checked_voltage(spec.voltage_dv)),
      now_(start),
      load_(spec.load),
      walk_(spec.load, start),
      mode_(spec.mode),
      has_relay_(spec.has_relay),
      balance_fen_(spec.balance_fen),
      purchase_count_(spec.purchase_count),
      debit_count_(spec.debit_count),
      alarm1_fen_(spec.alarm1_fen),
      alarm2_fen_(spec.alarm2_fen),
      status_bits_(spec.status_bits),
      overload_w_(spec.overload_w),
      overload_delay_(spec.overload_delay) {
  for (std::size_t i = 0; i < prices_.size(); ++i)
    prices_[i] = spec.prices[i] >= 0 ? spec.prices[i] : spec.price;
  tou_.periods[0] = TouPeriod{0, Rate::kFlat};
  set_mode(spec.mode);
}

bool CircuitModel::wants_closed() const {
  if (!has_relay_) return true;  // an energy-only meter: nothing ever opens its line
  switch (mode_) {
    case Mode::kForcedOff:
      return false;
    case Mode::kKeepPower:
      return !overload_tripped_;
    case Mode::kPrepaid:
      break;
  }
  return !overload_tripped_ && balance_fen_ > 0;
}

void CircuitModel::set_mode(Mode mode) {
  mode_ = mode;
  overload_tripped_ = false;
  over_since_.reset();
  settle_relay();
}

void CircuitModel::settle_relay() {
  const bool was_closed = relay_closed_;
  relay_closed_ = wants_closed();
  if (mode_ == Mode::kPrepaid && was_closed && !relay_closed_) last_trip_ = now_;
}

bool CircuitModel::set_balance(std::int64_t fen) {
  if (!has_relay_) return false;
  balance_fen_ = fen;
  settle_relay();
  return true;
}

void CircuitModel::set_energy(Rate rate, std::int64_t wh) {
  if (wh < 0) throw std::invalid_argument("set_energy: negative energy");
  energy_wh_ += wh - energy_rate_wh_[index(rate)];
  energy_rate_wh_[index(rate)] = wh;
}

void CircuitModel::reset_energy(std::int64_t wh, Rate rate) {
  if (wh < 0) throw std::invalid_argument("reset_energy: negative energy");
  energy_rate_wh_.fill(0);
  energy_rate_wh_[index(rate)] = wh;
  energy_wh_ = wh;
}

bool CircuitModel::set_relay(bool closed) {
  if (!has_relay_) return false;
  relay_closed_ = closed;
  over_since_.reset();
  return true;
}

void CircuitModel::set_load(const LoadSpec& load) {
  load_ = load;
  walk_ = WalkState(load, now_);
}

void CircuitModel::set_overload_w(std::int64_t w) {
  overload_w_ = w;
  over_since_.reset();  // the delay counts from the instant the (new) threshold is exceeded
}

void CircuitModel::set_powered(bool on) {
  powered_ = on;
  over_since_.reset();
}

bool CircuitModel::credit(std::uint16_t count, std::int64_t amount_fen) {
  if (!has_relay_ || amount_fen < 0) return false;
  if (count != static_cast<std::uint16_t>(purchase_count_ + 1U)) return false;
  purchase_count_ = count;
  last_purchase_fen_ = amount_fen;
  purchase_total_fen_ += amount_fen;
  balance_fen_ += amount_fen;
  if (mode_ == Mode::kPrepaid && wants_closed()) relay_closed_ = true;
  return true;
}

CircuitModel::DebitResult CircuitModel::debit(std::uint16_t count, std::int64_t amount_fen) {
  if (!has_relay_ || amount_fen < 0 || count != static_cast<std::uint16_t>(debit_count_ + 1U))
    return DebitResult::kWrongCount;
  if (amount_fen > balance_fen_) return DebitResult::kMoreThanBalance;
  debit_count_ = count;
  last_debit_fen_ = amount_fen;
  debit_total_fen_ += amount_fen;
  balance_fen_ -= amount_fen;
  settle_relay();
  return DebitResult::kApplied;
}

std::int64_t CircuitModel::load_now(TimePoint t) {
  if (load_.kind == LoadSpec::Kind::kWalk) return walk_.power_at(load_, t);
  return load_power_w(load_, t, utc_offset_);
}

std::int64_t CircuitModel::power_w() const {
  if (!relay_closed_ || !powered_) return 0;
  if (load_.kind == LoadSpec::Kind::kWalk) {
    WalkState copy = walk_;  // const: step a copy, the model steps its own when it advances
    return copy.power_at(load_, now_);
  }
  return load_power_w(load_, now_, utc_offset_);
}

void CircuitModel::set_phase_split(const std::array<std::int64_t, 3>& split) {
  phase_split_ = checked_split(split);
}

std::int64_t CircuitModel::power_w(Phase p) const {
  const std::int64_t total = power_w();
  const auto i = static_cast<std::size_t>(p);
  if (phases_ == 1) return i == 0 ? total : 0;
  // Shares floored on the running sum of weights: phase i gets floor(P * W(<=i) / W) -
  // floor(P * W(<i) / W), so A + B + C = P exactly and each is within 1 W of its exact share.
  const std::int64_t all = phase_split_[0] + phase_split_[1] + phase_split_[2];
  std::int64_t before = 0;
  for (std::size_t k = 0; k < i; ++k)
    before += phase_split_[k];
  const std::int64_t through = before + phase_split_[i];
  return floor_div(total * through, all) - floor_div(total * before, all);
}

std::int64_t CircuitModel::current_ma(Phase p) const {
  return floor_div(power_w(p) * 10'000, voltage_dv_);
}

std::int64_t CircuitModel::current_ma() const {
  if (phases_ == 1) return current_ma(Phase::kA);
  return floor_div(current_ma(Phase::kA) + current_ma(Phase::kB) + current_ma(Phase::kC), 3);
}

StatusFlags CircuitModel::status() const {
  StatusFlags s;
  s.power_loss = !powered_;
  if (!has_relay_) return s;  // no money, no mode, no overload protection
  s.alarm1 = balance_fen_ <= alarm1_fen_;
  s.alarm2 = balance_fen_ <= alarm2_fen_;
  s.arrears = balance_fen_ <= 0;
  s.overload = overload_tripped_ || (overload_w_ > 0 && power_w() > overload_w_);
  s.forced_off = mode_ == Mode::kForcedOff;
  s.keep_power = mode_ == Mode::kKeepPower;
  return s;
}

std::optional<std::int64_t> CircuitModel::ms_until_empty(std::int64_t power_w,
                                                         std::int64_t price) const {
  if (price <= 0 || power_w <= 0) return std::nullopt;
  if (balance_fen_ <= 0) return 0;
  // Fewest whole Wh whose charge takes the whole balance, then the fewest ms to complete them.
  const std::int64_t need_subfen = balance_fen_ * kSubFenPerFen - charge_.remainder();
  const std::int64_t wh = (need_subfen + price - 1) / price;
  if (wh > kMaxWhPerSegment) return std::nullopt;
  const std::int64_t need_mj = wh * kMilliJoulePerWh - energy_.remainder_mj();
  return (need_mj + power_w - 1) / power_w;
}

void CircuitModel::consume(std::int64_t power_w, std::int64_t ms, Rate rate) {
  const std::int64_t wh = energy_.add(power_w, ms);
  if (wh == 0) return;
  energy_wh_ += wh;
  energy_rate_wh_[index(rate)] += wh;
  if (has_relay_) balance_fen_ -= charge_.charge(prices_[index(rate)], wh);
}

void CircuitModel::advance_to(TimePoint t) {
  while (now_ < t) {
    if (!relay_closed_ || !powered_) {
      over_since_.reset();
      now_ = t;
      return;
    }
    // Every instant at which power, rate or relay may change ends a segment, so the segments
    // (and hence the result) do not depend on the steps the caller takes.
    const std::int64_t power = load_now(now_);
    if (has_relay_ && overload_w_ > 0 && power > overload_w_) {
      if (!over_since_) over_since_ = now_;
      if (now_ >= *over_since_ + overload_delay_) {
        relay_closed_ = false;
        overload_tripped_ = true;
        last_overload_trip_ = now_;
        over_since_.reset();
        continue;
      }
    } else {
      over_since_.reset();
    }
    TimePoint end = std::min({t, next_load_change(load_, now_, utc_offset_),
                              next_tou_change(tou_, now_, utc_offset_), now_ + kMaxSegment});
    if (load_.kind == LoadSpec::Kind::kWalk) end = std::min(end, walk_.next_change(load_, now_));
    if (over_since_) end = std::min(end, *over_since_ + overload_delay_);
    const Rate rate = tou_rate_at(tou_, now_, utc_offset_);
    const std::int64_t ms = (end - now_).count();
    if (has_relay_ && mode_ == Mode::kPrepaid) {
      const auto trip_ms = ms_until_empty(power, prices_[index(rate)]);
      if (trip_ms && *trip_ms <= ms) {
        consume(power, *trip_ms, rate);
        now_ += Millis(*trip_ms);
        relay_closed_ = false;
        last_trip_ = now_;
        continue;
      }
    }
    consume(power, ms, rate);
    now_ = end;
  }
}

}  // namespace phil::sim
