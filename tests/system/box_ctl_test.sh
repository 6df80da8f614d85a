#!/usr/bin/env bash
# prepaidctl's box identity and on-site swap verbs (issue 12.8): `box confirm BUS/BOX` lifts a
# box identity mismatch (billing stopped) with an audit row; `meter replace METER --in-place`
# completes a swap detected on site, the old device's last balance credited onto the new one
# once. `meter show` (and --json) shows both states. Bad input (exit 2) and refusals (exit 1:
# an unknown box, nothing to confirm, nothing to complete) write nothing. What the daemon would
# have found is written with the sqlite3 shell.
# Usage: box_ctl_test.sh PREPAIDCTL PROFILES_DIR SQLITE3
set -euo pipefail
ctl=$1 profiles=$2 sqlite=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
source "$(dirname "$0")/../support/ctl_lib.sh"
cat > site.yaml <<'YAML'
name: box-ctl-test
price: "0.6000"
buses:
  - {id: bus1, port: ./no-such-port, boxes: [{address: 1, model: adf300l-i, profile: adf300l}]}
YAML
site() { ctl_as "$ctl" --db site.db --config site.yaml --profiles "$profiles" "$@"; }
view() { ctl_as "$ctl" --db site.db --profiles "$profiles" "$@"; }
has() { grep -qF -- "$1" "$2" || { cat "$2" >&2; fail "$3"; }; }
hasnt() { ! grep -qF -- "$1" "$2" || { cat "$2" >&2; fail "$3"; }; }
rows() {
  "$sqlite" site.db "SELECT (SELECT count(*) FROM ledger) || '/' || (SELECT count(*) FROM outbox)
    || '/' || (SELECT count(*) FROM audit) || '/' || (SELECT count(*) FROM events)"
}
# unchanged RC CMD...: CMD exits RC and writes no ledger, outbox, audit or event row.
unchanged() {
  local rc=$1 before
  shift
  before=$(rows)
  expect_rc "$rc" "$@"
  [[ $(rows) == "$before" ]] || fail "$* wrote rows ($before -> $(rows))"
}
ctl_operators "$ctl" site.db
expect_rc 0 site account open --id A401 --tenant Li --meter bus1/1/1 --sale 20.00

# ---- box confirm ----
for bad in bus1 bus1/0 bus1/248 bus1/x bus1/1/1 /1; do
  unchanged 2 site box confirm "$bad"
  has "is not a box id; write bus/box" err.txt "bad box id $bad not explained"
done
unchanged 1 site box confirm bus9/4
has "box bus9/4 is not configured at this site" err.txt "unknown box not explained"
unchanged 1 site box confirm bus1/1
has "nothing to confirm" err.txt "a box without a mismatch: not explained"

# The daemon found box 1 to be another model: billing stopped, shown by meter show.
"$sqlite" site.db "INSERT INTO box_identity (bus, address, check_due, model_code, circuits,
  read_at, mismatch, mismatch_at) VALUES ('bus1', 1, 0, 3, 36, 1772294400000,
  'the box reports model code 3 and 36 circuits; the site file says adf300l-i (model code 1)',
  1772294400000)"
expect_rc 0 view meter show bus1/1/1
has "box         box bus1/1 is not the box the site file expects" out.txt "mismatch not shown"
has "BILLING STOPPED" out.txt "stopped billing not shown"
has "prepaidctl box confirm bus1/1" out.txt "the confirm command not shown"
expect_rc 0 view --json meter show bus1/1/1
has '"billing_stopped": true' out.txt "--json: billing_stopped not true"
has '"model_code": 3' out.txt "--json: the reported model code missing"

expect_rc 0 site box confirm bus1/1
has "box bus1/1 confirmed as it reports itself (model code 3, 36 circuits)" out.txt \
  "confirmation not reported"
[[ $("$sqlite" site.db "SELECT operator || ':' || target || ':' || details FROM audit WHERE action = 'confirm_box'") \
  == 'qa-engineer:bus1/1:{"circuits":36,"mismatch":'*'"model_code":3}' ]] ||
  fail "no audit row by qa-engineer"
[[ $("$sqlite" site.db "SELECT count(*) FROM events WHERE kind = 'box_identity_confirmed'") \
  == 1 ]] || fail "no box_identity_confirmed event"
expect_rc 0 view meter show bus1/1/1
hasnt "BILLING STOPPED" out.txt "billing still shown stopped after the confirmation"
expect_rc 0 view --json meter show bus1/1/1
has '"billing_stopped": false' out.txt "--json: billing_stopped not false after confirming"
unchanged 1 site box confirm bus1/1
has "nothing to confirm" err.txt "a second confirmation not refused"

# ---- meter replace --in-place ----
unchanged 2 site meter replace bus1/1/1
has "give the meter put in as NEW, or --in-place" err.txt "no NEW, no --in-place: not explained"
unchanged 2 site meter replace bus1/1/1 bus1/1/2 --in-place
has "--in-place completes a swap detected on one meter" err.txt "NEW with --in-place accepted"
unchanged 2 site meter replace bus1/1/1 --in-place --final-energy 12.00
unchanged 2 site meter replace bus1/x --in-place
unchanged 1 site meter replace bus1/1/1 --in-place
has "no on-site swap was detected on meter bus1/1/1: nothing to complete" err.txt \
  "nothing to complete: not explained"
unchanged 1 site meter replace bus1/1/9 --in-place
has "no on-site swap was detected on meter bus1/1/9" err.txt "a meter without a swap accepted"

# The daemon detected a new device on bus1/1/1; the old one held 18.80 at its last reading.
"$sqlite" site.db "UPDATE meters SET swap_detected_at = 1772294400000,
  swap_old_balance_fen = 1880 WHERE id = 'bus1/1/1'"
expect_rc 0 view meter show bus1/1/1
has "action      ACTION REQUIRED: a new device was found on site" out.txt "action not shown"
has "the old device's last balance 18.80 yuan is to be credited onto it" out.txt \
  "the balance to move not shown"
has "prepaidctl meter replace bus1/1/1 --in-place" out.txt "the command to type not shown"
expect_rc 0 view --json meter show bus1/1/1
has '"kind": "swap_in_place"' out.txt "--json: action_required missing"
has '"old_balance_fen": 1880' out.txt "--json: old balance missing"

before=$("$sqlite" site.db "SELECT balance_fen FROM accounts WHERE id = 'A401'")
expect_rc 0 site meter replace bus1/1/1 --in-place
has "18.80 yuan credited to the new device" out.txt "completion not reported"
[[ $("$sqlite" site.db "SELECT balance_fen FROM accounts WHERE id = 'A401'") == "$before" ]] ||
  fail "the account's balance moved: money was created or lost"
[[ $("$sqlite" site.db "SELECT count(*) FROM outbox WHERE kind = 'credit' AND amount_fen = 1880
  AND meter = 'bus1/1/1' AND state = 'pending'") == 1 ]] || fail "no credit of 18.80 queued"
[[ $("$sqlite" site.db "SELECT operator FROM audit WHERE action = 'replace_meter_in_place'") \
  == qa-engineer ]] || fail "no audit row by qa-engineer"
expect_rc 0 view meter show bus1/1/1
hasnt "ACTION REQUIRED" out.txt "the action still shown after completing it"
expect_rc 0 view --json meter show bus1/1/1
has '"action_required": null' out.txt "--json: action_required not null after completing it"
expect_rc 0 site ledger verify
# Exactly once.
unchanged 1 site meter replace bus1/1/1 --in-place
has "nothing to complete" err.txt "a second completion not refused"
echo "box ctl test passed"
