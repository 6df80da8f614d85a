#pragma once
// The site administration role: the site model (import, settings), the meters the daemon
// registers and the billing mode its site file declares, and the meter changes an operator makes
// (replacement, move), each one transaction with an audit row; a refusal changes nothing.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/result.hpp>
#include <phil/domain/site_model.hpp>
#include <phil/store/queries.hpp>

namespace phil::store {

/// The final reading of a meter that cannot be read over the bus (burnt, dead, unreachable),
/// entered by an operator: what the electrician reads off its display, or estimates.
struct ManualFinalReading {
  /// The largest energy register (32 bits of 0.01 kWh), Wh.
  static constexpr std::int64_t kMaxEnergyWh = 42'949'672'950;
  /// The largest balance register magnitude (32 bits signed of 0.01 yuan), fen.
  static constexpr std::int64_t kMaxBalanceFen = 2'147'483'647;
  /// The energy register, Wh, 0 .. kMaxEnergyWh; not below the old meter's last stored reading
  /// nor its billed energy (energy never goes back); not above that reading by more than the
  /// meter's overload threshold (its own, else the site's; none if 0) draws in the time since.
  std::int64_t energy_wh = 0;
  /// A meter-side meter's balance register, fen, -kMaxBalanceFen .. kMaxBalanceFen: what is
  /// carried to the new meter (if positive). Not given: the balance the meter last reported less
  /// what this reading charges (what the meter shows had it deducted the same). Refused for a
  /// host-side meter (it holds no money).
  std::optional<std::int64_t> balance_fen{};
  /// 0.0001 yuan/kWh, 0 .. domain::kMaxPrice: the price of a meter without a stored tariff (what
  /// BillingRules::price is to a poll); needed when such a meter has energy to charge. A meter
  /// with a stored tariff (its own or the site's) is charged by that and `price` is not used.
  std::optional<std::int64_t> price{};
};

/// A faulty or old meter swapped for another (seed: 新老表切换). The old meter's balance moves to
/// the new meter, which takes its place in the account; the old meter goes back to not-opened.
/// The final reading of the old meter is:
///   - without `manual`: its last stored reading (charges up to it are already booked), so the
///     old meter must have answered its last poll;
///   - with `manual`: the operator's reading, whether or not the meter answers. The energy from
///     the last billed reading to it is charged exactly as a poll reading at `at` would be
///     (stored tariff, else manual->price; TOU split over the interval since the last reading);
///     it is stored as the old meter's reading at `at` (its failed cycles and status are kept:
///     a manual reading is no sign of life). The audit row and events say "manual" and who.
///     Refused besides: the meter never read (no reading to charge from), `at` before its last
///     reading, a value out of range or below the billed energy, a balance for a host-side
///     meter, no price for a meter without a tariff that has energy to charge.
/// One transaction; a refusal changes nothing.
/// Limits (service::Operations sets them; the defaults limit nothing): a balance carried over
/// above `max_transfer_fen` (the site's max_amount), or above `max_credit_fen` when it is
/// credited to a meter-side new meter (what that meter's registers take now), is refused
/// (kInvalid, the amounts in yuan) and nothing is written.
struct ReplaceMeterRequest {
  domain::MeterId old_meter;
  domain::MeterId new_meter;
  std::string operator_id;
  TimePoint at{};
  std::optional<ManualFinalReading> manual{};
  std::int64_t max_transfer_fen = std::numeric_limits<std::int64_t>::max();
  std::int64_t max_credit_fen = std::numeric_limits<std::int64_t>::max();
};

struct ReplaceMeterResult {
  std::string account;
  TimePoint final_read_at{};                   ///< the old meter's final reading
  std::int64_t final_energy_wh = 0;            ///< its energy register then
  std::int64_t final_balance_fen = 0;          ///< its balance register then
  std::int64_t transferred_fen = 0;            ///< carried by transfer_out/transfer_in (0: nothing)
  std::optional<std::int64_t> credit_command;  ///< the credit of that amount to the new meter
  bool manual = false;                         ///< the final reading was the operator's
  std::int64_t charged_energy_wh = 0;          ///< manual: the energy it charged
  std::int64_t charged_fen = 0;                ///< manual: what that cost the account
};

/// A meter taken from its account into another open account. Only the meter moves: the energy
/// from its last reading on is charged to the new account; money moves only with
/// `with_balance` (the balance the meter last reported, by transfer_out/transfer_in).
/// `max_transfer_fen`: a balance moved above it (the site's max_amount; Operations sets it) is
/// refused (kInvalid, the amounts in yuan) and nothing is written.
struct MoveMeterRequest {
  domain::MeterId meter;
  std::string to_account;
  bool with_balance = false;
  std::string operator_id;
  TimePoint at{};
  std::int64_t max_transfer_fen = std::numeric_limits<std::int64_t>::max();
};

struct MoveMeterResult {
  std::string from_account;
  std::int64_t transferred_fen = 0;
  std::int64_t meter_balance_fen = 0;  ///< what the meter last reported (money on the meter)
};

/// `meter replace --in-place` (issue 12.8): completes an on-site swap the system detected on
/// `meter` (MeterPlacement::swap_action). A meter-side meter in an open account gets the balance
/// the old device held at its last reading, moved as a replacement moves it (transfer_out and
/// transfer_in on the meter, and a credit of that amount queued to the new device, confirmed by
/// its read-back); a host-side meter holds no money: nothing moves. Either way the action is
/// done, exactly once. Limits as ReplaceMeterRequest's.
struct CompleteSwapRequest {
  domain::MeterId meter;
  std::string operator_id;
  TimePoint at{};
  std::int64_t max_transfer_fen = std::numeric_limits<std::int64_t>::max();
  std::int64_t max_credit_fen = std::numeric_limits<std::int64_t>::max();
};

struct CompleteSwapResult {
  std::optional<std::string> account;          ///< the meter's open account, if any
  std::int64_t old_balance_fen = 0;            ///< the old device's balance at its last reading
  std::int64_t credited_fen = 0;               ///< moved onto the new device (0: nothing)
  std::optional<std::int64_t> credit_command;  ///< the credit carrying it
  TimePoint detected_at{};                     ///< when the swap was detected
};

/// What a site import did (rows of the site model added, changed, left as they were).
struct ImportSummary {
  int added = 0;
  int updated = 0;
  int unchanged = 0;
  int accounts_opened = 0;           ///< of `added`: the accounts the import opened
  std::int64_t first_sales_fen = 0;  ///< their first sales together
};

class SiteAdmin {
 public:
  virtual ~SiteAdmin() = default;

  /// Registers meters (idempotent: known meters keep their state; the model and the mark are
  /// updated). `metering_only`: plain energy meters (their profile's kind energy_only), read for
  /// energy reports only: no command is ever queued to them (a tariff, settings or batch change
  /// leaves them out; a hand command is refused) and they are never billed.
  virtual void register_meters(const std::vector<domain::MeterId>& ids, const std::string& model,
                               bool metering_only) = 0;
  /// Sets the meters' own billing mode (the one billing, trip/close and the balance check use),
  /// as the daemon's site file declares it (`billing:` on a bus or box). One transaction with an
  /// audit row naming the meters it changed; meters already in that mode are left alone. One
  /// place holds an account's money (phil/domain/conversion.hpp), so for a meter of an open
  /// account:
  ///  - host-side for the meter holding a meter-side account's money: the account is converted
  ///    (the ledger takes what the meter held, its register is emptied next); kept meter-side
  ///    with a billing_mode_kept event while a credit or debit of the account is on its way;
  ///  - meter-side for the only meter of a host-side account: the way back starts (the ledger's
  ///    money is put onto the meter, then it is switched); kept host-side with a
  ///    billing_mode_kept event for a meter of several, one whose tariff in force is tiered or
  ///    whose register is still being emptied. Host-side again cancels an open way back.
  /// Returns how many it changed or started back. Unknown meters are a programming error
  /// (register them first): StoreError.
  virtual int set_billing_mode(const std::vector<domain::MeterId>& ids, domain::BillingMode mode,
                               const std::string& operator_id, TimePoint at) = 0;
  /// Imports the site model in one transaction with an audit row: site settings, buildings,
  /// floors, rooms, comm managers, buses, boxes and meters are added or updated (meters keep
  /// their readings, accounts and ledger); rows absent from the model are kept. Importing the
  /// same model again changes nothing. Refused (nothing written): a model that fails
  /// domain::check_site_model. The model's accounts are opened (with their first sales) or kept
  /// by the rules of domain::AccountSpec; an account those rules refuse refuses the whole import.
  virtual domain::Result<ImportSummary> import_site(const domain::SiteModel& model,
                                                    const std::string& operator_id,
                                                    TimePoint at) = 0;
  /// The site's settings (defaults until a site is imported).
  virtual domain::SiteSettings site_settings() const = 0;
  /// See ReplaceMeterRequest; one transaction with an audit row and a "meter_replacement" event on
  /// both meters. Refused (nothing written): the old meter not in an open account, never read,
  /// offline or not answering without a manual final reading (its last reading is not final),
  /// or with a command not yet delivered; the new meter unknown, the same, or in an open
  /// account; a manual reading the request's rules refuse.
  virtual domain::Result<ReplaceMeterResult> replace_meter(const ReplaceMeterRequest& req) = 0;
  /// See CompleteSwapRequest; one transaction with an audit row ("replace_meter_in_place") and
  /// a "swap_completed" event. Refused (nothing written): the meter unknown, no swap detected on
  /// it (nothing to complete), a limit.
  virtual domain::Result<CompleteSwapResult> complete_swap(const CompleteSwapRequest& req) = 0;
  /// An operator confirms the box at `bus`/`address` as it reported itself (issue 12.8): the
  /// mismatch is lifted and its billing goes on; the same report later agrees. One transaction
  /// with an audit row ("confirm_box") and a "box_identity_confirmed" event. Refused (nothing
  /// written): a box never read, or one without a mismatch (nothing to confirm).
  virtual domain::Result<BoxIdentityRecord> confirm_box(const std::string& bus, int address,
                                                        const std::string& operator_id,
                                                        TimePoint at) = 0;
  /// See MoveMeterRequest; one transaction with an audit row and a "meter_moved" event. Refused
  /// (nothing written): the meter not in an open account or its account's only meter, the
  /// target account unknown, closed or the same, a command to the meter not yet delivered; with
  /// `with_balance` also a meter never read or not answering, or a balance above what its
  /// account holds.
  virtual domain::Result<MoveMeterResult> move_meter(const MoveMeterRequest& req) = 0;
};

}  // namespace phil::store
