#pragma once
// Counts the rows of a table, or runs SQL, through a separate SQLite connection, as another
// process would see them (tests only).
#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include <sqlite3.h>

namespace phil::test {

/// Rows in `table` of the database file at `path`; -1 if it cannot be read.
inline std::int64_t count_rows(const std::string& path, const std::string& table) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, ("SELECT count(*) FROM " + table).c_str(), -1, &s, nullptr);
  std::int64_t n = -1;
  if (sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return n;
}

/// Runs `statements` on the database file at `path`; every row of their results as "v|v|...|"
/// (NULL as "NULL"), or "error: ..." if one fails.
inline std::string sql(const std::string& path, const std::string& statements) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_busy_timeout(db, 5000);
  std::string out;
  char* err = nullptr;
  sqlite3_exec(
      db, statements.c_str(),
      [](void* o, int n, char** values, char**) {
        auto& s = *static_cast<std::string*>(o);
        for (int i = 0; i < n; ++i)
          s += std::string(values[i] ? values[i] : "NULL") + "|";
        return 0;
      },
      &out, &err);
  if (err) {
    out = std::string("error: ") + err;
    sqlite3_free(err);
  }
  sqlite3_close(db);
  return out;
}

/// Turns a file of the current schema (v25) back into the v24 shape, user_version 24: no mark of
/// plain energy meters (issue 14 item 6). For the migration tests.
inline constexpr const char* kSchemaV25ToV24 =
    "ALTER TABLE meters DROP COLUMN metering_only;"
    "PRAGMA user_version = 24;";

/// Turns a file of schema v24 back into the v23 shape, user_version 23: no state_at on meters
/// (issue 14 item 7). For the migration tests.
inline constexpr const char* kSchemaV24ToV23 =
    "ALTER TABLE meters DROP COLUMN state_at;"
    "PRAGMA user_version = 23;";

/// Turns a file of schema v23 back into the v22 shape, user_version 22: no
/// notification outbox (issue 14 item 4). For the migration tests.
inline constexpr const char* kSchemaV23ToV22 =
    "DROP TRIGGER alarms_notice_raised;"
    "DROP TRIGGER alarms_notice_cleared;"
    "DROP TABLE notices;"
    "DROP TABLE notice_events;"
    "PRAGMA user_version = 22;";

/// Turns a file of schema v22 back into the v21 shape, user_version 21: no batch commands.
inline constexpr const char* kSchemaV22ToV21 =
    "DROP TABLE command_batch_members;"
    "DROP TABLE command_batches;"
    "PRAGMA user_version = 21;";

inline constexpr const char* kSchemaV21ToV20 =
    "DROP TRIGGER readings_reopen_rollup;"
    "PRAGMA user_version = 20;";

/// Turns a file of schema v20 back into the v19 shape, user_version 19: no alarms
/// (issue 14 item 3). For the migration tests.
inline constexpr const char* kSchemaV20ToV19 =
    "DROP TABLE alarms;"
    "PRAGMA user_version = 19;";

/// Turns a file of schema v19 back into the v18 shape, user_version 18: no
/// report roll-ups (issue 14 item 5). For the migration tests.
inline constexpr const char* kSchemaV19ToV18 =
    "DROP INDEX ledger_money_by_at;"
    "DROP TABLE rollup_state;"
    "DROP TABLE rollup_marks;"
    "DROP TABLE meter_days;"
    "PRAGMA user_version = 18;";

/// Turns a file of schema v18 back into the v17 shape, user_version 17: no
/// sessions (issue 13 item 3). For the migration tests.
inline constexpr const char* kSchemaV18ToV17 =
    "DROP TABLE sessions;"
    "PRAGMA user_version = 17;";

/// Turns a file of the v17 schema back into the v16 shape, user_version 16: the audit table
/// without its chain (details back to their text), the ledger without audit_id. For the
/// migration tests.
inline constexpr const char* kSchemaV17ToV16 =
    "DROP TRIGGER audit_sealed_never_updated;"
    "DROP TRIGGER audit_never_deleted;"
    "DROP INDEX audit_unsealed;"
    "DROP INDEX audit_by_at;"
    "DELETE FROM audit WHERE action = 'audit_chain_start';"
    "UPDATE audit SET details = COALESCE(json_extract(details, '$.text'), details);"
    "ALTER TABLE audit DROP COLUMN target;"
    "ALTER TABLE audit DROP COLUMN outcome;"
    "ALTER TABLE audit DROP COLUMN ledger_digest;"
    "ALTER TABLE audit DROP COLUMN hash;"
    "ALTER TABLE ledger DROP COLUMN audit_id;"
    "PRAGMA user_version = 16;";

/// Turns a file of the v16 schema back into the v15 shape, user_version 15: no
/// operators (issue 13). For the migration tests.
inline constexpr const char* kSchemaV16ToV15 =
    "DROP TRIGGER operators_never_deleted;"
    "DROP TABLE operators;"
    "PRAGMA user_version = 15;";

/// Turns a file of the v15 schema back into the v14 shape, user_version 14: the
/// conversions table of v13 (no way back, issue 12.3). For the migration tests.
inline constexpr const char* kSchemaV15ToV14 =
    "DELETE FROM conversions WHERE direction = 'meter_side';"
    "CREATE TABLE conversions_v13 (id INTEGER PRIMARY KEY, meter TEXT NOT NULL REFERENCES "
    "meters(id), account TEXT NOT NULL REFERENCES accounts(id), reason TEXT NOT NULL, "
    "started_at INTEGER NOT NULL, settled_fen INTEGER NOT NULL, read_after INTEGER NOT NULL, "
    "debit_command INTEGER REFERENCES outbox(id), failed_debits INTEGER NOT NULL DEFAULT 0 CHECK "
    "(failed_debits >= 0), finished_at INTEGER, outcome TEXT CHECK (outcome IN ('emptied', "
    "'cancelled', 'blocked')), emptied_fen INTEGER, why TEXT, CHECK ((finished_at IS NULL) = "
    "(outcome IS NULL))) STRICT;"
    "INSERT INTO conversions_v13 SELECT id, meter, account, reason, started_at, settled_fen, "
    "read_after, debit_command, failed_debits, finished_at, outcome, emptied_fen, why FROM "
    "conversions;"
    "DROP TABLE conversions;"
    "ALTER TABLE conversions_v13 RENAME TO conversions;"
    "CREATE UNIQUE INDEX conversions_open ON conversions (meter) WHERE finished_at IS NULL;"
    "PRAGMA user_version = 14;";

/// Turns a file of the v14 schema back into the v13 shape, user_version 13: no box
/// identity, no on-site swap waiting on a meter (issue 12.8). For the migration tests.
inline constexpr const char* kSchemaV14ToV13 =
    "DROP TABLE box_identity;"
    "ALTER TABLE meters DROP COLUMN swap_detected_at;"
    "ALTER TABLE meters DROP COLUMN swap_old_balance_fen;"
    "PRAGMA user_version = 13;";

/// Turns a file of the v13 schema back into the v12 shape, user_version 12: no
/// conversions. For the migration tests.
inline constexpr const char* kSchemaV13ToV12 =
    "DROP TABLE conversions;"
    "PRAGMA user_version = 12;";

/// Turns a file of the v12 schema back into the v11 shape, user_version 11: no record
/// of the thresholds on the meters, no first-contact check. For the migration tests.
inline constexpr const char* kSchemaV12ToV11 =
    "ALTER TABLE meters DROP COLUMN onmeter_alarm1_fen;"
    "ALTER TABLE meters DROP COLUMN onmeter_alarm2_fen;"
    "ALTER TABLE meters DROP COLUMN onmeter_overload_w;"
    "ALTER TABLE meters DROP COLUMN onmeter_thresholds_at;"
    "ALTER TABLE meters DROP COLUMN thresholds_check_due;"
    "PRAGMA user_version = 11;";

/// Turns a file of the v11 schema (kSchemaV12ToV11 of the current one) back into the v10 shape,
/// user_version 10: no closings, and the ledger without the settlement kinds (their rows dropped).
/// For the migration tests.
inline constexpr const char* kSchemaV11ToV10 =
    "DROP TABLE closing_meters; DROP TABLE closings;"
    "CREATE TABLE ledger_v10 (seq INTEGER PRIMARY KEY, account TEXT NOT NULL REFERENCES "
    "accounts(id), kind TEXT NOT NULL CHECK (kind IN ('sale', 'charge', 'refund', 'reversal', "
    "'transfer_in', 'transfer_out')), meter TEXT REFERENCES meters(id), amount_fen INTEGER NOT "
    "NULL CHECK (amount_fen >= 0), energy_wh INTEGER NOT NULL DEFAULT 0, carry INTEGER NOT NULL "
    "DEFAULT 0, balance_after_fen INTEGER NOT NULL, operator TEXT NOT NULL, at INTEGER NOT NULL, "
    "ref_seq INTEGER REFERENCES ledger(seq)) STRICT;"
    "INSERT INTO ledger_v10 SELECT seq, account, kind, meter, amount_fen, energy_wh, carry, "
    "balance_after_fen, operator, at, ref_seq FROM ledger WHERE kind NOT IN ('settle_debit', "
    "'settle_credit') ORDER BY seq;"
    "DROP TABLE ledger; ALTER TABLE ledger_v10 RENAME TO ledger;"
    "CREATE INDEX ledger_by_account ON ledger (account, seq) WHERE kind <> 'charge';"
    "CREATE UNIQUE INDEX one_reversal_per_sale ON ledger (ref_seq) WHERE kind = 'reversal';"
    "CREATE UNIQUE INDEX one_transfer_in_per_out ON ledger (ref_seq) WHERE kind = 'transfer_in';"
    "CREATE TRIGGER ledger_append_only_update BEFORE UPDATE ON ledger "
    "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
    "CREATE TRIGGER ledger_append_only_delete BEFORE DELETE ON ledger "
    "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
    "PRAGMA user_version = 10;";

/// Turns a file of the v10 schema (kSchemaV11ToV10 of the current one) back into the v9 shape,
/// user_version 9: no stored command tries, box supervision or status-bits disagreement. For the
/// migration tests.
inline constexpr const char* kSchemaV10ToV9 =
    "ALTER TABLE outbox DROP COLUMN tries;"
    "DROP TABLE box_supervision;"
    "ALTER TABLE meters DROP COLUMN status_bits_mismatch;"
    "PRAGMA user_version = 9;";

/// Turns a file of the v9 schema (kSchemaV10ToV9 of the current one) back into the v8 shape,
/// user_version 8: the outbox without debits (its rows dropped) and without their columns. For
/// the migration tests.
inline constexpr const char* kSchemaV9ToV8 =
    "DELETE FROM outbox WHERE kind = 'debit';"
    "CREATE TABLE outbox_v8 (id INTEGER PRIMARY KEY, meter TEXT REFERENCES meters(id), "
    "bus TEXT NOT NULL, box INTEGER NOT NULL CHECK (box BETWEEN 1 AND 247), "
    "circuit INTEGER NOT NULL CHECK (circuit BETWEEN 0 AND 64), kind TEXT NOT NULL "
    "CHECK (kind IN ('credit', 'price', 'thresholds', 'mode', 'tou_schedule', 'clock')), "
    "priority INTEGER NOT NULL, amount_fen INTEGER NOT NULL DEFAULT 0, payload TEXT NOT NULL, "
    "ledger_seq INTEGER REFERENCES ledger(seq), "
    "purchase_count INTEGER CHECK (purchase_count BETWEEN 0 AND 65535), state TEXT NOT NULL "
    "CHECK (state IN ('pending', 'in_flight', 'confirmed', 'failed', 'superseded')), "
    "attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '', "
    "next_attempt_at INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, "
    "CHECK ((circuit = 0) = (meter IS NULL)), CHECK (kind <> 'credit' OR amount_fen > 0)) STRICT;"
    "INSERT INTO outbox_v8 SELECT id, meter, bus, box, circuit, kind, priority, amount_fen, "
    "payload, ledger_seq, purchase_count, state, attempts, last_error, next_attempt_at, "
    "created_at, updated_at FROM outbox;"
    "DROP TABLE outbox; ALTER TABLE outbox_v8 RENAME TO outbox;"
    "CREATE INDEX outbox_open_by_bus ON outbox (bus, state, priority, id);"
    "CREATE INDEX outbox_by_meter ON outbox (meter, id);"
    "CREATE INDEX outbox_by_target ON outbox (bus, box, circuit, kind, state);"
    "PRAGMA user_version = 8;";

/// Turns a file of the v8 schema back into the v7 shape, user_version 7: tariff
/// assignments without history (one per target), tier positions on the meters (the accounts'
/// columns dropped; a meter's tier columns start empty). For the migration tests.
inline constexpr const char* kSchemaV8ToV7 =
    "CREATE TABLE old_ta (id INTEGER PRIMARY KEY, meter TEXT UNIQUE REFERENCES meters(id), "
    "tariff INTEGER NOT NULL REFERENCES tariffs(id), assigned_at INTEGER NOT NULL) STRICT;"
    "INSERT INTO old_ta (id, meter, tariff, assigned_at) SELECT id, meter, tariff, assigned_at "
    "FROM tariff_assignments;"
    "DROP TABLE tariff_assignments; ALTER TABLE old_ta RENAME TO tariff_assignments;"
    "CREATE UNIQUE INDEX one_site_tariff ON tariff_assignments ((meter IS NULL)) "
    "WHERE meter IS NULL;"
    "ALTER TABLE meters ADD COLUMN tier_period_start INTEGER;"
    "ALTER TABLE meters ADD COLUMN tier_used_wh INTEGER NOT NULL DEFAULT 0 "
    "CHECK (tier_used_wh >= 0);"
    "ALTER TABLE accounts DROP COLUMN tier_period_start;"
    "ALTER TABLE accounts DROP COLUMN tier_used_wh;"
    "PRAGMA user_version = 7;";

/// v26 (tenant_credentials, tenant_sessions) undone.
inline constexpr const char* kSchemaV26ToV25 =
    "DROP TABLE tenant_sessions;"
    "DROP TABLE tenant_credentials;"
    "PRAGMA user_version = 25;";

/// The undo steps above, by the version each one undoes.
inline constexpr std::array<std::pair<int, const char*>, 19> kSchemaUndo{{
    {26, kSchemaV26ToV25}, {25, kSchemaV25ToV24}, {24, kSchemaV24ToV23}, {23, kSchemaV23ToV22},
    {22, kSchemaV22ToV21}, {21, kSchemaV21ToV20}, {20, kSchemaV20ToV19}, {19, kSchemaV19ToV18},
    {18, kSchemaV18ToV17}, {17, kSchemaV17ToV16}, {16, kSchemaV16ToV15}, {15, kSchemaV15ToV14},
    {14, kSchemaV14ToV13}, {13, kSchemaV13ToV12}, {12, kSchemaV12ToV11}, {11, kSchemaV11ToV10},
    {10, kSchemaV10ToV9},  {9, kSchemaV9ToV8},    {8, kSchemaV8ToV7},
}};

/// Turns a file of the current schema (`current`, sqlite_schema_version()) back into the shape of
/// `version` (>= 7) with the undo steps above, newest first; "" on success, else what failed. A
/// newer migration without its undo step here fails, naming the step to add.
inline std::string undo_schema_to(const std::string& path, int current, int version) {
  if (current != kSchemaUndo.front().first) {
    return "no undo step for schema v" + std::to_string(current) + ": add kSchemaV" +
           std::to_string(current) + "ToV" + std::to_string(current - 1) +
           " to kSchemaUndo in tests/support/sqlite_count.hpp";
  }
  for (const auto& [undone, statements] : kSchemaUndo) {
    if (undone <= version) break;
    if (auto out = sql(path, statements); !out.empty()) {
      return "undoing v" + std::to_string(undone) + ": " + out;
    }
  }
  return "";
}

}  // namespace phil::test
