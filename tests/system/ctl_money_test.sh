#!/usr/bin/env bash
# prepaidctl's money operations as an operator runs them: refund, reversal and account close (its
# start: the steps need the daemon, live_fleet_test takes one to its end),
# their refusals (exit 1 with the reason), bad arguments (exit 2), --json, and a verifying ledger.
# Usage: ctl_money_test.sh PREPAIDCTL PROFILES_DIR
set -euo pipefail
source "$(dirname "$0")/../support/ctl_lib.sh"
ctl=$1 profiles=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > site.yaml <<'YAML'
name: ctl-money-test
price: "0.6000"
buses:
  - {id: bus1, port: ./no-such-port, boxes: [{address: 1, model: adf300l-i, profile: adf300l}]}
YAML
fail() { echo "FAIL: $*" >&2; exit 1; }
site() { ctl_as "$ctl" --db site.db --config site.yaml --profiles "$profiles" "$@"; }
offline() { ctl_as "$ctl" --db site.db "$@"; }  # no site file needed
ctl_operators "$ctl" site.db  # only init creates a database
expect_rc() {
  local want=$1; shift
  local rc=0
  "$@" > out.txt 2> err.txt || rc=$?
  [[ $rc == "$want" ]] || { cat out.txt err.txt >&2; fail "$* exited $rc, expected $want"; }
}

expect_rc 0 site account open --id A401 --tenant Li --meter bus1/1/1 --sale 20.00
# The first sale (ledger entry 1) is still pending: refund and close wait for it.
expect_rc 1 offline refund --account A401 --amount 5.00
grep -q "not yet delivered" err.txt || fail "refund during delivery not explained"
expect_rc 1 offline account close --id A401
grep -q "not delivered yet" err.txt || fail "close during delivery not explained"
# A wrong sale not yet delivered is reversed and its credit cancelled.
expect_rc 0 offline --json reversal --sale 1
grep -q '"ok":true' out.txt || fail "reversal --json"
expect_rc 1 offline reversal --sale 1
grep -q "already reversed" err.txt || fail "second reversal not explained"
expect_rc 1 offline reversal --sale 99
grep -q "ledger entry 99 does not exist" err.txt || fail "unknown sale not explained"
expect_rc 1 offline reversal --sale 2
grep -q "ledger entry 2 is a reversal, not a sale" err.txt || fail "reversal of a reversal: $(cat err.txt)"
expect_rc 2 offline refund --account A401 --amount 1.001
expect_rc 1 offline refund --account A401 --amount 1.00
grep -q "0 fen left" err.txt || fail "refund above the balance not explained"
# Closing starts on the meter (forced off, final reading, debit: the daemon's bus worker takes
# the steps); meanwhile the account takes no money and the meter stays its own.
expect_rc 0 offline account close --id A401
grep -q "closing of account A401 started on 1 meter(s)" out.txt || { cat out.txt; fail "close output"; }
expect_rc 0 offline account show --id A401
grep -q "^CLOSING " out.txt || { cat out.txt; fail "closing not shown"; }
grep -q "bus1/1/1  forcing the relay off (command 2)" out.txt || { cat out.txt; fail "closing step not shown"; }
expect_rc 0 offline --json account show --id A401
grep -q '"step": "relay"' out.txt || { cat out.txt; fail "closing step not in --json"; }
expect_rc 1 site sale --account A401 --amount 1.00
grep -q "is being closed" err.txt || fail "sale during the closing not explained: $(cat err.txt)"
expect_rc 1 offline account close --id A401
grep -q "no step is blocked" err.txt || fail "second close not explained: $(cat err.txt)"
expect_rc 1 site account open --id A402 --tenant Wang --meter bus1/1/1
grep -q "already belongs to open account A401" err.txt || fail "meter of a closing account: $(cat err.txt)"
expect_rc 2 offline ledger verify
grep -q "config is required" err.txt || fail "missing site file not explained"
expect_rc 0 site ledger verify
echo "ctl money test passed"
