#!/usr/bin/env bash
# prepaidctl's system log as an auditor meets it (issue 13.4): `log` lists the rows (table,
# --json, --csv, filters), `log verify` holds on an untouched database and prints the chain's
# head, `log head` prints it alone; after an edit with sqlite3 (triggers dropped) `log verify`
# and `ledger verify` exit 1 naming what broke, and a head kept earlier catches a cut tail. A
# cashier may not read the log; bad filters are usage errors.
# Usage: ctl_log_test.sh PREPAIDCTL PROFILES_DIR
set -euo pipefail
source "$(dirname "$0")/../support/ctl_lib.sh"
ctl=$1 profiles=$2
command -v sqlite3 > /dev/null || fail "sqlite3 is missing: run script/bootstrap"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > site.yaml <<'YAML'
name: ctl-log-test
price: "0.6000"
buses:
  - {id: bus1, port: ./no-such-port, boxes: [{address: 1, model: adf300l-i, profile: adf300l}]}
YAML
site() { ctl_as "$ctl" --db site.db --config site.yaml --profiles "$profiles" "$@"; }
view() { ctl_as "$ctl" --db site.db "$@"; }
cashier() { PHIL_SESSION_FILE="$ctl_sessions_root/site.db/cashier" "$ctl" --db site.db "$@"; }
ctl_operators "$ctl" site.db

expect_rc 0 site account open --id A401 --tenant Li --meter bus1/1/1 --sale 20.00
expect_rc 0 site sale --account A401 --amount 30.00

# The rows, as a table, JSON and CSV, and filtered.
expect_rc 0 view log
grep -q "qa-cashier  sale  A401" out.txt || { cat out.txt; fail "the sale's row is not listed"; }
expect_rc 0 view --json log --action sale
[[ $(grep -o '"action":"sale"' out.txt | wc -l) == 1 ]] || { cat out.txt; fail "--action sale"; }
grep -q '"details":{"amount_fen":3000}' out.txt || { cat out.txt; fail "JSON details"; }
expect_rc 0 view log --csv --operator qa-cashier --target A401
head -1 out.txt | grep -qx "id,at,operator,action,target,outcome,details,hash" ||
  fail "CSV header"
[[ $(grep -c '"qa-cashier"' out.txt) == 2 ]] || { cat out.txt; fail "CSV rows of qa-cashier on A401"; }
expect_rc 2 view log --from yesterday
grep -q "is not a time with its offset" err.txt || fail "a bad --from not explained"
# --to ends the period (before it), --limit keeps the newest rows.
expect_rc 0 view log --to 2000-01-01T00:00:00+08:00
[[ $(cat out.txt) == "no rows" ]] || { cat out.txt; fail "--to in the past lists rows"; }
expect_rc 0 view --json log --to 2100-01-01T00:00:00+08:00 --action sale
[[ $(grep -o '"action":"sale"' out.txt | wc -l) == 1 ]] || { cat out.txt; fail "--to in the future"; }
expect_rc 0 view log --limit 1 --operator qa-cashier
[[ $(wc -l < out.txt) == 1 ]] && grep -q "qa-cashier  sale  A401" out.txt ||
  { cat out.txt; fail "--limit 1 is not the newest row"; }
expect_rc 2 view log --limit 0
expect_rc 2 view --json log --csv

# A cashier may not read it; the refusal names who may, and is itself a row.
expect_rc 1 cashier log
grep -q "that needs the role" err.txt || { cat err.txt; fail "log refusal for a cashier"; }
[[ $(sqlite3 site.db "SELECT operator || ' ' || action || ' ' || outcome FROM audit ORDER BY id DESC LIMIT 1") \
  == "qa-cashier denied denied" ]] || fail "the refusal is not logged"

# Untouched: verify holds and prints the head; head prints the same.
expect_rc 0 view log verify
grep -q "system log OK" out.txt || fail "log verify on an untouched database"
expect_rc 0 view log head
head=$(cat out.txt)
[[ $head =~ ^[0-9]+:[0-9a-f]{64}$ ]] || fail "log head printed \"$head\""
expect_rc 0 view log verify --expect-head "$head"
expect_rc 2 view log verify --expect-head "12:nothex"
expect_rc 0 site ledger verify

# An attacker with sqlite3: the sale's amount changed and every balance fixed.
sqlite3 site.db "DROP TRIGGER ledger_append_only_update; DROP TRIGGER ledger_append_only_delete;
  DROP TRIGGER audit_sealed_never_updated;
  DROP TRIGGER audit_never_deleted;
  UPDATE ledger SET amount_fen = 300000, balance_after_fen = balance_after_fen + 297000
    WHERE kind = 'sale' AND amount_fen = 3000;
  UPDATE accounts SET balance_fen = balance_fen + 297000 WHERE id = 'A401';"
expect_rc 1 view log verify
grep -q "PROBLEM: the ledger entries of system log row [0-9]* (sale A401) differ" out.txt ||
  { cat out.txt; fail "an edited amount is not found"; }
expect_rc 1 site ledger verify
grep -q "differ from what it recorded" out.txt || { cat out.txt; fail "ledger verify misses it"; }

# The tail cut off (the last row and its entry deleted): the chain left holds, the kept head
# does not.
sqlite3 site.db "DELETE FROM ledger WHERE kind = 'sale' AND amount_fen = 300000;
  UPDATE accounts SET balance_fen = 2000 WHERE id = 'A401';
  DELETE FROM audit WHERE id >= (SELECT id FROM audit WHERE action = 'sale' ORDER BY id DESC LIMIT 1);"
expect_rc 0 view log verify
expect_rc 1 view --json log verify --expect-head "$head"
grep -q '"ok":false' out.txt && grep -q "is not in the chain now" out.txt ||
  { cat out.txt; fail "a cut tail is not found by the kept head"; }
echo "ctl_log_test: OK"
