#pragma once
// The ledger role: the operator's money operations, each one transaction that writes the ledger
// entry, the outbox credit it needs and the audit row together (a refusal changes nothing), and
// the check of the journal. The ledger is append-only and numbered 1..N without gaps; an
// account's balance is the sum of its entries. Amounts in fen.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/closing.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/result.hpp>
#include <phil/store/common.hpp>

namespace phil::store {

struct OpenAccountRequest {
  std::string account;
  std::string tenant;                   ///< may be empty (not known yet)
  std::vector<domain::MeterId> meters;  ///< first one receives the credits
  std::int64_t first_sale_fen = 0;      ///< 0: none
  std::string operator_id;
  TimePoint at{};
};

/// What open_account records of the tenant besides the name.
struct TenantContact {
  std::string phone;                ///< may be empty; else domain::check_phone
  std::optional<std::string> room;  ///< a room of the site model (site import)
};

struct SaleRequest {
  std::string account;
  std::int64_t amount_fen = 0;
  std::string operator_id;
  TimePoint at{};
};

/// Money paid back to the tenant out of the account's unused balance.
struct RefundRequest {
  std::string account;
  std::int64_t amount_fen = 0;  ///< > 0, at most the account's balance
  std::string operator_id;
  TimePoint at{};
};

/// Cancels a wrong sale, identified by its ledger entry.
struct ReversalRequest {
  std::int64_t sale_seq = 0;
  std::string operator_id;
  TimePoint at{};
};

/// What a refund or a reversal did. Money a meter holds (meter-side billing) is booked only once
/// the meter gives it up: then `command` is the debit queued to take it off, and `seq` is empty
/// until the bus worker confirms it (the entry is written then, by the operator who asked; the
/// cash is paid out only after that). Otherwise (host-side, or a credit that never reached the
/// meter) `seq` is the entry, written at once.
struct MoneyBack {
  std::int64_t amount_fen = 0;
  std::optional<std::int64_t> seq;      ///< the ledger entry, when booked at once
  std::optional<std::int64_t> command;  ///< the debit that books it on the meter's confirmation
};

/// Closes an account (销户) on its meters, step by step (phil/domain/closing.hpp): each meter's
/// relay forced off, its final reading, the debit of what a meter-side meter holds, each
/// confirmed by read-back; then the account is settled and closed (Ledger::advance_closings).
/// Asked again while the account is closing, it resumes the meters blocked by a refusal.
struct CloseAccountRequest {
  std::string account;
  std::string operator_id;
  TimePoint at{};
};

/// What close_account did.
struct CloseAccountResult {
  /// The account was already closing: its blocked meters resume (their count); 0 for a new
  /// closing.
  int resumed = 0;
  /// Closed at once: the account had no meter attached, so nothing was to be switched off (its
  /// balance was refunded, refunded_fen). Else the closing goes on in the bus workers.
  bool closed = false;
  std::int64_t refunded_fen = 0;        ///< when closed: the balance paid back
  std::vector<domain::MeterId> meters;  ///< the meters being closed
};

/// One meter's closing as operators see it.
struct ClosingMeterRecord {
  domain::MeterId meter;
  domain::CloseStep step = domain::CloseStep::kRelay;
  std::optional<std::int64_t> relay_command;  ///< the forced_off command of the relay step
  std::optional<std::int64_t> read_request;   ///< the final read asked for
  std::optional<std::int64_t> debit_command;  ///< the debit of what the meter holds
  std::optional<std::string> blocked;         ///< why it waits for an operator
};

/// An account's closing (Queries::account_closing).
struct ClosingRecord {
  std::string account;
  std::string operator_id;  ///< who asked: the refund and settlement entries are booked as theirs
  TimePoint started_at{};
  std::optional<TimePoint> finished_at;  ///< the account is closed
  /// When finished: what the tenant is paid back (the debits of the meters plus a host-side
  /// refund), the settlement (settle_credit minus settle_debit, fen) and what they still owe.
  std::int64_t refunded_fen = 0;
  std::int64_t settled_fen = 0;
  std::int64_t owed_fen = 0;
  std::vector<ClosingMeterRecord> meters;  ///< in the account's meter order
};

/// The emptying of a meter's balance register after its account became host-side (see
/// phil/domain/conversion.hpp; Queries::meter_conversion).
struct ConversionRecord {
  domain::MeterId meter;
  std::string account;
  std::string reason;  ///< why the account became host-side
  TimePoint started_at{};
  /// The switch's settlement against the meter: + the ledger gained, - it lost (fen).
  std::int64_t settled_fen = 0;
  std::optional<std::int64_t> debit_command;  ///< the debit queued now, if any
  int failed_debits = 0;
  std::optional<TimePoint> finished_at;
  std::string outcome;  ///< "" while going on, else "emptied", "filled", "cancelled" or "blocked"
  std::optional<std::int64_t> emptied_fen;  ///< emptied: what the debit took off (fen)
  std::string why;                          ///< cancelled, blocked: what happened
  /// The way back to meter-side (the site file declared it): the ledger's money put onto the
  /// meter by convert credits or debits (debit_command is the one queued now); outcome
  /// "filled" when the meter holds it and is billed meter-side.
  bool back = false;
  std::int64_t moved_fen = 0;  ///< the way back: moved onto the meter (+) or off it (-), fen
};

/// What Ledger::sale returns when no credit was queued (a host-side account); never a command
/// id (ids start at 1).
inline constexpr std::int64_t kNoCredit = 0;

class Ledger {
 public:
  virtual ~Ledger() = default;

  /// Opens an account on its meters, with its first sale if any (the sale entry, and on a
  /// meter-side account the credit to the first meter). An account of several meters is billed
  /// host-side: its meters are switched to host-side as it opens (audit row "billing_mode").
  /// Refused (nothing written): an empty or existing account id, no meters, a meter listed twice,
  /// not configured or in an open account, a negative first sale.
  virtual domain::Result<void> open_account(const OpenAccountRequest& req) = 0;
  /// open_account with the tenant's phone and room. Refused besides: a malformed phone, a room
  /// not in the site model.
  virtual domain::Result<void> open_account(const OpenAccountRequest& req,
                                            const TenantContact& contact) = 0;
  /// Books a sale. Meter-side (the account's first meter holds its money), a credit of it is
  /// queued to that meter and its id returned. Host-side (every account of several meters is),
  /// the ledger holds the money: no meter is credited, kNoCredit is returned, and the meters the
  /// system tripped are closed again once the balance is above 0.
  virtual domain::Result<std::int64_t> sale(const SaleRequest& req) = 0;

  /// Pays back `amount_fen` of the account's balance, with an audit row: a debit of the meter
  /// that holds the money (meter-side: the entry follows its confirmation), else a refund entry
  /// at once (MoneyBack). Refused (nothing written): unknown or closed account, amount <= 0 or
  /// above the balance, a credit or a debit of the account still open in the outbox (its
  /// balance is not settled on the meter yet).
  virtual domain::Result<MoneyBack> refund(const RefundRequest& req) = 0;
  /// Cancels a wrong sale, with an audit row. A credit never written to the meter (pending, no
  /// purchase_count) is superseded and the reversal entry written at once; so is the reversal of
  /// a failed credit, or of a sale to a host-side account. A credit the meter confirmed is taken
  /// back by a debit, and the entry follows its confirmation (MoneyBack). Refused (nothing
  /// written): no such sale, already reversed, its credit in flight (wait for it to be
  /// confirmed or failed), a debit of the account still open, or consumed: the account was
  /// charged since the sale or its balance is below the sale's amount.
  virtual domain::Result<MoneyBack> reversal(const ReversalRequest& req) = 0;
  /// Starts closing an account (see CloseAccountRequest): the closing and its meters' steps are
  /// stored, and each meter's forced_off command queued, with an audit row. An account without
  /// meters is settled and closed at once. Asked while the account is closing: its blocked
  /// meters resume (domain::resume_step). Refused (nothing written): unknown or closed account,
  /// an open command to one of its meters (wait for delivery or supersede it), an open debit, a
  /// negative balance (the tenant owes it: sell that amount first), a closing with nothing
  /// blocked (it is going on: account show lists its steps).
  virtual domain::Result<CloseAccountResult> close_account(const CloseAccountRequest& req) = 0;
  /// Moves the closings of meters on `bus` one step each where the outbox, the reads or a poll
  /// allow it (domain::next_close_action), each meter in a transaction of its own; the meter
  /// that completes its account's closing settles and closes the account in the same
  /// transaction (domain::settle_close: refund, settlement entries, meters detached and not
  /// opened, an audit row as the operator who asked, an account_closed event). Returns the
  /// number of steps taken. Cheap when nothing is closing: a bus worker calls it every
  /// iteration.
  virtual int advance_closings(const std::string& bus, TimePoint at) = 0;
  /// Moves the emptyings of the registers of meters on `bus` that became host-side with money on
  /// them (domain::next_convert_action): a debit (purpose convert, booked by no entry) of what
  /// the register holds at a reading taken off prepaid mode, retried after a refusal, each meter
  /// in a transaction of its own. Returns the number of steps taken. Cheap when nothing is
  /// converting: a bus worker calls it every iteration.
  virtual int advance_conversions(const std::string& bus, TimePoint at) = 0;
  /// Checks the journal (domain::verify_journal); one line per problem, empty if all hold.
  virtual std::vector<std::string> verify_ledger() const = 0;
};

}  // namespace phil::store
