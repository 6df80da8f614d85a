#include "schema.hpp"

namespace phil::store::schema {

namespace {

// Times are INTEGER milliseconds since 1970-01-01T00:00:00Z; money INTEGER fen; energy INTEGER
// Wh; meter ids TEXT "bus/box/circuit".
constexpr std::string_view kV1 = R"sql(
CREATE TABLE meters (
  id TEXT PRIMARY KEY,
  bus TEXT NOT NULL,
  box INTEGER NOT NULL CHECK (box BETWEEN 1 AND 247),
  circuit INTEGER NOT NULL CHECK (circuit BETWEEN 1 AND 64),
  model TEXT NOT NULL,
  read_at INTEGER,
  energy_wh INTEGER,
  power_w INTEGER,
  balance_fen INTEGER,
  relay INTEGER,
  mode TEXT,
  status_bits INTEGER,
  alarm1 INTEGER,
  alarm2 INTEGER,
  arrears INTEGER,
  purchase_count INTEGER,
  purchase_amount_fen INTEGER,
  purchase_total_fen INTEGER,
  status TEXT NOT NULL DEFAULT 'not_opened',
  failed_cycles INTEGER NOT NULL DEFAULT 0,
  billed_energy_wh INTEGER,
  carry INTEGER NOT NULL DEFAULT 0 CHECK (carry >= 0 AND carry < 100000),
  UNIQUE (bus, box, circuit)
) STRICT;

CREATE TABLE readings (
  id INTEGER PRIMARY KEY,
  meter TEXT NOT NULL REFERENCES meters(id),
  at INTEGER NOT NULL,
  energy_wh INTEGER NOT NULL,
  power_w INTEGER NOT NULL,
  balance_fen INTEGER NOT NULL,
  relay INTEGER NOT NULL,
  mode TEXT NOT NULL,
  status_bits INTEGER NOT NULL,
  purchase_count INTEGER NOT NULL,
  purchase_total_fen INTEGER NOT NULL
) STRICT;
CREATE INDEX readings_by_meter ON readings (meter, at);

CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  closed_at INTEGER,
  balance_fen INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE account_meters (
  account TEXT NOT NULL REFERENCES accounts(id),
  meter TEXT NOT NULL REFERENCES meters(id),
  position INTEGER NOT NULL,
  attached_at INTEGER NOT NULL,
  detached_at INTEGER,
  PRIMARY KEY (account, meter)
) STRICT;
CREATE UNIQUE INDEX one_open_account_per_meter ON account_meters (meter)
  WHERE detached_at IS NULL;

CREATE TABLE ledger (
  seq INTEGER PRIMARY KEY,
  account TEXT NOT NULL REFERENCES accounts(id),
  kind TEXT NOT NULL
    CHECK (kind IN ('sale', 'charge', 'refund', 'reversal', 'transfer_in', 'transfer_out')),
  meter TEXT REFERENCES meters(id),
  amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
  energy_wh INTEGER NOT NULL DEFAULT 0,
  carry INTEGER NOT NULL DEFAULT 0,
  balance_after_fen INTEGER NOT NULL,
  operator TEXT NOT NULL,
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX ledger_by_account ON ledger (account, seq);
CREATE TRIGGER ledger_append_only_update BEFORE UPDATE ON ledger
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_append_only_delete BEFORE DELETE ON ledger
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  meter TEXT NOT NULL REFERENCES meters(id),
  bus TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('credit', 'price', 'thresholds', 'mode')),
  amount_fen INTEGER NOT NULL DEFAULT 0,
  payload TEXT NOT NULL,
  ledger_seq INTEGER REFERENCES ledger(seq),
  purchase_count INTEGER CHECK (purchase_count BETWEEN 0 AND 65535),
  state TEXT NOT NULL
    CHECK (state IN ('pending', 'in_flight', 'confirmed', 'failed', 'superseded')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  next_attempt_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_open_by_bus ON outbox (bus, state, id);
CREATE INDEX outbox_by_meter ON outbox (meter, id);

CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  operator TEXT NOT NULL,
  action TEXT NOT NULL,
  details TEXT NOT NULL,
  at INTEGER NOT NULL
) STRICT;

CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  meter TEXT REFERENCES meters(id),
  kind TEXT NOT NULL,
  details TEXT NOT NULL,
  at INTEGER NOT NULL
) STRICT;
)sql";

// v2: the outbox addresses a circuit or a whole box (circuit 0, meter NULL: TOU schedule, clock),
// knows the new kinds, and stores each command's delivery priority (domain::priority) so a bus
// reads its next commands in order from one index. Rebuilt because SQLite cannot relax NOT NULL
// or a CHECK in place; ids, states and counts are copied unchanged.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE outbox_v2 (
  id INTEGER PRIMARY KEY,
  meter TEXT REFERENCES meters(id),
  bus TEXT NOT NULL,
  box INTEGER NOT NULL CHECK (box BETWEEN 1 AND 247),
  circuit INTEGER NOT NULL CHECK (circuit BETWEEN 0 AND 64),
  kind TEXT NOT NULL
    CHECK (kind IN ('credit', 'price', 'thresholds', 'mode', 'tou_schedule', 'clock')),
  priority INTEGER NOT NULL,
  amount_fen INTEGER NOT NULL DEFAULT 0,
  payload TEXT NOT NULL,
  ledger_seq INTEGER REFERENCES ledger(seq),
  purchase_count INTEGER CHECK (purchase_count BETWEEN 0 AND 65535),
  state TEXT NOT NULL
    CHECK (state IN ('pending', 'in_flight', 'confirmed', 'failed', 'superseded')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  next_attempt_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK ((circuit = 0) = (meter IS NULL)),
  CHECK (kind <> 'credit' OR amount_fen > 0)
) STRICT;
INSERT INTO outbox_v2 (id, meter, bus, box, circuit, kind, priority, amount_fen, payload,
  ledger_seq, purchase_count, state, attempts, last_error, next_attempt_at, created_at,
  updated_at)
SELECT o.id, o.meter, o.bus, m.box, m.circuit, o.kind,
  CASE o.kind WHEN 'mode' THEN 0 WHEN 'credit' THEN 1 WHEN 'thresholds' THEN 2 ELSE 3 END,
  o.amount_fen, o.payload, o.ledger_seq, o.purchase_count, o.state, o.attempts, o.last_error,
  o.next_attempt_at, o.created_at, o.updated_at
FROM outbox o JOIN meters m ON m.id = o.meter;
DROP TABLE outbox;
ALTER TABLE outbox_v2 RENAME TO outbox;
CREATE INDEX outbox_open_by_bus ON outbox (bus, state, priority, id);
CREATE INDEX outbox_by_meter ON outbox (meter, id);
CREATE INDEX outbox_by_target ON outbox (bus, box, circuit, kind, state);
)sql";

// v3: a ledger entry may refer to an earlier one (a reversal to the sale it cancels); accounts
// record who closed them.
constexpr std::string_view kV3 = R"sql(
ALTER TABLE ledger ADD COLUMN ref_seq INTEGER REFERENCES ledger(seq);
CREATE UNIQUE INDEX one_reversal_per_sale ON ledger (ref_seq) WHERE kind = 'reversal';
)sql";

// v4: the serial number last read from each meter (replacement detection), and read-now
// requests from another process (prepaidctl read-now), polled by the daemon's bus workers.
constexpr std::string_view kV4 = R"sql(
ALTER TABLE meters ADD COLUMN serial TEXT;
CREATE TABLE read_requests (
  id INTEGER PRIMARY KEY,
  target TEXT NOT NULL,
  bus TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
  result TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX read_requests_pending ON read_requests (bus, state, id);
)sql";

// v5: the site model (site -> building -> floor -> room; comm manager -> bus -> box -> meter)
// with the site's defaults (thresholds, billing mode, balance-check tolerance) and each meter's
// overrides; a tenant's phone and room; meter replacements; the meter-side balance check's
// baseline and last finding per account. account_meters gets its own id so a meter may rejoin an
// account it left (each attachment period is kept). A transfer_in receives exactly one
// transfer_out.
constexpr std::string_view kV5 = R"sql(
CREATE TABLE site (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  name TEXT NOT NULL DEFAULT '',
  alarm1_fen INTEGER NOT NULL DEFAULT 2000,
  alarm2_fen INTEGER NOT NULL DEFAULT 500,
  overload_w INTEGER NOT NULL DEFAULT 0,
  billing_mode TEXT NOT NULL DEFAULT 'meter-side'
    CHECK (billing_mode IN ('meter-side', 'host-side')),
  mismatch_tolerance_fen INTEGER NOT NULL DEFAULT 100 CHECK (mismatch_tolerance_fen >= 0)
) STRICT;
INSERT INTO site (id) VALUES (1);
CREATE TABLE buildings (id TEXT PRIMARY KEY, name TEXT NOT NULL) STRICT;
CREATE TABLE floors (
  building TEXT NOT NULL REFERENCES buildings(id),
  number INTEGER NOT NULL,
  PRIMARY KEY (building, number)
) STRICT;
CREATE TABLE rooms (
  id TEXT PRIMARY KEY,
  building TEXT NOT NULL,
  floor INTEGER NOT NULL,
  FOREIGN KEY (building, floor) REFERENCES floors(building, number)
) STRICT;
CREATE TABLE comm_managers (id TEXT PRIMARY KEY, name TEXT NOT NULL, address TEXT NOT NULL) STRICT;
CREATE TABLE buses (id TEXT PRIMARY KEY, comm_manager TEXT REFERENCES comm_managers(id)) STRICT;
CREATE TABLE boxes (
  bus TEXT NOT NULL REFERENCES buses(id),
  address INTEGER NOT NULL CHECK (address BETWEEN 1 AND 247),
  model TEXT NOT NULL,
  building TEXT,
  floor INTEGER,
  PRIMARY KEY (bus, address),
  FOREIGN KEY (building, floor) REFERENCES floors(building, number)
) STRICT;
ALTER TABLE meters ADD COLUMN room TEXT REFERENCES rooms(id);
ALTER TABLE meters ADD COLUMN alarm1_fen INTEGER;
ALTER TABLE meters ADD COLUMN alarm2_fen INTEGER;
ALTER TABLE meters ADD COLUMN overload_w INTEGER;
ALTER TABLE meters ADD COLUMN billing_mode TEXT
  CHECK (billing_mode IN ('meter-side', 'host-side'));
ALTER TABLE accounts ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN room TEXT REFERENCES rooms(id);
ALTER TABLE accounts ADD COLUMN mismatch_fen INTEGER;
ALTER TABLE accounts ADD COLUMN balance_offset_fen INTEGER;
CREATE TABLE account_meters_v5 (
  id INTEGER PRIMARY KEY,
  account TEXT NOT NULL REFERENCES accounts(id),
  meter TEXT NOT NULL REFERENCES meters(id),
  position INTEGER NOT NULL,
  attached_at INTEGER NOT NULL,
  detached_at INTEGER
) STRICT;
INSERT INTO account_meters_v5 (account, meter, position, attached_at, detached_at)
  SELECT account, meter, position, attached_at, detached_at FROM account_meters
  ORDER BY attached_at, account, position;
DROP TABLE account_meters;
ALTER TABLE account_meters_v5 RENAME TO account_meters;
CREATE UNIQUE INDEX one_open_account_per_meter ON account_meters (meter)
  WHERE detached_at IS NULL;
CREATE INDEX account_meters_by_account ON account_meters (account, detached_at, position);
CREATE TABLE meter_replacements (
  id INTEGER PRIMARY KEY,
  old_meter TEXT NOT NULL REFERENCES meters(id),
  new_meter TEXT NOT NULL REFERENCES meters(id),
  account TEXT NOT NULL REFERENCES accounts(id),
  final_read_at INTEGER NOT NULL,
  final_energy_wh INTEGER NOT NULL,
  final_balance_fen INTEGER NOT NULL,
  transferred_fen INTEGER NOT NULL CHECK (transferred_fen >= 0),
  transfer_out_seq INTEGER REFERENCES ledger(seq),
  credit_command INTEGER REFERENCES outbox(id),
  operator TEXT NOT NULL,
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX meter_replacements_by_old ON meter_replacements (old_meter);
CREATE INDEX meter_replacements_by_new ON meter_replacements (new_meter);
CREATE UNIQUE INDEX one_transfer_in_per_out ON ledger (ref_seq) WHERE kind = 'transfer_in';
)sql";

// v6: stored tariffs (domain::Tariff / TariffSchedule): a tariff's versions, each effective from
// an instant, with its four TOU rates, daily period table and tiers; the site default and
// per-meter tariffs (meter NULL: the site default); each meter's tier position (the start of its
// tier period and the energy charged in it).
constexpr std::string_view kV6 = R"sql(
CREATE TABLE tariffs (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
  utc_offset_min INTEGER NOT NULL CHECK (utc_offset_min BETWEEN -1440 AND 1440),
  created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE tariff_versions (
  id INTEGER PRIMARY KEY,
  tariff INTEGER NOT NULL REFERENCES tariffs(id),
  from_at INTEGER NOT NULL,
  sharp INTEGER NOT NULL CHECK (sharp >= 0),
  peak INTEGER NOT NULL CHECK (peak >= 0),
  flat INTEGER NOT NULL CHECK (flat >= 0),
  valley INTEGER NOT NULL CHECK (valley >= 0),
  tier_period TEXT NOT NULL CHECK (tier_period IN ('none', 'monthly', 'yearly')),
  reset_month INTEGER NOT NULL CHECK (reset_month BETWEEN 1 AND 12),
  reset_day INTEGER NOT NULL CHECK (reset_day BETWEEN 1 AND 28),
  created_at INTEGER NOT NULL,
  UNIQUE (tariff, from_at)
) STRICT;
CREATE TABLE tariff_periods (
  version INTEGER NOT NULL REFERENCES tariff_versions(id),
  start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
  rate TEXT NOT NULL CHECK (rate IN ('sharp', 'peak', 'flat', 'valley')),
  PRIMARY KEY (version, start_minute)
) STRICT;
CREATE TABLE tariff_tiers (
  version INTEGER NOT NULL REFERENCES tariff_versions(id),
  from_wh INTEGER NOT NULL CHECK (from_wh >= 0),
  surcharge INTEGER NOT NULL CHECK (surcharge >= 0),
  PRIMARY KEY (version, from_wh)
) STRICT;
CREATE TABLE tariff_assignments (
  id INTEGER PRIMARY KEY,
  meter TEXT UNIQUE REFERENCES meters(id),
  tariff INTEGER NOT NULL REFERENCES tariffs(id),
  assigned_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX one_site_tariff ON tariff_assignments ((meter IS NULL)) WHERE meter IS NULL;
ALTER TABLE meters ADD COLUMN tier_period_start INTEGER;
ALTER TABLE meters ADD COLUMN tier_used_wh INTEGER NOT NULL DEFAULT 0 CHECK (tier_used_wh >= 0);
)sql";

// v7: the polling path writes in time order. A poll cycle of N meters used to add N entries to
// two per-meter/per-account indexes (readings by meter, ledger by account), each on a different
// page: the pages a cycle dirtied, and so its WAL writes, grew with the history (after a month of
// 30-minute readings of 10,000 meters, ~10,000 pages of each index per cycle). Now:
// - readings are clustered by (at, meter): a cycle's rows are appended to a few pages. Nothing
//   reads one meter's readings on the hot path; a meter's history is a range of `at` filtered by
//   meter. No foreign key: its only writer stores readings of configured meters only, in the same
//   transaction as it checks them, and the key lookup was a b-tree search per reading.
// - the ledger's per-account index holds the operator entries (sale, refund, reversal,
//   transfers) but not the per-reading charges; an account's last paid charge is kept with its
//   balance (accounts.last_charge_seq), which is what a reversal asks.
constexpr std::string_view kV7 = R"sql(
CREATE TABLE readings_v7 (
  at INTEGER NOT NULL,
  meter TEXT NOT NULL,
  energy_wh INTEGER NOT NULL,
  power_w INTEGER NOT NULL,
  balance_fen INTEGER NOT NULL,
  relay INTEGER NOT NULL,
  mode TEXT NOT NULL,
  status_bits INTEGER NOT NULL,
  purchase_count INTEGER NOT NULL,
  purchase_total_fen INTEGER NOT NULL,
  PRIMARY KEY (at, meter)
) STRICT, WITHOUT ROWID;
INSERT OR REPLACE INTO readings_v7 (at, meter, energy_wh, power_w, balance_fen, relay, mode,
    status_bits, purchase_count, purchase_total_fen)
  SELECT at, meter, energy_wh, power_w, balance_fen, relay, mode, status_bits, purchase_count,
    purchase_total_fen FROM readings ORDER BY id;
DROP TABLE readings;
ALTER TABLE readings_v7 RENAME TO readings;
ALTER TABLE accounts ADD COLUMN last_charge_seq INTEGER;
UPDATE accounts SET last_charge_seq = (SELECT MAX(seq) FROM ledger l WHERE l.account = accounts.id
  AND l.kind = 'charge' AND l.amount_fen > 0);
DROP INDEX ledger_by_account;
CREATE INDEX ledger_by_account ON ledger (account, seq) WHERE kind <> 'charge';
)sql";

// v8: tariff assignments are history and the tier position belongs to the account.
// - An assignment takes effect from an instant (from_at) and is never deleted: a reading
//   interval that spans one is cut there (before it the earlier tariff). The existing ones take
//   effect from when they were made. tariff_assignments_by_meter covers a meter's history.
// - Tiers count a household's energy: all meters of an account climb one tier ladder, and a new
//   account starts at zero (accounts.tier_*; the meters' columns are dropped). An open account
//   takes the latest tier period among its attached meters and the sum of the energy of those of
//   its meters in that period (a meter in an earlier period was going to restart at zero at its
//   next charge). A meter's count before this version may include a previous tenant's energy in
//   the same period: it cannot be told apart and is kept as it was.
constexpr std::string_view kV8 = R"sql(
CREATE TABLE tariff_assignments_v8 (
  id INTEGER PRIMARY KEY,
  meter TEXT REFERENCES meters(id),
  tariff INTEGER NOT NULL REFERENCES tariffs(id),
  from_at INTEGER NOT NULL,
  assigned_at INTEGER NOT NULL
) STRICT;
INSERT INTO tariff_assignments_v8 (id, meter, tariff, from_at, assigned_at)
  SELECT id, meter, tariff, assigned_at, assigned_at FROM tariff_assignments;
DROP TABLE tariff_assignments;
ALTER TABLE tariff_assignments_v8 RENAME TO tariff_assignments;
CREATE UNIQUE INDEX one_tariff_assignment_per_instant
  ON tariff_assignments (ifnull(meter, ''), from_at);
CREATE INDEX tariff_assignments_by_meter ON tariff_assignments (meter, from_at, tariff);
ALTER TABLE accounts ADD COLUMN tier_period_start INTEGER;
ALTER TABLE accounts ADD COLUMN tier_used_wh INTEGER NOT NULL DEFAULT 0 CHECK (tier_used_wh >= 0);
UPDATE accounts SET
  tier_period_start = (SELECT MAX(m.tier_period_start) FROM account_meters am
    JOIN meters m ON m.id = am.meter WHERE am.account = accounts.id AND am.detached_at IS NULL),
  tier_used_wh = (SELECT COALESCE(SUM(m.tier_used_wh), 0) FROM account_meters am
    JOIN meters m ON m.id = am.meter WHERE am.account = accounts.id AND am.detached_at IS NULL
    AND m.tier_period_start = (SELECT MAX(m2.tier_period_start) FROM account_meters am2
      JOIN meters m2 ON m2.id = am2.meter
      WHERE am2.account = accounts.id AND am2.detached_at IS NULL))
  WHERE closed_at IS NULL;
ALTER TABLE meters DROP COLUMN tier_period_start;
ALTER TABLE meters DROP COLUMN tier_used_wh;
)sql";

// v9: debits. A refund or a reversal of money a meter holds (meter-side billing) is a 'debit'
// command, booked in the ledger only when the meter confirms it: the row carries the account,
// the operator who asked and, for a reversal, the sale (ref_seq); ledger_seq is set at the
// confirmation. purchase_count holds the count assigned to the command, a credit's
// purchase_count or a debit's debit_count. Rebuilt because SQLite cannot change a CHECK in
// place; ids, states and counts are copied unchanged.
constexpr std::string_view kV9 = R"sql(
CREATE TABLE outbox_v9 (
  id INTEGER PRIMARY KEY,
  meter TEXT REFERENCES meters(id),
  bus TEXT NOT NULL,
  box INTEGER NOT NULL CHECK (box BETWEEN 1 AND 247),
  circuit INTEGER NOT NULL CHECK (circuit BETWEEN 0 AND 64),
  kind TEXT NOT NULL CHECK (kind IN ('credit', 'price', 'thresholds', 'mode', 'tou_schedule',
    'clock', 'debit')),
  priority INTEGER NOT NULL,
  amount_fen INTEGER NOT NULL DEFAULT 0,
  payload TEXT NOT NULL,
  ledger_seq INTEGER REFERENCES ledger(seq),
  purchase_count INTEGER CHECK (purchase_count BETWEEN 0 AND 65535),
  state TEXT NOT NULL
    CHECK (state IN ('pending', 'in_flight', 'confirmed', 'failed', 'superseded')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  next_attempt_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  account TEXT REFERENCES accounts(id),
  operator TEXT,
  ref_seq INTEGER REFERENCES ledger(seq),
  CHECK ((circuit = 0) = (meter IS NULL)),
  CHECK (kind NOT IN ('credit', 'debit') OR amount_fen > 0),
  CHECK ((kind = 'debit') = (account IS NOT NULL AND operator IS NOT NULL)),
  CHECK (kind = 'debit' OR ref_seq IS NULL)
) STRICT;
INSERT INTO outbox_v9 (id, meter, bus, box, circuit, kind, priority, amount_fen, payload,
  ledger_seq, purchase_count, state, attempts, last_error, next_attempt_at, created_at,
  updated_at)
SELECT id, meter, bus, box, circuit, kind, priority, amount_fen, payload, ledger_seq,
  purchase_count, state, attempts, last_error, next_attempt_at, created_at, updated_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v9 RENAME TO outbox;
CREATE INDEX outbox_open_by_bus ON outbox (bus, state, priority, id);
CREATE INDEX outbox_by_meter ON outbox (meter, id);
CREATE INDEX outbox_by_target ON outbox (bus, box, circuit, kind, state);
CREATE INDEX outbox_debits_by_account ON outbox (account, id) WHERE kind = 'debit';
)sql";

// v10: the bus runtime's memory survives a restart (issue 12.10), and the status rule's
// cross-check (issue 12.6):
// - outbox.tries: failed tries of a command, pre-write reads included (`attempts` counts writes
//   only); its retry backoff grows with them;
// - box_supervision: per box, the command backoff of a box that does not answer (`silent_runs`
//   in a row, commands held until `hold_until`), and what supervision already raised, so a
//   restart raises nothing twice: the clock drift, the circuits whose relay mismatch was
//   reported ("1,3"), and the mode each circuit's last confirmed command set ("1:forced_off");
// - meters.status_bits_mismatch: the last disagreement ("DERIVED/DEVICE") between the status
//   the system derived and the meter's own status bits, reported once while it lasts.
constexpr std::string_view kV10 = R"sql(
ALTER TABLE outbox ADD COLUMN tries INTEGER NOT NULL DEFAULT 0 CHECK (tries >= 0);
CREATE TABLE box_supervision (
  bus TEXT NOT NULL,
  address INTEGER NOT NULL CHECK (address BETWEEN 1 AND 247),
  silent_runs INTEGER NOT NULL DEFAULT 0 CHECK (silent_runs >= 0),
  hold_until INTEGER,
  clock_drifting INTEGER NOT NULL DEFAULT 0 CHECK (clock_drifting IN (0, 1)),
  relay_mismatch TEXT NOT NULL DEFAULT '',
  commanded TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (bus, address)
) STRICT;
ALTER TABLE meters ADD COLUMN status_bits_mismatch TEXT;
)sql";

// v11: closing an account is a process (issue 12.2, phil/domain/closing.hpp): the relay forced
// off, a final reading, the debit of what the meter holds, each confirmed, then the settlement.
// - closings: one row per account closing (the operator who asked; finished_at and the money
//   figures when every meter is done);
// - closing_meters: each meter's step, the command or read request of that step, and why it is
//   blocked (an operator resumes it by closing the account again);
// - the ledger's kinds gain settle_debit and settle_credit (the ledger settled to what a
//   meter-side meter holds). Rebuilt because SQLite cannot change a CHECK in place; every row
//   is copied unchanged, and the indexes and the append-only triggers are made again.
constexpr std::string_view kV11 = R"sql(
CREATE TABLE ledger_v11 (
  seq INTEGER PRIMARY KEY,
  account TEXT NOT NULL REFERENCES accounts(id),
  kind TEXT NOT NULL
    CHECK (kind IN ('sale', 'charge', 'refund', 'reversal', 'transfer_in', 'transfer_out',
      'settle_debit', 'settle_credit')),
  meter TEXT REFERENCES meters(id),
  amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
  energy_wh INTEGER NOT NULL DEFAULT 0,
  carry INTEGER NOT NULL DEFAULT 0,
  balance_after_fen INTEGER NOT NULL,
  operator TEXT NOT NULL,
  at INTEGER NOT NULL,
  ref_seq INTEGER REFERENCES ledger(seq)
) STRICT;
INSERT INTO ledger_v11 (seq, account, kind, meter, amount_fen, energy_wh, carry,
  balance_after_fen, operator, at, ref_seq)
SELECT seq, account, kind, meter, amount_fen, energy_wh, carry, balance_after_fen, operator, at,
  ref_seq FROM ledger ORDER BY seq;
DROP TABLE ledger;
ALTER TABLE ledger_v11 RENAME TO ledger;
CREATE INDEX ledger_by_account ON ledger (account, seq) WHERE kind <> 'charge';
CREATE UNIQUE INDEX one_reversal_per_sale ON ledger (ref_seq) WHERE kind = 'reversal';
CREATE UNIQUE INDEX one_transfer_in_per_out ON ledger (ref_seq) WHERE kind = 'transfer_in';
CREATE TRIGGER ledger_append_only_update BEFORE UPDATE ON ledger
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_append_only_delete BEFORE DELETE ON ledger
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TABLE closings (
  account TEXT PRIMARY KEY REFERENCES accounts(id),
  operator TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  refunded_fen INTEGER CHECK (refunded_fen >= 0),
  settled_fen INTEGER,
  owed_fen INTEGER CHECK (owed_fen >= 0),
  CHECK ((finished_at IS NULL) = (refunded_fen IS NULL))
) STRICT;
CREATE INDEX closings_open ON closings (account) WHERE finished_at IS NULL;
CREATE TABLE closing_meters (
  account TEXT NOT NULL REFERENCES closings(account),
  meter TEXT NOT NULL REFERENCES meters(id),
  position INTEGER NOT NULL,
  step TEXT NOT NULL CHECK (step IN ('relay', 'reading', 'debit', 'done')),
  relay_command INTEGER REFERENCES outbox(id),
  read_request INTEGER REFERENCES read_requests(id),
  read_after INTEGER,
  debit_command INTEGER REFERENCES outbox(id),
  blocked TEXT,
  PRIMARY KEY (account, meter)
) STRICT;
)sql";

// v12: settings = the stored ones (issue 12.5). What a meter's thresholds registers hold, as
// the last read-back of a thresholds command confirmed it (onmeter_*; NULL: not known), and
// whether the meter's first-contact check is still due (its next answered poll compares the
// stored thresholds with these and queues a download if needed). Every meter starts due, so
// an upgraded site downloads its stored thresholds once; a detected swap makes it due again.
constexpr std::string_view kV12 = R"sql(
ALTER TABLE meters ADD COLUMN onmeter_alarm1_fen INTEGER;
ALTER TABLE meters ADD COLUMN onmeter_alarm2_fen INTEGER;
ALTER TABLE meters ADD COLUMN onmeter_overload_w INTEGER;
ALTER TABLE meters ADD COLUMN onmeter_thresholds_at INTEGER;
ALTER TABLE meters ADD COLUMN thresholds_check_due INTEGER NOT NULL DEFAULT 1
  CHECK (thresholds_check_due IN (0, 1));
)sql";

// v13: converting an account to host-side (issue 12.3, phil/domain/conversion.hpp): one row per
// meter whose register is to be emptied after the ledger took its money at the switch.
// - settled_fen: the switch's settlement (+ the ledger gained, - it lost) against the meter;
// - read_after: a reading after this instant (ms) decides the next debit;
// - debit_command: the debit in the outbox; failed_debits counts those that failed;
// - finished_at with outcome: 'emptied' (emptied_fen taken off), 'cancelled' or 'blocked'
//   (with why).
constexpr std::string_view kV13 = R"sql(
CREATE TABLE conversions (
  id INTEGER PRIMARY KEY,
  meter TEXT NOT NULL REFERENCES meters(id),
  account TEXT NOT NULL REFERENCES accounts(id),
  reason TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  settled_fen INTEGER NOT NULL,
  read_after INTEGER NOT NULL,
  debit_command INTEGER REFERENCES outbox(id),
  failed_debits INTEGER NOT NULL DEFAULT 0 CHECK (failed_debits >= 0),
  finished_at INTEGER,
  outcome TEXT CHECK (outcome IN ('emptied', 'cancelled', 'blocked')),
  emptied_fen INTEGER,
  why TEXT,
  CHECK ((finished_at IS NULL) = (outcome IS NULL))
) STRICT;
CREATE UNIQUE INDEX conversions_open ON conversions (meter) WHERE finished_at IS NULL;
)sql";

// v14: box identity and the on-site meter swap (issue 12.8).
// - meters.swap_detected_at / swap_old_balance_fen: a swap detected on site (serial changed,
//   counters went back) leaves "action required" on the meter with the balance the old device
//   held at its last reading; `meter replace --in-place` completes it (NULL again).
// - box_identity: what each box last reported of itself (model code, circuits), whether a
//   read is due (its first contact, and after a detected swap), and a mismatch with the site
//   file, which stops billing the box until an operator confirms what it reported.
constexpr std::string_view kV14 = R"sql(
ALTER TABLE meters ADD COLUMN swap_detected_at INTEGER;
ALTER TABLE meters ADD COLUMN swap_old_balance_fen INTEGER;
CREATE TABLE box_identity (
  bus TEXT NOT NULL,
  address INTEGER NOT NULL,
  check_due INTEGER NOT NULL DEFAULT 1 CHECK (check_due IN (0, 1)),
  model_code INTEGER,
  circuits INTEGER,
  read_at INTEGER,
  mismatch TEXT,
  mismatch_at INTEGER,
  confirmed_code INTEGER,
  confirmed_circuits INTEGER,
  confirmed_by TEXT,
  confirmed_at INTEGER,
  CHECK ((mismatch IS NULL) = (mismatch_at IS NULL)),
  PRIMARY KEY (bus, address)
) STRICT;
)sql";

// v15: the way back of a conversion (host-side to meter-side, phil/domain/conversion.hpp). The
// table is rebuilt (SQLite cannot change a CHECK in place) with
// - direction: 'host_side' (the register emptied, v13's rows) or 'meter_side' (the ledger's
//   money put onto the meter; debit_command is then its credit or debit, failed_debits unused);
// - commands: the commands queued so far; moved_fen: what they moved onto the meter (+) or off
//   it (-), confirmed;
// - outcome 'filled': the meter holds the account's money and is billed meter-side.
constexpr std::string_view kV15 = R"sql(
CREATE TABLE conversions_v15 (
  id INTEGER PRIMARY KEY,
  meter TEXT NOT NULL REFERENCES meters(id),
  account TEXT NOT NULL REFERENCES accounts(id),
  direction TEXT NOT NULL DEFAULT 'host_side' CHECK (direction IN ('host_side', 'meter_side')),
  reason TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  settled_fen INTEGER NOT NULL,
  read_after INTEGER NOT NULL,
  debit_command INTEGER REFERENCES outbox(id),
  failed_debits INTEGER NOT NULL DEFAULT 0 CHECK (failed_debits >= 0),
  commands INTEGER NOT NULL DEFAULT 0 CHECK (commands >= 0),
  moved_fen INTEGER NOT NULL DEFAULT 0,
  finished_at INTEGER,
  outcome TEXT CHECK (outcome IN ('emptied', 'filled', 'cancelled', 'blocked')),
  emptied_fen INTEGER,
  why TEXT,
  CHECK ((finished_at IS NULL) = (outcome IS NULL))
) STRICT;
INSERT INTO conversions_v15 (id, meter, account, reason, started_at, settled_fen, read_after,
  debit_command, failed_debits, finished_at, outcome, emptied_fen, why)
  SELECT id, meter, account, reason, started_at, settled_fen, read_after, debit_command,
  failed_debits, finished_at, outcome, emptied_fen, why FROM conversions;
DROP TABLE conversions;
ALTER TABLE conversions_v15 RENAME TO conversions;
CREATE UNIQUE INDEX conversions_open ON conversions (meter) WHERE finished_at IS NULL;
)sql";

// v16: operators (issue 13 item 1): who may log in, their role, their password's argon2id hash
// (libsodium's crypto_pwhash_str form) and login state. Disabled, never deleted.
constexpr std::string_view kV16 = R"sql(
CREATE TABLE operators (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'cashier', 'engineer', 'auditor')),
  password_hash TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
  locked_until INTEGER,
  disabled_at INTEGER,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL
) STRICT;
CREATE TRIGGER operators_never_deleted BEFORE DELETE ON operators
BEGIN SELECT RAISE(ABORT, 'operators are disabled, never deleted'); END;
)sql";

// v17: the system log (issue 13 item 4). The audit table becomes a hash chain
// (phil/store/system_log.hpp): rows gain a target, an outcome, the digest of the ledger entries
// that refer to them and their hash; details become JSON (a row from before keeps its text as
// {"text": ...}). Every ledger entry refers to one row (audit_id; no REFERENCES clause: the
// foreign key check would cost every charge of a poll cycle a look-up, and `ledger verify`
// checks the link anyway). The entries from before the chain refer to the migration's own
// "audit_chain_start" row, so its digest covers them. The store seals the rows (hashes them)
// right after this SQL runs, in the same transaction; from then on a sealed row is never updated
// and no row is deleted.
constexpr std::string_view kV17 = R"sql(
ALTER TABLE audit ADD COLUMN target TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN outcome TEXT NOT NULL DEFAULT 'ok';
ALTER TABLE audit ADD COLUMN ledger_digest TEXT;
ALTER TABLE audit ADD COLUMN hash TEXT;
UPDATE audit SET details = json_object('text', details);
ALTER TABLE ledger ADD COLUMN audit_id INTEGER;
INSERT INTO audit (id, operator, action, target, outcome, details, at)
SELECT COALESCE(max(id), 0) + 1, 'system', 'audit_chain_start', '', 'ok',
  json_object('ledger_entries', (SELECT count(*) FROM ledger),
              'ledger_last_seq', (SELECT COALESCE(max(seq), 0) FROM ledger), 'schema', 17),
  CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
FROM audit;
DROP TRIGGER ledger_append_only_update;
UPDATE ledger SET audit_id = (SELECT max(id) FROM audit);
CREATE TRIGGER ledger_append_only_update BEFORE UPDATE ON ledger
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE INDEX audit_unsealed ON audit (id) WHERE hash IS NULL;
CREATE INDEX audit_by_at ON audit (at);
CREATE TRIGGER audit_sealed_never_updated BEFORE UPDATE ON audit WHEN OLD.hash IS NOT NULL
  BEGIN SELECT RAISE(ABORT, 'the system log is append-only'); END;
CREATE TRIGGER audit_never_deleted BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the system log is append-only'); END;
)sql";

// v18: sessions (issue 13 item 3): a login's session, kept as the SHA-256 of its token (the
// token itself is only in the operator's 0600 file). Ends at expires_at, after
// domain::kSessionIdle without use, or when revoked.
constexpr std::string_view kV18 = R"sql(
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  operator TEXT NOT NULL REFERENCES operators(id),
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
) STRICT;
CREATE INDEX sessions_of_operator ON sessions (operator) WHERE revoked_at IS NULL;
)sql";

// v19: the reports' daily per-meter roll-ups (issue 14 item 5; phil/store/reports.hpp), written
// off the poll path and rebuildable from the readings and the ledger:
// - meter_days: per local day of the site and meter, the energy by TOU rate and in all, and the
//   charges booked that day; keyed by day first (a report reads a range of days);
// - rollup_marks: each meter's last reading rolled up (the start of its next interval);
// - rollup_state: how far the passes went (readings up to `readings_to`, charges up to
//   `charge_seq`) and the local time the days are in;
// - ledger_money_by_at: the counter's money by time, so a sales report reads no charge.
constexpr std::string_view kV19 = R"sql(
CREATE TABLE meter_days (
  day TEXT NOT NULL,
  meter TEXT NOT NULL,
  sharp_wh INTEGER NOT NULL DEFAULT 0,
  peak_wh INTEGER NOT NULL DEFAULT 0,
  flat_wh INTEGER NOT NULL DEFAULT 0,
  valley_wh INTEGER NOT NULL DEFAULT 0,
  energy_wh INTEGER NOT NULL DEFAULT 0,
  charge_fen INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, meter),
  CHECK (energy_wh = sharp_wh + peak_wh + flat_wh + valley_wh)
) STRICT, WITHOUT ROWID;
CREATE TABLE rollup_marks (
  meter TEXT PRIMARY KEY,
  read_at INTEGER NOT NULL,
  energy_wh INTEGER NOT NULL
) STRICT;
CREATE TABLE rollup_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  utc_offset_min INTEGER,
  readings_to INTEGER NOT NULL DEFAULT 0,
  charge_seq INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO rollup_state (id) VALUES (1);
CREATE INDEX ledger_money_by_at ON ledger (at) WHERE kind IN ('sale', 'refund', 'reversal');
)sql";

// v20: alarms (issue 14 item 3): one row per occurrence of a condition (domain/alarms.hpp), its
// target as structured columns (a meter: bus, box, circuit; a box: bus, box; a bus: bus; an
// account: account), raised_at and cleared_at (NULL while active), details as a JSON object, and
// who acknowledged it. At most one open row per kind and target (alarms_one_open).
constexpr std::string_view kV20 = R"sql(
CREATE TABLE alarms (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  bus TEXT NOT NULL DEFAULT '',
  box INTEGER,
  circuit INTEGER,
  account TEXT NOT NULL DEFAULT '',
  raised_at INTEGER NOT NULL,
  cleared_at INTEGER,
  details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
  acknowledged_by TEXT,
  acknowledged_at INTEGER,
  CHECK (cleared_at IS NULL OR cleared_at >= raised_at),
  CHECK ((acknowledged_by IS NULL) = (acknowledged_at IS NULL))
) STRICT;
CREATE UNIQUE INDEX alarms_one_open
  ON alarms (kind, bus, COALESCE(box, -1), COALESCE(circuit, -1), account)
  WHERE cleared_at IS NULL;
CREATE INDEX alarms_open ON alarms (bus) WHERE cleared_at IS NULL;
CREATE INDEX alarms_by_raised ON alarms (raised_at);
)sql";

// v21: a reading committed at or before the roll-ups' watermark (a slow bus's cycle commits
// readings older than what another bus committed and a pass already saw) moves the watermark
// back, so the next pass reads it. The readings are clustered by time, not by commit, so this
// is how a pass finds late rows without a window; each meter's mark (rollup_marks) keeps the
// rows seen again from counting twice. One look at a one-row table per inserted reading.
constexpr std::string_view kV21 = R"sql(
CREATE TRIGGER readings_reopen_rollup AFTER INSERT ON readings
  WHEN NEW.at <= (SELECT readings_to FROM rollup_state WHERE id = 1)
BEGIN
  UPDATE rollup_state SET readings_to = NEW.at - 1 WHERE id = 1;
END;
)sql";

// v22: batch commands (issue 14 item 2): one row per batch (its kind, payload, how its meters were
// chosen, who sent it) and one per member: the outbox command queued for it, or why the counter
// refused it (exactly one of the two). A member's progress is its command's state.
constexpr std::string_view kV22 = R"sql(
CREATE TABLE command_batches (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  selection TEXT NOT NULL,
  operator TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE command_batch_members (
  batch INTEGER NOT NULL REFERENCES command_batches (id),
  position INTEGER NOT NULL,
  meter TEXT NOT NULL,
  command INTEGER REFERENCES outbox (id),
  refusal TEXT,
  PRIMARY KEY (batch, position),
  UNIQUE (batch, meter),
  CHECK ((command IS NULL) <> (refusal IS NULL))
) STRICT, WITHOUT ROWID;
)sql";

// v23: the notification outbox (issue 14 item 4). Every alarm raised or cleared leaves an event
// in the same transaction (triggers: no writer of alarms can forget it); the notifier consumes
// each event in the transaction that writes its notices, one per alarm, phase, audience and
// phone, so an occurrence is told exactly once whatever restarts; each notice is then pending
// until sent, skipped or expired.
constexpr std::string_view kV23 = R"sql(
CREATE TABLE notice_events (
  id INTEGER PRIMARY KEY,
  alarm INTEGER NOT NULL REFERENCES alarms (id),
  phase TEXT NOT NULL CHECK (phase IN ('raised', 'cleared')),
  at INTEGER NOT NULL,
  UNIQUE (alarm, phase)
) STRICT;
CREATE TRIGGER alarms_notice_raised AFTER INSERT ON alarms
BEGIN
  INSERT OR IGNORE INTO notice_events (alarm, phase, at) VALUES (NEW.id, 'raised', NEW.raised_at);
END;
CREATE TRIGGER alarms_notice_cleared AFTER UPDATE OF cleared_at ON alarms
  WHEN OLD.cleared_at IS NULL AND NEW.cleared_at IS NOT NULL
BEGIN
  INSERT OR IGNORE INTO notice_events (alarm, phase, at)
    VALUES (NEW.id, 'cleared', NEW.cleared_at);
END;
CREATE TABLE notices (
  id INTEGER PRIMARY KEY,
  alarm INTEGER NOT NULL REFERENCES alarms (id),
  phase TEXT NOT NULL CHECK (phase IN ('raised', 'cleared')),
  audience TEXT NOT NULL CHECK (audience IN ('tenant', 'office')),
  kind TEXT NOT NULL CHECK (kind IN ('alarm1', 'alarm2', 'arrears', 'restore', 'office')),
  account TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL,
  language TEXT NOT NULL,
  text TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'skipped', 'expired')),
  reason TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  tries INTEGER NOT NULL DEFAULT 0 CHECK (tries >= 0),
  last_error TEXT NOT NULL DEFAULT '',
  sent_at INTEGER,
  UNIQUE (alarm, phase, audience, phone),
  CHECK ((state = 'sent') = (sent_at IS NOT NULL))
) STRICT;
CREATE INDEX notices_due ON notices (due_at) WHERE state = 'pending';
CREATE INDEX notices_sent_by_phone ON notices (phone, sent_at) WHERE state = 'sent';
CREATE INDEX notices_by_account ON notices (account, kind);
)sql";

// v24: when each meter's state was last read (issue 14 item 7). A full reading and a status scan
// between readings both set it; read_at stays the last full reading's time (its counters).
constexpr std::string_view kV24 = R"sql(
ALTER TABLE meters ADD COLUMN state_at INTEGER;
UPDATE meters SET state_at = read_at;
)sql";

// v25: a plain energy meter (its profile's kind energy_only) is marked, so that what queues
// commands without the site file at hand (a tariff or settings change, a batch, a hand command)
// leaves it alone: it is read for energy reports only, never billed nor commanded (issue 14
// item 6). Written by register_site and the site import from the device profiles.
constexpr std::string_view kV25 = R"sql(
ALTER TABLE meters ADD COLUMN metering_only INTEGER NOT NULL DEFAULT 0
  CHECK (metering_only IN (0, 1));
)sql";

// v26: tenants' own access (issue 15 item 4): the password a tenant logs in with to the tenant
// page, set at the counter, and their sessions (only the SHA-256 of a token), apart from the
// operators'.
constexpr std::string_view kV26 = R"sql(
CREATE TABLE tenant_credentials (
  account TEXT PRIMARY KEY REFERENCES accounts(id),
  password_hash TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
  locked_until INTEGER,
  set_at INTEGER NOT NULL,
  set_by TEXT NOT NULL
);
CREATE TABLE tenant_sessions (
  token_hash TEXT PRIMARY KEY,
  account TEXT NOT NULL REFERENCES accounts(id),
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX tenant_sessions_of_account ON tenant_sessions (account) WHERE revoked_at IS NULL;
)sql";

}  // namespace

const std::vector<std::string_view>& migrations() {
  static const std::vector<std::string_view> kAll{
      kV1,  kV2,  kV3,  kV4,  kV5,  kV6,  kV7,  kV8,  kV9,  kV10, kV11, kV12, kV13,
      kV14, kV15, kV16, kV17, kV18, kV19, kV20, kV21, kV22, kV23, kV24, kV25, kV26};
  return kAll;
}

}  // namespace phil::store::schema
