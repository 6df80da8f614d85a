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

}  // namespace

const std::vector<std::string_view>& migrations() {
  static const std::vector<std::string_view> kAll{kV1, kV2, kV3, kV4};
  return kAll;
}

}  // namespace phil::store::schema
