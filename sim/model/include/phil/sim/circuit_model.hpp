#pragma once
// The model of one ADF300 circuit (one tenant meter): energy, money, relay, credits, mode.
// PURE: no I/O, no threads, no clock reads; time comes in through advance_to().
//
// Units: energy Wh (integrated exactly in mJ, see money.hpp), money fen, prices
// 0.0001 yuan/kWh, power W, time the millisecond TimePoint of phil/common/time.hpp.
//
// Behaviour:
//   - While the relay is closed and the box has power, the circuit draws its load (load.hpp).
//     Every whole Wh is counted in the rate the box's time-of-use schedule gives at the instant
//     the Wh completes, and charged at that rate's price by the rounding rule of money.hpp (one
//     sub-fen remainder across all rates). Steps are cut at every TOU period edge and load
//     change, so any step size gives the same result to the Wh and the fen.
//   - Prepaid mode: the relay opens the instant the balance reaches <= 0. The instant is found
//     exactly (to the millisecond) inside whatever step is taken, so one step of an hour trips
//     at the same instant as 3600 steps of a second. Keep-power: the relay stays closed and
//     the balance may go negative. Forced-off: the relay stays open.
//   - Overload (threshold > 0): once the power has been above the threshold for the overload
//     delay without a break, the relay opens (in prepaid and keep-power mode) and the overload
//     flag latches. A mode command (set_mode: restore prepaid, keep power, forced off) clears
//     the latch; prepaid then closes iff the balance is > 0.
//   - No energy is drawn and nothing is charged while the relay is open or the box has no power
//     (set_powered(false)); the relay keeps its state through a power loss.
//   - A credit is accepted only if its count is the last count + 1 (mod 65536); then the
//     balance and the purchase total grow by the amount and, in prepaid mode with a positive
//     balance and no overload latched, the relay closes. Otherwise it is rejected and nothing
//     changes.
//   - A circuit without a relay (spec.has_relay false: an energy-only meter) meters and nothing
//     else: it draws its load whenever the box has power, whatever its mode, balance or
//     overload; nothing is charged; credits and debits are refused; status() has only
//     power_loss.
//   - Three-phase circuits (spec.phases == 3): the load is the total power; it drives energy,
//     money, trips and overload exactly as on a single-phase circuit. It divides among phases
//     A, B, C by the spec's integer weights (phase_split), each phase's share floored on the
//     running sum so that the three shares add up to the total to the watt. Phase currents
//     follow from the phase powers and the supply voltage (unity power factor).
//
// A spec with phases other than 1 or 3, a phase weight outside 0..kMaxPhaseWeight, all weights
// 0, or voltage_dv <= 0 is a programming error (the fleet decoder rejects those first):
// std::invalid_argument.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

#include <phil/common/time.hpp>
#include <phil/sim/circuit_spec.hpp>
#include <phil/sim/load.hpp>
#include <phil/sim/money.hpp>

namespace phil::sim {

/// Status conditions of a circuit; the register bank maps them to the profile's bit numbers.
struct StatusFlags {
  bool alarm1 = false;      ///< balance <= alarm1 threshold
  bool alarm2 = false;      ///< balance <= alarm2 threshold
  bool arrears = false;     ///< balance <= 0
  bool overload = false;    ///< tripped on overload, or power above the threshold now
  bool forced_off = false;  ///< mode is forced-off
  bool keep_power = false;  ///< mode is keep-power
  bool power_loss = false;  ///< the box has no supply
};

class CircuitModel {
 public:
  /// A circuit configured by `spec`, at instant `start`, at a site whose local time is
  /// UTC + `utc_offset` (daily load curves and the TOU schedule run in local time).
  CircuitModel(const CircuitSpec& spec, TimePoint start, std::chrono::minutes utc_offset);

  /// Steps the model from now() to `t`; no-op if `t` is not later than now().
  void advance_to(TimePoint t);
  TimePoint now() const { return now_; }

  /// A credit of `amount_fen` (>= 0) under purchase `count`. True if accepted (count is the last
  /// count + 1 mod 65536); false if rejected, and then nothing has changed.
  bool credit(std::uint16_t count, std::int64_t amount_fen);
  /// What a debit did: applied, or refused with nothing changed.
  enum class DebitResult : std::uint8_t {
    kApplied,
    kWrongCount,       ///< count is not the last debit count + 1 (mod 65536), or amount < 0
    kMoreThanBalance,  ///< amount > balance: a meter never takes more than it holds
  };
  /// A debit of `amount_fen` under debit `count` (its own sequence, as a credit's): takes the
  /// money off the balance. A prepaid circuit whose balance reaches 0 trips at once.
  DebitResult debit(std::uint16_t count, std::int64_t amount_fen);
  /// A mode command, at now(): prepaid ("restore prepaid") closes the relay iff the balance is
  /// > 0; keep-power closes it; forced-off opens it. Any mode command clears an overload trip.
  void set_mode(Mode mode);
  /// A technician's changes on site (`adf300-sim ctl set`), at now(). They bypass the credit
  /// and debit counters on purpose: that is what a developer steers a fake meter with.
  ///
  /// The balance becomes `fen`; the relay then follows the rules as after a debit (prepaid:
  /// closed iff > 0 and no overload latched; reaching <= 0 is a trip). False (nothing changed)
  /// for an energy-only meter, which holds no money.
  bool set_balance(std::int64_t fen);
  /// The energy counted in `rate` becomes `wh` (>= 0, else std::invalid_argument); the total
  /// moves by the same difference, so it stays the sum of the rates.
  void set_energy(Rate rate, std::int64_t wh);
  /// A meter reset to `wh` (>= 0, else std::invalid_argument): the total becomes `wh`, all of
  /// it in `rate` (the caller passes the rate in force), the other rates 0.
  void reset_energy(std::int64_t wh, Rate rate);
  /// The relay switched by hand: `closed` from now on, until the model's own rules next act (a
  /// prepaid circuit without money trips at its next step; a credit, debit or mode command
  /// settles it). False (nothing changed) for an energy-only meter, which has no relay.
  bool set_relay(bool closed);
  /// The load drawn from now() on (a random walk starts at now()).
  void set_load(const LoadSpec& load);
  /// Price of `rate` in 0.0001 yuan/kWh (>= 0), from now() on.
  void set_price(Rate rate, std::int64_t price) { prices_[index(rate)] = price; }
  void set_alarm1_fen(std::int64_t fen) { alarm1_fen_ = fen; }
  void set_alarm2_fen(std::int64_t fen) { alarm2_fen_ = fen; }
  /// Overload threshold in W; 0 disables overload protection (the default).
  void set_overload_w(std::int64_t w);
  /// How long the power must stay above the threshold before the relay trips (>= 0).
  void set_overload_delay(Millis delay) { overload_delay_ = delay; }
  /// The time-of-use schedule from now() on.
  void set_tou(const TouSchedule& schedule) { tou_ = schedule; }
  /// Supply to the box on or off, from now() on.
  void set_powered(bool on);
  /// Three-phase: the split of the total power among the phases from now() on (see
  /// CircuitSpec::phase_split). Throws std::invalid_argument for an invalid split.
  void set_phase_split(const std::array<std::int64_t, 3>& split);

  std::int64_t energy_wh() const { return energy_wh_; }
  std::int64_t energy_wh(Rate rate) const { return energy_rate_wh_[index(rate)]; }
  std::int64_t balance_fen() const { return balance_fen_; }
  /// Power drawn at now(), W: the load's power if the relay is closed and powered, else 0.
  std::int64_t power_w() const;
  /// Power of phase `p` at now(), W. Three-phase: its share of power_w(); the three shares sum
  /// to power_w() exactly. Single-phase: phase A carries power_w(), B and C are 0.
  std::int64_t power_w(Phase p) const;
  /// 1 or 3.
  int phases() const { return phases_; }
  const std::array<std::int64_t, 3>& phase_split() const { return phase_split_; }
  /// Supply voltage, 0.1 V: every phase has it; on a three-phase circuit also their mean.
  std::int64_t voltage_dv() const { return voltage_dv_; }
  std::int64_t voltage_dv(Phase) const { return voltage_dv_; }
  /// Current of phase `p` at now(), mA (floored): power_w(p) / voltage.
  std::int64_t current_ma(Phase p) const;
  /// Current at now(), mA (floored): single-phase: power_w() / voltage; three-phase: the mean of
  /// the phase currents.
  std::int64_t current_ma() const;
  bool relay_closed() const { return relay_closed_; }
  /// False for an energy-only meter (CircuitSpec::has_relay): its relay reads always closed.
  bool has_relay() const { return has_relay_; }
  bool powered() const { return powered_; }
  Mode mode() const { return mode_; }
  std::uint16_t purchase_count() const { return purchase_count_; }
  std::int64_t last_purchase_fen() const { return last_purchase_fen_; }
  std::int64_t purchase_total_fen() const { return purchase_total_fen_; }
  std::uint16_t debit_count() const { return debit_count_; }
  std::int64_t last_debit_fen() const { return last_debit_fen_; }
  std::int64_t debit_total_fen() const { return debit_total_fen_; }
  std::int64_t price(Rate rate) const { return prices_[index(rate)]; }
  std::int64_t alarm1_fen() const { return alarm1_fen_; }
  std::int64_t alarm2_fen() const { return alarm2_fen_; }
  /// False: the device sets no status bits (CircuitSpec::status_bits).
  bool sets_status_bits() const { return status_bits_; }
  std::int64_t overload_w() const { return overload_w_; }
  Millis overload_delay() const { return overload_delay_; }
  bool overload_tripped() const { return overload_tripped_; }
  const TouSchedule& tou() const { return tou_; }
  const LoadSpec& load() const { return load_; }
  StatusFlags status() const;
  /// The instant the relay last opened because the balance ran out (prepaid trip).
  std::optional<TimePoint> last_trip() const { return last_trip_; }
  /// The instant the relay last opened on overload.
  std::optional<TimePoint> last_overload_trip() const { return last_overload_trip_; }

 private:
  static std::size_t index(Rate r) { return static_cast<std::size_t>(r); }
  /// Milliseconds of drawing `power_w` at `price` after which the balance is <= 0; nullopt if
  /// not within any step the model takes (free energy, or an absurdly large balance).
  std::optional<std::int64_t> ms_until_empty(std::int64_t power_w, std::int64_t price) const;
  void consume(std::int64_t power_w, std::int64_t ms, Rate rate);
  std::int64_t load_now(TimePoint t);
  /// Whether the relay is held closed by the mode, the balance and the overload latch.
  bool wants_closed() const;
  /// Sets the relay to wants_closed(); a prepaid relay that opens by it is a trip (last_trip).
  void settle_relay();

  std::chrono::minutes utc_offset_;
  int phases_;
  std::array<std::int64_t, 3> phase_split_;
  std::int64_t voltage_dv_;
  TimePoint now_;
  LoadSpec load_;
  WalkState walk_;
  Mode mode_;
  bool relay_closed_ = false;
  bool powered_ = true;
  bool overload_tripped_ = false;
  bool has_relay_;  // false: an energy meter (CircuitSpec::has_relay)
  std::int64_t energy_wh_ = 0;
  std::array<std::int64_t, 4> energy_rate_wh_{};
  std::int64_t balance_fen_;
  std::uint16_t purchase_count_;
  std::int64_t last_purchase_fen_ = 0;
  std::int64_t purchase_total_fen_ = 0;
  std::uint16_t debit_count_;
  std::int64_t last_debit_fen_ = 0;
  std::int64_t debit_total_fen_ = 0;
  std::array<std::int64_t, 4> prices_{};
  std::int64_t alarm1_fen_;
  std::int64_t alarm2_fen_;
  bool status_bits_ = true;
  std::int64_t overload_w_ = 0;
  Millis overload_delay_{60'000};
  std::optional<TimePoint> over_since_;  // power above threshold since (relay closed, powered)
  TouSchedule tou_;
  EnergyIntegrator energy_;
  ChargeAccumulator charge_;
  std::optional<TimePoint> last_trip_;
  std::optional<TimePoint> last_overload_trip_;
};

}  // namespace phil::sim
