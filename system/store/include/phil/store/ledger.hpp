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
#include <phil/domain/meter_id.hpp>
#include <phil/domain/result.hpp>

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

/// Closes an account: its last stored readings are the final ones (charges are already booked
/// by record_readings), the remaining balance is refunded, its meters go back to not-opened.
struct CloseAccountRequest {
  std::string account;
  std::string operator_id;
  TimePoint at{};
};

/// What closing an account did.
struct CloseAccountResult {
  std::int64_t refunded_fen = 0;  ///< the balance paid back (0 if none was left)
};

class Ledger {
 public:
  virtual ~Ledger() = default;

  /// Opens an account on its meters, with its first sale if any (the sale entry and the credit
  /// to the first meter). Refused (nothing written): an empty or existing account id, no
  /// meters, a meter listed twice, not configured or in an open account, a negative first sale.
  virtual domain::Result<void> open_account(const OpenAccountRequest& req) = 0;
  /// open_account with the tenant's phone and room. Refused besides: a malformed phone, a room
  /// not in the site model.
  virtual domain::Result<void> open_account(const OpenAccountRequest& req,
                                            const TenantContact& contact) = 0;
  /// Returns the id of the credit command queued for the account's first meter.
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
  /// Closes an account (see CloseAccountRequest). Refused (nothing written): unknown or closed
  /// account, an open command to one of its meters (wait for delivery or supersede it), a
  /// negative balance (the tenant owes it: sell that amount first).
  virtual domain::Result<CloseAccountResult> close_account(const CloseAccountRequest& req) = 0;
  /// Checks the journal (domain::verify_journal); one line per problem, empty if all hold.
  virtual std::vector<std::string> verify_ledger() const = 0;
};

}  // namespace phil::store
