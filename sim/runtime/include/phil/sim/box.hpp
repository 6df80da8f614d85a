#pragma once
// One simulated metering box as a Modbus register bank: its circuits' models seen through the
// register map of its profile. Reads encode model values into registers; writes decode into
// model commands. No I/O; the Simulator calls it with its mutex held.
//
// Value conversion (exact, integers only): each canonical register has a model unit (energy Wh,
// money fen, prices 0.0001 yuan/kWh, power W, voltage 0.1 V, current mA, power factor 0.001,
// clock s, baud bps). Reading: raw = floor(model value / 10^(scale exp - model exp)), e.g.
// energy_total at scale 0.01 kWh: raw = floor(Wh / 10); balance at 0.01 yuan: raw = fen.
// Writing: model value = raw x 10^(scale exp - model exp), which must be an integer (else 03).
// The voltage is a fixed 220.0 V; current = power / voltage (floored); power factor 1.000;
// serial = serial_base + circuit number as 4-digits-per-word BCD.
//
// Address rule for reads (FC03/FC04): an address inside a register reads that register's word;
// a read touching a write-only register (the password) is exception 02. An address that is in
// no register but inside a circuit block of a circuit this model has — the block spans from
// the lowest base of a group of circuit registers for one stride, e.g. 0x1000..0x101F for
// circuit 1 of adf300l — is a reserved word and reads as 0. Any other address is exception 02.
// Reads longer than the profile's max_read are exception 03.
//
// Writes (FC06/FC10) must cover whole registers that are writable (RW or W) — else exception
// 02, and nothing changes. A write touching purchase_count or purchase_amount must be exactly
// those two registers of one circuit: a credit (count = last + 1 accepted, otherwise exception
// 04); any other write touching them is exception 02. The same holds for debit_count and
// debit_amount, a debit with its own count sequence; a debit larger than the balance is
// exception 03 and takes nothing. Values the register cannot take (mode not
// in the enum, inexact money, address not 1..247, unsupported baud) are exception 03. All
// registers of a write are validated before any is applied. A write to `address` takes effect
// after the reply (the reply comes from the old address); a write to `baud` makes the box deaf
// to the bus until it is written back (it listens at the new rate: what a real box does);
// `clock` shifts the box clock; `password` is accepted and never read back.
//
// tou_schedule: 14 entries of two words, (start as decimal hhmm, e.g. 800 = 08:00; rate 0
// sharp, 1 peak, 2 flat, 3 valley). The schedule is the leading entries whose starts strictly
// increase; the rest are unused (the box fills them with copies of the last used entry). Every
// entry must be a valid time and rate, else exception 03. All zeros means all day sharp. It
// applies to every circuit from the instant of the write; energy is counted and billed per rate.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/sim/circuit_model.hpp>
#include <phil/sim/fleet.hpp>
#include <phil/sim/profile.hpp>
#include <phil/sim/rtu.hpp>

namespace phil::sim {

class Box {
 public:
  /// A box of `model` (from `profile`, which must outlive the box) configured by `spec`, on a
  /// bus at `baud`, at instant `start`. Circuits not in spec.circuits get CircuitSpec defaults.
  Box(const Profile& profile, const ModelInfo& model, const BoxSpec& spec, int baud,
      TimePoint start, std::chrono::minutes utc_offset, std::uint64_t serial_base);

  /// The address the box answers at (the address register: a write moves the box).
  int address() const { return address_register_; }
  /// False while the box's baud register differs from its bus's baud: it cannot hear the bus.
  bool hears_bus() const { return baud_ == bus_baud_; }
  /// Supply on/off for every circuit, from now(): no metering, and (Simulator) no replies.
  void set_powered(bool on);
  bool powered() const { return powered_; }
  /// The meter of circuit `n` is replaced at now(): a new serial, energy, purchases and balance
  /// from zero, factory settings (prepaid, default prices and thresholds), the same load and
  /// the box's TOU schedule. Throws std::out_of_range for a bad circuit.
  void replace_meter(int n);
  /// The box clock gains `ppm` parts per million from now() on (negative: loses).
  void set_clock_drift_ppm(std::int64_t ppm);
  std::int64_t clock_drift_ppm() const { return drift_ppm_; }
  const TouSchedule& tou() const { return tou_; }
  const ModelInfo& model() const { return *model_; }
  int circuit_count() const { return static_cast<int>(circuits_.size()); }
  /// Circuit `n` (1..circuit_count()); throws std::out_of_range otherwise.
  CircuitModel& circuit(int n);
  const CircuitModel& circuit(int n) const;
  /// The status register value of circuit `n`: bits as in the status register's flag set.
  std::uint16_t status_bits(int n) const;
  /// The 12-digit serial number of circuit `n`.
  /// Each replacement of the meter adds 1 to the leading digit (300... -> 400...).
  std::uint64_t serial(int n) const;

  /// One register as a Modbus read returns it, decoded for a person (`adf300-sim ctl show`).
  struct Reading {
    std::string name;  ///< canonical name, e.g. "balance"
    /// The number at the register's scale ("12.30"), an enum label ("closed"), the status word
    /// in hex with the labels of its set bits ("0x0005 alarm1 arrears"), the serial's digits,
    /// the TOU periods ("00:00 valley, 08:00 peak"), or the box clock as a site-local time.
    std::string value;
    std::string unit;       ///< the register's unit, "" if none
    std::int64_t raw = 0;   ///< the register's number as read (0 for raw and BCD registers)
    bool writable = false;  ///< RW or W in the profile
  };
  /// Every readable register of circuit `n` or, for n == 0, of the box, in profile order, as a
  /// read at now() returns it. Throws std::out_of_range for a bad circuit.
  std::vector<Reading> readings(int n) const;
  /// Sets register or status flag `name` of circuit `n` (0: a box register) to `value`, as a
  /// technician on site could, at now(). `value` is written as `readings` shows it: a number in
  /// the register's unit with at most its decimals, an enum label (or its number), a flag as
  /// 1/0/on/off, the clock as a timestamp or local seconds, the TOU schedule as
  /// "HH:MM=rate,...". Measured registers the model keeps (balance, energy by rate or in total:
  /// a meter reset, relay) are set in the model; settings (mode, thresholds, prices, address,
  /// baud, clock, TOU) go through write() exactly as a Modbus write would; status flags the
  /// model does not derive (e.g. not_opened) are held until set back. nullopt on success;
  /// otherwise what is wrong and what to write instead, and nothing has changed. Throws
  /// std::out_of_range for a bad circuit.
  std::optional<std::string> set_state(int n, std::string_view name, std::string_view value);
  /// The registers a request touches, for trace lines: "[c1.energy_total .. c1.debit_total,
  /// 19 registers]" for a read; for a write the decoded values and what it is: "[credit c3 #5
  /// +50.00 yuan]", "[debit c3 #2 -5.00 yuan]", "[setting c3.mode=keep_power]". "" if the
  /// request touches no register of this box's map (it is answered with an exception).
  std::string describe(const rtu::Request& request) const;

  /// Steps every circuit to `t` (no-op for circuits already there).
  void advance_to(TimePoint t);
  TimePoint now() const { return now_; }

  /// FC03/FC04: `count` registers from `start`, or the exception to answer.
  std::variant<std::vector<std::uint16_t>, rtu::Exception> read(std::uint16_t start,
                                                                std::uint16_t count) const;
  /// FC06/FC10: nullopt if accepted and applied; otherwise the exception, and nothing changed.
  std::optional<rtu::Exception> write(std::uint16_t start, std::span<const std::uint16_t> values);

 private:
  struct Slot {
    std::uint32_t first;
    std::uint32_t end;  // one past the last word
    const Register* reg;
    int circuit;  // 0 for box registers
  };
  /// A write's effect, applied only once every register of the write is accepted.
  using Action = std::function<void()>;
  const Slot* find_slot(std::uint32_t address) const;
  /// A counted write: one circuit's purchase_count + purchase_amount (a credit) or
  /// debit_count + debit_amount (a debit), in one write.
  std::optional<rtu::Exception> write_counted(const std::vector<const Slot*>& touched,
                                              std::uint16_t start,
                                              std::span<const std::uint16_t> values);
  /// The action of writing `words` to `slot`, appended to `actions`, or why it is refused.
  std::optional<rtu::Exception> setting_action(const Slot& slot,
                                               std::span<const std::uint16_t> words,
                                               std::vector<Action>& actions);
  std::optional<rtu::Exception> box_action(std::string_view name, std::int64_t v,
                                           std::vector<Action>& actions);
  std::optional<rtu::Exception> circuit_action(const Register& r, int circuit_number,
                                               std::int64_t v, std::vector<Action>& actions);
  bool reserved(std::uint32_t address) const;
  std::vector<std::uint16_t> encode(const Slot& slot) const;
  std::int64_t value_of(const Register& reg, int circuit) const;
  std::int64_t box_value(const Register& reg) const;
  std::int64_t circuit_value(const Register& reg, int n) const;
  std::int64_t clock_seconds() const;
  std::int64_t clock_ms() const;

  const Profile* profile_;
  const ModelInfo* model_;
  std::uint16_t address_register_;
  std::int64_t baud_;
  std::int64_t bus_baud_;
  bool powered_ = true;
  std::chrono::minutes utc_offset_;
  std::uint64_t serial_base_;
  TimePoint now_;
  std::int64_t clock_adjust_ms_ = 0;  // clock writes and drift folded in so far
  std::int64_t drift_ppm_ = 0;
  TimePoint drift_since_;
  TouSchedule tou_;
  std::vector<int> generation_;             // meter replacements per circuit
  std::vector<std::uint16_t> held_status_;  // per circuit: flags set by hand (set_state)
  std::vector<CircuitModel> circuits_;
  std::vector<Slot> slots_;                                        // sorted by first address
  std::vector<std::pair<std::uint32_t, std::uint32_t>> reserved_;  // [first, end) spans
};

/// The tou_schedule register words of `schedule` (2 words per period, unused entries repeat
/// the last period), and back; nullopt if an entry is not a valid time or rate.
std::vector<std::uint16_t> encode_tou(const TouSchedule& schedule, int words);
std::optional<TouSchedule> decode_tou(std::span<const std::uint16_t> words);

/// Answers one request on behalf of the boxes of one bus, by slave address: the reply frame, or
/// nullopt for no reply (a broadcast, whose writes every box executes, or an address with no
/// box: silence, as on a real bus). FC03/FC04 read the same register map. Boxes that cannot
/// hear the bus (hears_bus() false) or have no power never answer nor execute anything. The
/// map's keys are ignored: boxes are matched by address(), so address writes take effect.
std::optional<std::vector<std::uint8_t>> answer(const std::map<int, Box*>& boxes,
                                                const rtu::Request& request);

}  // namespace phil::sim
