#pragma once
// The profile-driven ADF300 driver: which registers to read for a poll, how to decode them into
// integer units, and how a credit is written and confirmed. Every address comes from the profile.
// A model of a plain energy meter (profile kind energy_only) is driven in metering mode: its poll
// reads the profile's metering registers (Profile::metering: energy, TOU energies, voltage,
// current, power) and nothing of it can be written (check_command refuses every command).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <phil/domain/box_identity.hpp>
#include <phil/domain/outbox.hpp>
#include <phil/domain/reading.hpp>
#include <phil/meterlink/modbus_master.hpp>
#include <phil/meterlink/profile.hpp>
#include <phil/meterlink/read_plan.hpp>

namespace phil::meterlink {

/// What a read-back after a credit tells.
using CreditState = domain::CreditReadback;

class Adf300Driver {
 public:
  /// Registers a poll reads for every circuit.
  static constexpr std::array<std::string_view, 9> kPollRegisters{
      "energy_total", "power",          "balance",         "relay",         "mode",
      "status",       "purchase_count", "purchase_amount", "purchase_total"};
  /// What a field of a poll (or of a credit read-back) is read as: the register kPollRegisters[i]
  /// is Quantity(i + 1). Resolved from the register names once, when the driver is made, and
  /// kept in each Field's `tag`, so decoding a poll compares no names.
  enum class Quantity : std::uint8_t {
    kNone,  ///< not a poll register
    kEnergyTotal,
    kPower,
    kBalance,
    kRelay,
    kMode,
    kStatus,
    kPurchaseCount,
    kPurchaseAmount,
    kPurchaseTotal,
    kDebitCount,  ///< not polled: read with a credit state when the profile has debit registers
    // Read by an energy meter's poll only (metering mode):
    kVoltage,
    kCurrent,
    kEnergySharp,  ///< then kEnergyPeak, kEnergyFlat, kEnergyValley, in that order
    kEnergyPeak,
    kEnergyFlat,
    kEnergyValley,
  };
  /// The Quantity of a register name; kNone if it is not one of kPollRegisters.
  static Quantity quantity_of(std::string_view name);

  /// Throws std::invalid_argument naming the profile, the model and the problem if the model is
  /// unknown or a register the driver needs is missing or unsuitable. A model of an energy-only
  /// profile is driven in metering mode (energy_only()).
  Adf300Driver(const Profile& profile, const std::string& model);

  /// A plain energy meter (profile kind energy_only): its poll reads energy, the TOU energies
  /// its profile has, voltage, current and power; it has no money, relay or setting register,
  /// so the system never bills nor commands it (check_command refuses everything, credit and
  /// debit frames are nullopt, money_limits all 0).
  bool energy_only() const { return energy_only_; }
  const std::string& model() const { return model_; }
  int circuits() const { return circuits_; }
  /// The block reads of one poll: every kPollRegisters register of circuits 1..circuits() (an
  /// energy meter: its metering registers), in the fewest reads of at most max_read registers.
  const ReadPlan& poll_plan() const { return poll_; }

  /// Registers a status scan reads for every circuit (issue 14 item 7): the meter's state
  /// between full readings, without its counters.
  static constexpr std::array<std::string_view, 4> kStateRegisters{"status", "balance", "relay",
                                                                   "mode"};
  /// The block reads of a status scan of every circuit (kStateRegisters), the cheapest for a
  /// line of `cost` (plan_cheapest): on the ADF300L map at 9600 baud one short read per circuit,
  /// on a fast line a few large ones. No blocks for an energy meter (no state to scan).
  ReadPlan state_plan(const ReadCost& cost) const;
  /// Decodes the words returned for `plan` (a state_plan(), same block order): element i is
  /// circuit i + 1. A kBadReply error naming the box at `slave`, the model and the profile if
  /// they do not decode.
  LinkResult<std::vector<domain::StateReading>> decode_states(
      const ReadPlan& plan, const std::vector<std::vector<std::uint16_t>>& block_words,
      int slave) const;

  /// Reads every circuit of the box at `slave`. Element i is circuit i + 1. Stops at the first
  /// failed read (one timeout per box at most).
  LinkResult<std::vector<domain::MeterReading>> read_box(ModbusMaster& master, int slave) const;
  /// Decodes the words returned for poll_plan().blocks (same order). nullopt if any block is
  /// missing or short, or a value does not fit its unit.
  std::optional<std::vector<domain::MeterReading>> decode_box(
      const std::vector<std::vector<std::uint16_t>>& block_words) const;
  /// decode_box() as a read result: a kBadReply error naming the box at `slave`, the model and the
  /// profile if the words do not decode.
  LinkResult<std::vector<domain::MeterReading>> decode_poll(
      const std::vector<std::vector<std::uint16_t>>& block_words, int slave) const;
  /// One block of a plan (one transaction): kBadReply if the box returns another number of
  /// registers. read_box() and read_serials() are these in turn; a caller that lets other
  /// transactions in between the blocks (the service's poll) reads block by block with it.
  static LinkResult<std::vector<std::uint16_t>> read_block(ModbusMaster& master, int slave,
                                                           const Block& block);

  /// The one FC10 write of a credit: purchase_count then purchase_amount, from `start`.
  struct CreditFrame {
    std::uint16_t start = 0;
    std::vector<std::uint16_t> values;
  };
  /// nullopt if the circuit is out of range or the amount (fen, > 0) does not fit the register.
  std::optional<CreditFrame> credit_frame(int circuit, std::uint16_t count,
                                          std::int64_t amount_fen) const;
  /// The one FC10 write of a debit: debit_count then debit_amount. nullopt as credit_frame, and
  /// when the profile has no debit registers (has_debit()).
  std::optional<CreditFrame> debit_frame(int circuit, std::uint16_t count,
                                         std::int64_t amount_fen) const;
  /// Whether the profile has the debit pair (debit_count, debit_amount): without it money on
  /// the meter cannot be taken back, and a refund or reversal of it is refused at the counter.
  bool has_debit() const { return debit_count_.has_value(); }
  /// What one circuit's money registers hold, from the profile's declared types and scales, in
  /// fen (rounded down): the largest credit `purchase_amount` carries and the largest balance
  /// the `balance` register shows. The counter (service::Operations) refuses a credit past
  /// either before anything is written.
  struct MoneyLimits {
    std::int64_t max_credit_fen = 0;
    std::int64_t max_balance_fen = 0;
    std::int64_t max_debit_fen = 0;  ///< 0 without debit registers
  };
  MoneyLimits money_limits() const;
  /// Whether `payload` can be put into this box's registers for `circuit` (0 for the box-level
  /// kinds), checked without the line: a credit's amount (money_limits), a setting's values
  /// (setting_frames), a TOU table (tou_frame), a clock register, a debit's amount and the
  /// debit registers. A kEncode error saying why,
  /// in the operator's units, if not. What Operations checks when a command is queued and the
  /// bus worker before its first write.
  LinkResult<void> check_command(const domain::CommandPayload& payload, int circuit) const;
  LinkResult<void> write_credit(ModbusMaster& master, int slave, int circuit, std::uint16_t count,
                                std::int64_t amount_fen) const;
  /// The debit write (debit_frame); kEncode if it cannot be built.
  LinkResult<void> write_debit(ModbusMaster& master, int slave, int circuit, std::uint16_t count,
                               std::int64_t amount_fen) const;
  /// Reads purchase_count, balance, relay and status of one circuit, and debit_count if the
  /// profile has it (as few reads as the profile allows; one with the ADF300L map).
  LinkResult<CreditState> read_credit_state(ModbusMaster& master, int slave, int circuit) const;

  /// The FC10 writes of a setting command (mode, price table, thresholds) for one circuit:
  /// adjacent registers are merged into one write (at most max_write registers). A kEncode error
  /// saying why if the profile lacks a register, a value does not fit it, or the kind is not a
  /// per-circuit setting (credit, TOU schedule, clock).
  LinkResult<std::vector<CreditFrame>> setting_frames(const domain::CommandPayload& payload,
                                                      int circuit) const;
  /// Writes a setting command's frames; stops at the first failed write.
  LinkResult<void> write_setting(ModbusMaster& master, int slave, int circuit,
                                 const domain::CommandPayload& payload) const;
  /// Reads the setting's registers back; true if every one holds what was written, and for a
  /// relay command also domain::mode_confirmed() holds (a close must find the relay closed).
  LinkResult<bool> setting_applied(ModbusMaster& master, int slave, int circuit,
                                   const domain::CommandPayload& payload) const;

  // ---- supervision and box-level settings ----

  /// Whether the profile has a per-circuit `serial` register (replacement detection).
  bool has_serial() const { return serial_.has_value(); }
  /// Reads the serial number of every circuit (element i is circuit i + 1) as text: BCD digits,
  /// or the words in hex for any other type. In the fewest reads; fails with kEncode if the
  /// profile has no serial register. A BCD serial with a nibble above 9 fails with kBadReply (the
  /// box answered, with no serial): never taken for a silent box or a replaced meter.
  LinkResult<std::vector<std::string>> read_serials(ModbusMaster& master, int slave) const;
  /// The block reads of read_serials() (no blocks without a serial register), so a caller can
  /// let other transactions in between them as it does for poll_plan().
  const ReadPlan& serial_plan() const { return serial_plan_; }
  /// Decodes the words returned for serial_plan().blocks (same order) as read_serials() does;
  /// `slave` only names the box in errors.
  LinkResult<std::vector<std::string>> decode_serials(
      const std::vector<std::vector<std::uint16_t>>& block_words, int slave) const;

  /// Whether the profile has the box registers `model` and `circuits` (integers): the box's
  /// identity can be read and checked against the site file (issue 12.8).
  bool has_identity() const { return model_reg_.has_value() && circuits_reg_.has_value(); }
  /// What the site file's model is by the profile: its name, `model` code and circuit count
  /// (ExpectedBox::highest_circuit left 0: the site knows it).
  domain::ExpectedBox expected_identity() const;
  /// Reads the box's `model` and `circuits` registers (one read when they are near each other,
  /// as in the ADF300L map; else one each). kEncode without them (has_identity()); kBadReply if
  /// a value does not decode.
  LinkResult<domain::BoxIdentity> read_identity(ModbusMaster& master, int slave) const;

  /// Whether the profile has a writable box `clock` register (seconds, box local time).
  bool has_clock() const { return clock_.has_value(); }
  /// Reads the box clock: seconds since 1970-01-01T00:00:00 in the box's local time.
  LinkResult<std::int64_t> read_clock(ModbusMaster& master, int slave) const;
  /// The FC10 write that sets the box clock to `local_seconds`; nullopt without a clock register
  /// or if the value does not fit it. Sent to address 0 (broadcast), it sets every box at once.
  std::optional<CreditFrame> clock_frame(std::int64_t local_seconds) const;

  /// The FC10 write of a box's daily TOU table (profile `tou_schedule`, pairs of (start hhmm,
  /// rate 0 sharp .. 3 valley), unused rows repeating the last period). A kEncode error saying
  /// why if the profile has no such register or the table has more rows than it holds.
  LinkResult<CreditFrame> tou_frame(const std::vector<domain::DailyPeriod>& periods) const;
  /// Writes a box-level command (TOU schedule; a clock command writes `local_seconds`), then
  /// reads it back: true if the box holds what was written (for the clock, within 2 s).
  LinkResult<void> write_box_setting(ModbusMaster& master, int slave,
                                     const domain::CommandPayload& payload,
                                     std::int64_t local_seconds) const;
  LinkResult<bool> box_setting_applied(ModbusMaster& master, int slave,
                                       const domain::CommandPayload& payload,
                                       std::int64_t local_seconds) const;

 private:
  /// The frame of a box-level command (TOU table, or the clock set to `local_seconds`), or a
  /// kEncode error saying why there is none.
  LinkResult<CreditFrame> box_frame(const domain::CommandPayload& payload,
                                    std::int64_t local_seconds) const;
  LinkResult<std::vector<std::vector<std::uint16_t>>> run(const ReadPlan& plan,
                                                          ModbusMaster& master, int slave) const;
  bool apply(const Field& f, std::int64_t raw, domain::MeterReading& r) const;
  /// Decodes every field of `plan` into the readings of the circuits; false if one does not.
  bool decode_fields(const ReadPlan& plan, const std::vector<std::vector<std::uint16_t>>& words,
                     std::vector<domain::MeterReading>& out) const;
  /// The kBadReply error of words from the box at `slave` that do not decode.
  LinkError undecodable(int slave) const;

  /// The prepaid constructor part: the money, relay and setting registers and the poll plan.
  void plan_prepaid(const Profile& profile, const Model& m, const std::string& where);
  /// Metering mode's constructor part: the poll plan of the metering registers.
  void plan_metering(const Profile& profile, const Model& m, const std::string& where);

  std::string profile_id_;
  std::string model_;
  bool energy_only_ = false;
  int model_code_ = 0;
  int circuits_ = 0;
  std::optional<Register> model_reg_;
  std::optional<Register> circuits_reg_;
  Register count_;
  Register amount_;
  std::optional<Register> debit_count_;
  std::optional<Register> debit_amount_;
  Register balance_;
  std::uint16_t relay_closed_value_ = 1;
  std::optional<std::uint16_t> mode_prepaid_, mode_keep_power_, mode_forced_off_;
  std::optional<int> bit_alarm1_, bit_alarm2_, bit_arrears_, bit_overload_;
  std::vector<std::pair<Register, Quantity>> credit_state_regs_;
  std::vector<Register>
      setting_regs_;  // the profile's setting registers (mode, thresholds, prices)
  const Register* setting(std::string_view name) const;
  int max_read_ = 125;
  int max_write_ = 123;
  ReadPlan poll_;
  std::vector<Field> state_fields_;  ///< kStateRegisters of every circuit (state_plan)
  std::optional<Register> serial_;
  std::optional<Register> clock_;
  std::optional<Register> tou_;
  ReadPlan serial_plan_;
};

}  // namespace phil::meterlink
