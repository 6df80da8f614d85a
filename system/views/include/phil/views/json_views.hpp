#pragma once
// The JSON objects the front doors answer with (prepaidctl --json, prepaid-api): one shape per
// result of service::Operations, so a script written against one reads the other. Times are
// ISO 8601 with the offset given; money is yuan as a decimal string with 2 decimals ("12.30"),
// never a float.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <phil/common/time.hpp>
#include <phil/service/operations.hpp>

namespace phil::views {

/// Fen as yuan with 2 decimals: 1230 -> "12.30", -5 -> "-0.05".
std::string yuan(std::int64_t fen);

/// The text, or JSON null.
nlohmann::json opt(const std::optional<std::string>& v);

/// One meter of the status board: where, whose, status, balance, relay, mode, last reading and
/// its age (seconds before `board.as_of`), the actions it asks for (domain::board_actions) and
/// their text in the language in use.
nlohmann::json board_row_json(const domain::BoardRow& row, const service::StatusBoard& board);
/// The actions a board row asks for, in the language in use ("" for none).
std::string board_actions_text(const domain::BoardRow& row);
/// The whole board: {"ok", "as_of", "total", "counts" by status, "buildings" -> "floors" ->
/// "boxes" -> "meters"}.
nlohmann::json board_json(const service::StatusBoard& board);

/// An alarm: id, kind and its name, target, raised/cleared (at `offset`), active, details,
/// acknowledgement.
nlohmann::json alarm_json(const store::AlarmRecord& a, std::chrono::minutes offset);

/// A row of the system log (times UTC), with its details parsed when they are JSON.
nlohmann::json log_row_json(const store::LogRow& r);

/// A queued command: id, kind, amount_fen, state, attempts, last error.
nlohmann::json command_json(const store::CommandRecord& c);

/// An account's own fields (no meters or entries): id, tenant, phone, room, opened/closed (UTC),
/// ledger balance in fen and as yuan, the meter-side check's mismatch.
nlohmann::json account_json(const store::AccountRecord& a);
/// A ledger entry: seq, kind, meter, amount_fen, energy_wh, balance after, operator, at (UTC).
nlohmann::json ledger_entry_json(const store::LedgerRecord& e);
/// A debit of an account's meter (a refund or reversal of money the meter held) and its state.
nlohmann::json debit_json(const store::CommandRecord& d);
/// An account's closing and each meter's step.
nlohmann::json closing_json(const store::ClosingRecord& c);
/// A tariff: its versions (rates, periods, tiers), meters and assignments.
nlohmann::json tariff_json(const store::TariffRecord& r);
/// A minute of the day as "HH:MM".
std::string hh_mm(int minute_of_day);

}  // namespace phil::views
