#!/usr/bin/env bash
# prepaidctl's site and account administration as an operator runs it, without the daemon:
# site import (idempotent, errors with file:line:col; its accounts opened once, conflicts
# refused), account open with phone and room, account show, meter show/replace/move with their
# refusals (exit 1 with the reason), a dead meter replaced with a manual final reading, bad
# arguments (exit 2), --json, and a verifying ledger. A poll is stood in for by writing a
# meter's last reading with the sqlite3 shell.
# Usage: admin_ctl_test.sh PREPAIDCTL PROFILES_DIR SQLITE3
set -euo pipefail
ctl=$1 profiles=$2 sqlite=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > admin.yaml <<'YAML'
site: {name: ctl-admin-test, thresholds: {alarm1: "20.00", alarm2: "5.00"}}
buildings:
  - id: b1
    floors: [{number: 1, rooms: ["101", "102", "103", "104"]}]
comm_managers:
  - id: cm1
    address: "127.0.0.1:4001"
    buses:
      - id: bus1
        boxes:
          - address: 1
            model: adf300l-i
            floor: 1
            meters:
              - {circuit: 1, room: "101"}
              - {circuit: 2, room: "102"}
              - {circuit: 3, room: "103"}
              - {circuit: 4, room: "104", thresholds: {overload: 4400}}
              - {circuit: 5}
YAML
cat > site.yaml <<'YAML'
name: ctl-admin-test
buses:
  - {id: bus1, port: ./no-such-port, boxes: [{address: 1, model: adf300l-i, profile: adf300l}]}
YAML
source "$(dirname "$0")/../support/ctl_lib.sh"
ctl() { ctl_as "$ctl" --db site.db "$@"; }
site() { ctl_as "$ctl" --db site.db --config site.yaml --profiles "$profiles" "$@"; }
ctl_operators "$ctl" site.db  # only init creates a database; each verb's role logged in
expect_rc() {
  local want=$1; shift
  local rc=0
  "$@" > out.txt 2> err.txt || rc=$?
  [[ $rc == "$want" ]] || { cat out.txt err.txt >&2; fail "$* exited $rc, expected $want"; }
}

# Import, and again: nothing changes. A misspelt key is refused with its place.
expect_rc 0 ctl site import admin.yaml
has "14 added, 1 updated" out.txt "first import"
expect_rc 0 ctl --json site import admin.yaml
has '"added":0' out.txt "second import added something"
has '"updated":0' out.txt "second import updated something"
sed 's/model: adf300l-i/modle: adf300l-i/' admin.yaml > bad.yaml
expect_rc 2 ctl site import bad.yaml
has "bad.yaml:11:13" err.txt "error without file:line:col"
expect_rc 2 ctl site import missing.yaml
# A model the profiles do not define, or a circuit its model lacks, is refused as the site file
# and the fleet file refuse them, and nothing is written.
audit() { "$sqlite" site.db "SELECT count(*) FROM audit"; }
audit_before=$(audit)
refused_import() {  # SED_EXPR MESSAGE: admin.yaml edited by SED_EXPR is refused with MESSAGE
  sed "$1" admin.yaml > edited.yaml
  expect_rc 2 ctl site import edited.yaml
  has "$2" err.txt "import of a model edited by '$1' not refused as expected"
  [[ $(audit) == "$audit_before" ]] || fail "refused import ($1) wrote audit rows"
}
refused_import 's/model: adf300l-i/model: adf999/' \
  'box bus1/1: unknown model "adf999"; the profiles define: adf300l-i'
refused_import 's/circuit: 4,/circuit: 13,/' \
  "meter bus1/1/13: circuit 13 does not exist on model adf300l-i (circuits 1..12)"

# The site file's accounts (own database): opened with their first sales, then again nothing
# (no second first sale); a conflict with the database or a bad phone writes nothing.
cp admin.yaml accounts.yaml
cat >> accounts.yaml <<'YAML'
accounts:
  - {id: B101, tenant: Li, phone: "13800138000", room: "101", meters: [bus1/1/1, bus1/1/2],
     first_sale: "20.50"}
  - {id: B103, room: "103", meters: [bus1/1/3]}
YAML
acc() { ctl_as "$ctl" --db accounts.db --config site.yaml --profiles "$profiles" "$@"; }
ctl_operators "$ctl" accounts.db
rows() { "$sqlite" accounts.db "SELECT (SELECT count(*) FROM accounts) || '/' || (SELECT count(*)
  FROM ledger) || '/' || (SELECT count(*) FROM outbox) || '/' || (SELECT count(*) FROM audit)"; }
expect_rc 0 acc site import accounts.yaml
has "2 account(s) opened, first sales 20.50 yuan queued" out.txt "accounts not opened"
# B101 has two meters: host-side, its first sale stays in the ledger (no credit queued). The
# outbox holds bus1/1/4's thresholds (its own overload, set by the import).
[[ $(rows) == 2/1/1/* ]] || fail "first import: accounts/ledger/outbox/audit $(rows)"
before=$(rows)
expect_rc 0 acc --json site import accounts.yaml
has '"accounts_opened":0' out.txt "second import opened an account"
[[ $(rows) == "$before" ]] || fail "second import changed rows: $before -> $(rows)"
sed 's/meters: \[bus1\/1\/3\]/meters: [bus1\/1\/4]/' accounts.yaml > moved.yaml
expect_rc 1 acc site import moved.yaml
has "account B103 (moved.yaml:23:5): the file gives it meters \[bus1/1/4\]" err.txt \
  "differing meters not explained"
sed 's/"13800138000"/"call me"/' accounts.yaml > phone.yaml
expect_rc 2 acc site import phone.yaml
has "phone.yaml:21:35" err.txt "bad phone without file:line"
[[ $(rows) == "$before" ]] || fail "refused imports changed rows: $before -> $(rows)"
expect_rc 0 acc ledger verify
has "ledger OK" out.txt "ledger of the imported accounts does not verify"

# Accounts with the tenant's phone and room.
expect_rc 0 ctl account open --id A101 --tenant Li --phone 13800138000 --room 101 \
  --meter bus1/1/1 --meter bus1/1/2
expect_rc 1 ctl account open --id A102 --tenant Wang --room 999 --meter bus1/1/3
has "room 999 is not in the site model" err.txt "unknown room not explained"
expect_rc 1 ctl --json account open --id A102 --tenant Wang --phone call-me --meter bus1/1/3
has '"ok":false' out.txt "refusal in --json"
expect_rc 2 ctl account open --id A102 --tenant Wang --meter bus1/x/3
expect_rc 0 ctl account open --id A103 --tenant Zhao --meter bus1/1/3
expect_rc 0 ctl --json account show --id A101
has '"phone": "13800138000"' out.txt "phone not shown"
has '"room": "101"' out.txt "room not shown"
has '"meter": "bus1/1/2"' out.txt "second meter not shown"
expect_rc 0 ctl account show --id A101
has "13800138000" out.txt "phone in the table"
expect_rc 1 ctl account show --id A999

# Replacement needs a final reading of the old meter.
expect_rc 1 ctl meter replace bus1/1/1 bus1/1/4
has "was never read" err.txt "replacement of an unread meter not explained"
"$sqlite" site.db "UPDATE meters SET read_at = 1772294400000, energy_wh = 123456, power_w = 0,
  balance_fen = 1500, relay = 1, mode = 'prepaid', status_bits = 0, alarm1 = 0, alarm2 = 0,
  arrears = 0, purchase_count = 3, purchase_amount_fen = 0, purchase_total_fen = 1500,
  failed_cycles = 0 WHERE id = 'bus1/1/1'"
expect_rc 1 ctl meter replace bus1/1/1 bus1/1/3
has "already belongs to open account A103" err.txt "busy new meter not explained"
expect_rc 0 ctl meter replace bus1/1/1 bus1/1/4
has "final reading 123.456 kWh" out.txt "final reading not shown"
# A101 has two meters, so it is billed host-side: its money is in the ledger, none moves.
has "transferred 0.00 yuan" out.txt "transfer not shown"
expect_rc 0 ctl --json meter show bus1/1/4
has '"replaces": "bus1/1/1"' out.txt "new meter does not show what it replaced"
grep -q '"kind": "credit"' out.txt && fail "a credit was queued to a host-side meter"
has '"billing_mode": "host-side"' out.txt "new meter of a two-meter account not host-side"
has '"overload_w": 4400' out.txt "meter's own threshold not shown"
expect_rc 0 ctl meter show bus1/1/1
has "replaced by bus1/1/4" out.txt "old meter does not show its replacement"
has "status      not_opened" out.txt "old meter still opened"

# Moving a meter: not to a closing account, not an account's only meter.
expect_rc 0 ctl account open --id A105 --tenant Sun --meter bus1/1/5
expect_rc 0 ctl account close --id A105
expect_rc 1 ctl meter move bus1/1/2 --to A105
has "A105 is being closed" err.txt "move to a closing account not explained"
expect_rc 1 ctl meter move bus1/1/3 --to A101
has "only meter of account A103" err.txt "moving the only meter not explained"
expect_rc 0 ctl --json meter move bus1/1/2 --to A103
has '"from_account":"A101"' out.txt "move --json"
# A103 was meter-side: its meter's register is emptied next, which meter show says.
expect_rc 0 ctl meter show bus1/1/3
has "register    the ledger holds the money since" out.txt "meter show does not show the emptying"
has "waits for a reading off prepaid mode" out.txt "meter show does not say what the emptying waits for"
expect_rc 0 ctl --json meter show bus1/1/3
has '"direction": "host_side"' out.txt "meter show --json has no conversion direction"

# A dead meter (offline) replaced with the electrician's reading of its display: bad values are
# usage errors (2), a reading below the billed energy or with no price is refused (1); nothing is
# written until it is accepted; then the energy since the last reading is charged at --price.
"$sqlite" site.db "UPDATE meters SET read_at = 1772294400000, energy_wh = 50000, power_w = 0,
  balance_fen = 2000, relay = 1, mode = 'prepaid', status_bits = 0, alarm1 = 0, alarm2 = 0,
  arrears = 0, purchase_count = 1, purchase_amount_fen = 0, purchase_total_fen = 2000,
  billed_energy_wh = 50000, failed_cycles = 3, status = 'offline' WHERE id = 'bus1/1/3'"
replace_rows() { "$sqlite" site.db "SELECT (SELECT count(*) FROM ledger) || '/' ||
  (SELECT count(*) FROM audit) || '/' || (SELECT count(*) FROM meter_replacements)"; }
rows_before=$(replace_rows)
expect_rc 1 ctl meter replace bus1/1/3 bus1/1/1
has "did not answer its last 3 poll" err.txt "dead meter without a reading not refused"
expect_rc 2 ctl meter replace bus1/1/3 bus1/1/1 --final-energy 52.505 --price 0.6
has 'final-energy "52.505" is not an energy in kWh with at most 2 decimals' err.txt \
  "3-decimal energy not explained"
expect_rc 2 ctl meter replace bus1/1/3 bus1/1/1 --final-energy 52.50 --final-balance 1e3
has 'final-balance "1e3" is not an amount' err.txt "bad balance not explained"
expect_rc 2 ctl meter replace bus1/1/3 bus1/1/1 --final-energy 52.50 --price 0.60001
has 'price "0.60001" is not a price' err.txt "5-decimal price not explained"
expect_rc 2 ctl meter replace bus1/1/3 bus1/1/1 --final-balance 18.50
has "give its --final-energy too" err.txt "balance without energy not explained"
expect_rc 1 ctl meter replace bus1/1/3 bus1/1/1 --final-energy 49.99 --price 0.6
has "energy never goes back" err.txt "energy below the billed one not refused"
expect_rc 1 ctl --json meter replace bus1/1/3 bus1/1/1 --final-energy 52.50
has "has no stored tariff" out.txt "missing price not refused"
[[ $(replace_rows) == "$rows_before" ]] || fail "a refused manual replacement wrote something"
# A103 has two meters since the move above: host-side, so the display's balance is nobody's
# money (refused), and the replacement charges the energy and moves none.
expect_rc 1 ctl meter replace bus1/1/3 bus1/1/1 --final-energy 52.50 --final-balance 18.50 \
  --price 0.6000
[[ $(replace_rows) == "$rows_before" ]] || fail "a refused manual replacement wrote something"
expect_rc 0 ctl --json meter replace bus1/1/3 bus1/1/1 --final-energy 52.50 --price 0.6000
has '"manual":true' out.txt "--json does not say manual"
has '"charged_energy_wh":2500' out.txt "energy since the last reading not charged"
has '"charged_fen":150' out.txt "charge not at the price"
has '"transferred_fen":0' out.txt "money moved off a host-side meter"
expect_rc 0 ctl meter show bus1/1/3
has "final reading (manual, by qa-engineer) 52500 Wh" out.txt "old meter's event does not say manual"
expect_rc 0 ctl meter show bus1/1/1
has "replaces    bus1/1/3" out.txt "new meter does not show what it replaced"
expect_rc 0 site ledger verify
has "ledger OK" out.txt "ledger does not verify"
echo "admin ctl test passed"
