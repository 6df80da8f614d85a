#pragma once
// The rows every part of the SQLite store writes the same way, once: ledger entries (with the
// account's kept balance), outbox commands, audit rows and events, and opening an account (which
// the money operations and the site import both do). Each runs inside the caller's transaction
// and writes through the connection's cached statements. Every role file of the SQLite store
// (sqlite_store.hpp lists them) calls these, so every money movement takes the same code path.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <phil/common/time.hpp>
#include <phil/domain/closing.hpp>
#include <phil/domain/ledger.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/outbox.hpp>
#include <phil/domain/result.hpp>
#include <phil/store/ledger.hpp>
#include <phil/store/queries.hpp>

#include "sqlite.hpp"

namespace phil::store::rows {

/// A refusal of an operator action (kRefused) / of an unknown target (kNotFound).
domain::Error refused(std::string message);
domain::Error not_found(std::string message);

/// A meter id read from the database; a malformed one (a hand edit) throws StoreError.
domain::MeterId parse_id(const std::string& s);
/// "bus1/1/1,bus1/1/2": meter ids for an audit row.
std::string join_ids(const std::vector<domain::MeterId>& ids);

/// The outbox columns command_from_row reads, in its order ("SELECT " + this + " FROM outbox").
extern const char* const kCommandColumns;
/// An outbox row read with kCommandColumns from column `first` on; a row a hand edit broke
/// throws StoreError.
CommandRecord command_from_row(const sqlite::Stmt& s, int first = 0);

/// Binds a value or NULL.
void bind_opt(sqlite::Stmt& s, int i, const std::optional<std::string>& v);
void bind_opt(sqlite::Stmt& s, int i, const std::optional<int>& v);

/// The stored meter (Queries::meter); nullopt if it is not registered.
std::optional<MeterRecord> find_meter(sqlite::Db& db, const domain::MeterId& id);

/// A row of the system log written by a store action (phil/store/system_log.hpp).
struct Audit {
  std::string operator_id;
  std::string action;
  std::string target;  ///< the account, meter, operator, ... acted on; "" for none
  nlohmann::json details = nlohmann::json::object();
  std::string outcome = "ok";
};
/// Appends the row inside the caller's transaction (sealed just before it commits) and returns
/// its id: the ledger entries the action writes after it refer to it (append_ledger).
std::int64_t write_audit(sqlite::Db& db, const Audit& row, TimePoint at);
/// `details` as stored: compact, keys sorted, invalid UTF-8 replaced (never throws).
std::string json_details(const nlohmann::json& details);

/// The system log row of an action whose details grow as it goes on, or that may end up writing
/// nothing: written at the first id() (the ledger entries written after it refer to it), its
/// details (row.details, added to meanwhile) stored by finish(). A row is sealed only at the
/// commit, so its details may still change until then. Without id() or finish(), nothing is
/// written.
class AuditDraft {
 public:
  AuditDraft(sqlite::Db& db, Audit row, TimePoint at);
  /// The row's id, writing it now if it is not yet.
  std::int64_t id();
  Audit& row() { return row_; }
  nlohmann::json& details() { return row_.details; }
  /// Writes the row, or its details as they are now if it is written.
  void finish();

 private:
  sqlite::Db& db_;
  Audit row_;
  TimePoint at_;
  std::optional<std::int64_t> id_;
};
/// `meter` nullopt: a box or bus event.
void write_event(sqlite::Db& db, const std::optional<domain::MeterId>& meter,
                 const std::string& kind, const std::string& details, TimePoint at);

/// Appends a journal entry (seq = last + 1) that refers to the system log row `audit_id` (the
/// action's, written before it in the same transaction) and moves the account's kept balance by
/// it; returns the entry's seq. An unknown account throws StoreError.
std::int64_t append_ledger(sqlite::Db& db, std::int64_t audit_id, const std::string& account,
                           domain::EntryKind kind, const std::optional<domain::MeterId>& meter,
                           std::int64_t amount_fen, std::int64_t energy_wh, std::int64_t carry,
                           const std::string& operator_id, TimePoint at,
                           std::optional<std::int64_t> ref_seq = std::nullopt);

/// Who a debit is for: the account it is booked to on confirmation, the operator who asked, and
/// a reversal's sale.
struct DebitOrigin {
  std::string account;
  std::string operator_id;
  std::optional<std::int64_t> ref_seq;
};

/// Inserts a pending command for `target` (a meter, or a box as circuit 0); returns its id. A
/// debit (and only a debit) carries its origin; another command may name who asked
/// (`operator_id`: an operator, or "system"), so a later decision knows whose it was.
std::int64_t insert_command(sqlite::Db& db, const domain::MeterId& target, domain::CommandKind kind,
                            std::int64_t amount_fen, const std::string& payload,
                            std::optional<std::int64_t> ledger_seq, TimePoint at,
                            const std::optional<DebitOrigin>& origin = std::nullopt,
                            const std::optional<std::string>& operator_id = std::nullopt);
/// Queues a credit of `amount_fen` to `meter` for the ledger entry `ledger_seq`; returns its id.
std::int64_t queue_credit(sqlite::Db& db, const domain::MeterId& meter, std::int64_t amount_fen,
                          std::int64_t ledger_seq, TimePoint at);
/// Queues a debit of `meter` for `account`, asked by `operator_id` (no ledger entry yet: it is
/// booked when the meter confirms, book_debit); returns its id.
std::int64_t queue_debit(sqlite::Db& db, const domain::MeterId& meter, const std::string& account,
                         const domain::DebitPayload& debit, const std::string& operator_id,
                         TimePoint at);
/// The ledger balance of an open account; kNotFound, or refused if it is closed or being
/// closed (nothing but the closing moves its money then).
domain::Result<std::int64_t> open_account_balance(sqlite::Db& db, const std::string& account);

/// The id of a debit of `account` still open (pending or in flight), if any.
std::optional<std::int64_t> open_debit_of(sqlite::Db& db, const std::string& account);
/// The account's meter that holds its money if the account is billed meter-side: its first
/// attached meter, when that meter's billing mode (or the site default) is meter-side.
std::optional<domain::MeterId> money_meter(sqlite::Db& db, const std::string& account);
/// Books a confirmed debit: its refund or reversal entry by the operator who asked, linked from
/// the command (ledger_seq), and a debit_confirmed event. Returns the entry's seq, or nullopt
/// if `command` is not a debit or is a conversion's (purpose convert: no entry, the ledger
/// already holds that money).
std::optional<std::int64_t> book_debit(sqlite::Db& db, std::int64_t command, TimePoint at);

/// A sale entry and, when a meter holds the account's money (money_meter: meter-side), its
/// credit to that meter, whose id is returned. Host-side the ledger holds the money: no credit
/// (nullopt), and each meter the system tripped is closed again (keep_power, a host_close event)
/// once the balance is above 0.
/// The entry refers to the system log row `audit_id`.
std::optional<std::int64_t> write_sale(sqlite::Db& db, std::int64_t audit_id,
                                       const std::string& account, std::int64_t amount_fen,
                                       const std::string& operator_id, TimePoint at);
/// An account of several meters is host-side: its meter-side meters among `meters` switched,
/// as open_account does before the account's first sale and a meter move that gives an account
/// a second meter. Returns the meters switched ("bus/box/circuit,...") for the caller's audit
/// row, or "" if none was.
std::string make_host_side(sqlite::Db& db, const std::vector<domain::MeterId>& meters);
/// Makes a meter-side account host-side (phil/domain/conversion.hpp) in the caller's
/// transaction: every meter of `meters` billed host-side (make_host_side); if the account was
/// meter-side, the ledger settled to what its money meter held at its last reading (settlement
/// entries as `operator_id`), a billing_mode_switched event, and the emptying of that meter's
/// register started (a conversions row; Ledger::advance_conversions). The caller must have made
/// sure no credit or debit of the account is open. The settlement entries refer to `audit`'s
/// row. Returns the figures for that row's details: "host_side" (the meters switched) and, when
/// the account was meter-side, "ledger_took_fen".
nlohmann::json convert_to_host_side(sqlite::Db& db, AuditDraft& audit, const std::string& account,
                                    const std::vector<domain::MeterId>& meters,
                                    const std::string& reason, const std::string& operator_id,
                                    TimePoint at);
/// Starts the way back of a host-side account's only meter to meter-side billing
/// (phil/domain/conversion.hpp) in the caller's transaction: a conversions row (direction
/// meter_side) and a billing_mode_switching event; the meter stays host-side until its register
/// holds the ledger's money (Ledger::advance_conversions). Returns why it cannot start (the meter's
/// tariff in force is tiered; its register is still being emptied), or nullopt (started, or
/// already on its way back).
std::optional<std::string> start_convert_back(sqlite::Db& db, const std::string& account,
                                              const domain::MeterId& meter,
                                              const std::string& reason, TimePoint at);
/// Cancels the way back of `meter` if one is open (the site file declares host-side again).
void cancel_convert_back(sqlite::Db& db, const domain::MeterId& meter, const std::string& why,
                         TimePoint at);
/// The account's first credit or debit not delivered yet ("credit 12 to meter bus1/1/2"), if any:
/// while one is on its way, what the account's meter holds is not known.
std::optional<std::string> open_money_command(sqlite::Db& db, const std::string& account);
/// The outbox state of a command a process step queued (closing, conversion); nullopt for none.
std::optional<domain::StepCommand> step_command(sqlite::Db& db, std::optional<std::int64_t> id);

/// Ledger::open_account without a transaction of its own (the caller's: a single open, or a site
/// import opening many): its checks, the account and its contact, the meters attached, the audit
/// row and the first sale. A refusal writes nothing.
domain::Result<void> open_account(sqlite::Db& db, const OpenAccountRequest& req,
                                  const TenantContact& contact);

}  // namespace phil::store::rows
