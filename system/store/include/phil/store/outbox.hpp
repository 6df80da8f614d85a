#pragma once
// The command outbox role: every change that must reach a meter is a row here until a bus worker
// has written it and read it back (see phil/domain/outbox.hpp for the rules). Used by the bus
// workers (delivery, host-side trip and close) and by operator commands (enqueue_command).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/outbox.hpp>
#include <phil/domain/result.hpp>
#include <phil/store/common.hpp>

namespace phil::store {

/// One outbox row. Rules (states, order, priority, supersede) are in phil/domain/outbox.hpp.
struct CommandRecord {
  std::int64_t id = 0;
  /// The target: a circuit, or for box-level kinds (tou_schedule, clock) the box itself, written
  /// with circuit == 0 (such an id is not a meter: MeterId::parse never yields it).
  domain::MeterId meter;
  domain::CommandKind kind = domain::CommandKind::kCredit;
  int priority = 0;               ///< domain::priority(kind): smaller is sent first
  std::int64_t amount_fen = 0;    ///< credit, debit: the amount (also in `params`)
  std::string payload;            ///< canonical text of `params` (domain::encode_payload)
  domain::CommandPayload params;  ///< typed payload: the variant alternative matches `kind`
  /// Credit: its purchase_count; debit: its debit_count. Assigned once, before the first write.
  std::optional<std::uint16_t> purchase_count;
  domain::CommandState state = domain::CommandState::kPending;
  int attempts = 0;  ///< writes attempted
  /// Failed tries, pre-write reads included (defer_command stores them): the retry backoff
  /// grows with them, and is stored so a restart does not reset it.
  int tries = 0;
  std::string last_error;
  TimePoint next_attempt_at{};
  TimePoint created_at{};
  TimePoint updated_at{};
  /// Credit: its sale (or transfer) entry; debit: its refund or reversal entry, set when the
  /// meter confirms it.
  std::optional<std::int64_t> ledger_seq;
  /// Who asked: an operator command's operator ("system" for the system's own, e.g. host-side
  /// trips), a debit's operator; nullopt for credits and for commands queued before this was
  /// kept.
  std::optional<std::string> operator_id;
};

/// An operator's command to a meter or box (every kind but credit, which only a sale writes).
struct CommandRequest {
  /// The meter; for box-level kinds (tou_schedule, clock) the box, given as circuit 0.
  domain::MeterId target;
  domain::CommandPayload params;  ///< its alternative decides the kind
  std::string operator_id;
  TimePoint at{};
};

/// Meter-side values confirmed by reading a meter back after a command.
using Readback = domain::CreditReadback;

/// Each writer is one transaction; a refused enqueue writes nothing. Database failures throw
/// StoreError.
class Outbox {
 public:
  virtual ~Outbox() = default;

  //
  // How a bus worker delivers (see phil/domain/outbox.hpp for the rules):
  //   1. cmds = next_commands(bus, now, n): the sendable heads, in priority order;
  //   2. per command: try_begin_attempt(id, count, now) BEFORE any write (for a credit, with the
  //      purchase_count from domain::decide_credit when it is newly assigned); false means an
  //      operator superseded it meanwhile: skip it;
  //   3. write, read back, then confirm_command / defer_command (retry later, stays in flight) /
  //      fail_command (for good, with an event for an operator).
  // Writers: sale / open_account write credits; enqueue_command writes every other kind and
  // supersedes the target's PENDING commands of the same kind in the same transaction.

  /// Queues an operator command (mode, price, thresholds, TOU schedule, clock) with an audit row,
  /// superseding the PENDING commands of the same kind and target; one transaction. Returns the
  /// new command's id. Refused (nothing written): a credit (use sale), a target that is not a
  /// configured meter (or, for box-level kinds, a box with no configured meter; the circuit must
  /// then be 0), an invalid payload (domain::check_payload).
  /// A thresholds command becomes the meter's own stored thresholds; a price command becomes the
  /// meter's own tariff (the tariff domain::manual_tariff_name(meter): a version of those rates on
  /// the period table of the tariff in force, no tiers, unless its version in force is that; the
  /// meter's own assignment from req.at unless it names it already; audit rows marked "(command
  /// price)"), refused when the meter has an own assignment taking effect after req.at. Either,
  /// equal to the newest open command of its kind, returns that command ("already queued").
  virtual domain::Result<std::int64_t> enqueue_command(const CommandRequest& req) = 0;
  /// The commands a bus may send at `now`: the head of each target's queue (smallest (priority,
  /// id) among its pending and in-flight commands) if its next_attempt_at <= now, in (priority,
  /// id) order, at most `limit`. A head not yet due blocks its target.
  virtual std::vector<CommandRecord> next_commands(const std::string& bus, TimePoint now,
                                                   std::size_t limit) const = 0;
  /// Commands of a bus not yet confirmed, failed or superseded, oldest first (all targets, heads
  /// or not).
  virtual std::vector<CommandRecord> open_commands(const std::string& bus) const = 0;
  /// Marks the command in flight and counts one attempt. If `assign_count` is given and the
  /// command has no purchase_count yet, it is stored first: this must be called (and return)
  /// before the write, so the count is durable before any meter could apply it. Returns false
  /// (and changes nothing) if the command is no longer open: it was superseded, confirmed or
  /// failed meanwhile (another process may write the outbox); then do not send it.
  virtual bool try_begin_attempt(std::int64_t command, std::optional<std::uint16_t> assign_count,
                                 TimePoint at) = 0;
  /// As try_begin_attempt, but a command that is no longer open throws StoreError.
  virtual void begin_attempt(std::int64_t command, std::optional<std::uint16_t> assign_count,
                             TimePoint at) = 0;
  /// Records why an attempt did not complete, when to try again and the command's failed
  /// `tries` so far (CommandRecord::tries; a wait without a try keeps the count). The state is
  /// unchanged.
  virtual void defer_command(std::int64_t command, const std::string& error,
                             TimePoint next_attempt_at, TimePoint at, int tries) = 0;
  /// Confirms the command and mirrors the read-back values into the meter (status updated); for
  /// a box-level command only the command is confirmed. Throws StoreError if it is not open.
  virtual void confirm_command(std::int64_t command, const Readback& rb, TimePoint at,
                               const BillingRules& rules) = 0;
  /// Fails the command for good and records an event for an operator.
  virtual void fail_command(std::int64_t command, const std::string& reason, TimePoint at) = 0;
  /// Earliest next_attempt_at of the commands of a bus that can be sent next (the head of each
  /// target's queue), if any.
  virtual std::optional<TimePoint> next_command_due(const std::string& bus) const = 0;
};

}  // namespace phil::store
