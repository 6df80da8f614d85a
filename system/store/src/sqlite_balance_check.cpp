// The meter-side balance check, run inside each poll cycle's transaction after its readings are
// stored and charged (see sqlite_billing.hpp).
//
// For an account whose meters are all meter-side and read, with no credit in flight,
// drift = sum(meter balances) - (ledger balance - pending credits). The first such check sets the
// account's baseline (credit a meter already held when the account was opened is not the
// ledger's); a later drift beyond the site tolerance from that baseline records a
// "balance_mismatch" event, its return within the tolerance a "balance_mismatch_cleared" event
// (one event per change, not per poll).
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <phil/common/decimal.hpp>
#include <phil/domain/alarms.hpp>
#include <phil/domain/money.hpp>

#include "sqlite_alarms.hpp"
#include "sqlite_billing.hpp"
#include "sqlite_writers.hpp"

namespace phil::store::billing {

namespace {

using sqlite::Db;

/// An account's credits still in the outbox.
struct OpenCredits {
  std::int64_t undelivered = 0;  // pending credits no meter can hold yet
  bool on_the_wire = false;      // a credit in flight: the meters may or may not hold it
};

/// The site's mismatch tolerance; nullopt if no site model was imported.
std::optional<std::int64_t> mismatch_tolerance(Db& db) {
  auto s = db.prepare("SELECT mismatch_tolerance_fen FROM site WHERE id = 1");
  if (s->step()) return s->int64(0);
  return std::nullopt;
}

/// The open credits of every account that has any.
std::map<std::string, OpenCredits> open_credits(Db& db) {
  std::map<std::string, OpenCredits> open;
  auto s = db.prepare(
      // Open commands through the (bus, state) index, bus by bus: the outbox keeps its whole
      // history, which must not be scanned every poll.
      // A pending debit is still on the meter and in the ledger (booked when confirmed): only
      // one on the wire makes the two disagree for a moment, as a credit does.
      "SELECT am.account, COALESCE(SUM(CASE WHEN o.kind = 'credit' AND o.state = 'pending' AND "
      "o.purchase_count IS NULL THEN o.amount_fen ELSE 0 END), 0), SUM(o.state = 'in_flight' "
      "OR o.purchase_count IS NOT NULL) FROM (SELECT DISTINCT bus FROM meters) b CROSS JOIN "
      "outbox o ON o.bus = b.bus AND o.state IN ('pending', 'in_flight') CROSS JOIN "
      "account_meters am ON am.meter = o.meter AND am.detached_at IS NULL "
      "WHERE o.kind IN ('credit', 'debit') GROUP BY am.account");
  while (s->step())
    open[s->text(0)] = {s->int64(1), s->int64(2) > 0};
  return open;
}

/// The accounts of `elsewhere` that can be checked from their meters' stored state, appended to
/// `rows`.
void add_stored_balances(Db& db, const std::vector<std::string>& elsewhere,
                         std::vector<AccountBalance>& rows) {
  auto s = db.prepare(
      "SELECT a.id, MIN(am.meter), a.balance_fen, a.balance_offset_fen, a.mismatch_fen, "
      "COALESCE(SUM(m.balance_fen), 0) "
      "FROM json_each(?1) j JOIN accounts a ON a.id = j.value AND a.closed_at IS NULL "
      "JOIN account_meters am ON am.account = a.id AND am.detached_at IS NULL "
      "JOIN meters m ON m.id = am.meter JOIN site st ON st.id = 1 GROUP BY a.id "
      // checkable: every meter meter-side, read and answering
      "HAVING count(*) = SUM(COALESCE(m.billing_mode, st.billing_mode) = 'meter-side' AND "
      "m.read_at IS NOT NULL AND m.failed_cycles = 0)");
  s->bind(1, sqlite::json_array(elsewhere));
  while (s->step()) {
    rows.push_back(
        {s->text(0), s->text(1), s->int64(2), s->opt_int64(3), s->opt_int64(4), s->int64(5)});
  }
}

/// One account's check: sets its baseline the first time, records a change of its finding.
void check_account(Db& db, const AccountBalance& row, const OpenCredits& credits, std::int64_t tol,
                   TimePoint at) {
  if (credits.on_the_wire) return;
  if (!row.baseline_fen) {
    // What the meters hold beyond the ledger when first seen together is not the ledger's.
    auto u = db.prepare("UPDATE accounts SET balance_offset_fen = ?2 WHERE id = ?1");
    u->bind(1, row.account).bind(2, row.meters_fen - (row.ledger_fen - credits.undelivered));
    u->run();
    return;
  }
  const auto mismatch = domain::balance_mismatch(
      {row.ledger_fen, credits.undelivered, row.meters_fen - *row.baseline_fen, tol});
  // Written only when the finding appears, clears, or moves by more than the tolerance: a
  // steady gap costs no write per poll.
  const bool changed = mismatch.has_value() != row.previous_fen.has_value() ||
                       (mismatch && std::llabs(*mismatch - *row.previous_fen) > tol);
  if (!changed) return;
  if (mismatch && !row.previous_fen) {
    rows::write_event(db, rows::parse_id(row.first_meter), "balance_mismatch",
                      "account " + row.account + ": its meters hold " +
                          std::to_string(row.meters_fen) + " fen, the ledger expects " +
                          std::to_string(row.ledger_fen - credits.undelivered + *row.baseline_fen) +
                          " fen (balance " + std::to_string(row.ledger_fen) + " - undelivered " +
                          std::to_string(credits.undelivered) + " + baseline " +
                          std::to_string(*row.baseline_fen) + "), off by " +
                          std::to_string(*mismatch) + " fen, beyond the tolerance of " +
                          std::to_string(tol) +
                          " fen; compare the meters' price tables and credits with the ledger",
                      at);
  } else if (!mismatch) {
    rows::write_event(db, rows::parse_id(row.first_meter), "balance_mismatch_cleared",
                      "account " + row.account +
                          ": its meters agree with the ledger again (within " +
                          std::to_string(tol) + " fen)",
                      at);
  }
  nlohmann::json details{{"meter", row.first_meter}};
  if (mismatch) details["off_by"] = format_decimal(*mismatch, 2);
  alarms::observe(
      db,
      {{{domain::AlarmKind::kBalanceMismatch, domain::AlarmTarget::of_account(row.account)},
        mismatch.has_value(),
        details.dump()}},
      at);
  auto u = db.prepare("UPDATE accounts SET mismatch_fen = ?2 WHERE id = ?1");
  u->bind(1, row.account).bind(2, mismatch);
  u->run();
}

}  // namespace

void check_balances(Db& db, const CycleAccounts& cycle, TimePoint at) {
  if (cycle.balances.empty() && cycle.elsewhere.empty()) return;
  const auto tolerance = mismatch_tolerance(db);
  if (!tolerance) return;  // no site model imported: nothing says what the meters should hold
  const auto open = open_credits(db);
  std::vector<AccountBalance> rows = cycle.balances;
  if (!cycle.elsewhere.empty()) add_stored_balances(db, cycle.elsewhere, rows);
  for (const auto& row : rows) {
    const auto o = open.find(row.account);
    check_account(db, row, o == open.end() ? OpenCredits{} : o->second, *tolerance, at);
  }
}

}  // namespace phil::store::billing
