#pragma once
// The system log role (issue 13 item 4): every operator action, login, lock, role change,
// refusal by role, daemon start/stop and poll cycle that charges is one row, hash-chained:
//
//   hash(row) = SHA-256( prev_hash || ns(id) || ns(at) || ns(operator) || ns(action)
//                        || ns(target) || ns(outcome) || ns(details) || ns(ledger_digest) )
//
// where prev_hash is the previous row's hash as 32 raw bytes (64 zero hex digits before the
// first row), ns(x) is x as a netstring ("<decimal length>:<bytes>,", integers in decimal; an
// absent ledger digest is the empty string), and ledger_digest is SHA-256 over the ledger
// entries that refer to the row (ledger.audit_id), in seq order, each as the netstrings of its
// seq, account, kind, meter, amount_fen, energy_wh, carry, balance_after_fen, operator, at and
// ref_seq. Every ledger entry refers to exactly one row: an operator's money action refers to
// that action's row, a poll cycle's charges to the cycle's "charge_cycle" row, the entries
// written before the chain existed to the "audit_chain_start" row of the migration (v17).
//
// So an edit of any row, or of any ledger entry, breaks the chain from that row on; what the
// chain cannot show by itself is a history rewritten from some row to the end with the hashes
// recomputed, or its tail cut off. The head (last id and hash) printed by `prepaidctl log
// verify` and in the daily report, kept outside the database, shows that (docs/operators.md).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <phil/common/time.hpp>

namespace phil::store {

/// One row of the system log.
struct LogRow {
  std::int64_t id = 0;
  TimePoint at{};
  std::string operator_id;  ///< who acted: an operator, "system", "init", "site-file", ...
  std::string action;       ///< e.g. "sale", "login", "charge_cycle", "daemon_start"
  std::string target;       ///< what it acted on (an account, a meter, an operator); may be ""
  std::string outcome;      ///< "ok", or why not (e.g. "bad_password", "denied")
  std::string details;      ///< a JSON object, keys sorted
  std::optional<std::string> ledger_digest;  ///< hex; nullopt: no ledger entry refers to it
  std::string hash;                          ///< hex SHA-256 (64 digits)
};

/// Which rows `log` lists: each set field narrows it; times are [from, to).
struct LogFilter {
  std::optional<TimePoint> from;
  std::optional<TimePoint> to;
  std::optional<std::string> operator_id;
  std::optional<std::string> action;
  std::optional<std::string> target;
  std::optional<std::int64_t> id;  ///< only the row of this id
  int limit = 100000;              ///< newest rows kept when more match; 1..100000
};

/// A row written by a caller that is not itself a store action: the daemon's start and stop, an
/// action refused for the actor's role.
struct LogEvent {
  std::string operator_id;
  std::string action;
  std::string target;
  std::string outcome = "ok";
  std::string details = "{}";  ///< a JSON object; anything else is stored as {"text": details}
};

/// The chain's head: the last row's id and hash; id 0 and 64 zeros for an empty log.
struct ChainHead {
  std::int64_t id = 0;
  std::string hash;
};

/// What verifying the log found: its head, and each problem in words (empty: the chain holds and
/// every ledger entry matches the row it refers to).
struct LogCheck {
  ChainHead head;
  std::int64_t rows = 0;
  std::int64_t ledger_entries = 0;
  std::vector<std::string> problems;
};

class SystemLog {
 public:
  virtual ~SystemLog() = default;

  /// Appends `e` as one row (its own transaction). Throws StoreError on a database failure.
  virtual void record(const LogEvent& e, TimePoint at) = 0;
  /// The rows `f` selects, oldest first.
  virtual std::vector<LogRow> log(const LogFilter& f) const = 0;
  /// Recomputes every row's hash and ledger digest from the stored rows and entries: a row
  /// edited, deleted, inserted or moved, a ledger entry changed, deleted, added or referring to
  /// no row all show as problems. With `kept` (a head printed earlier and kept outside the
  /// database), also a history rewritten or cut off since: that row must still be in the chain
  /// with that hash. Reads only.
  virtual LogCheck verify_log(const std::optional<ChainHead>& kept = std::nullopt) const = 0;
  /// The current head (cheap: the last row).
  virtual ChainHead log_head() const = 0;
};

}  // namespace phil::store
