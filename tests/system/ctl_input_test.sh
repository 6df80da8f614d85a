#!/usr/bin/env bash
# Bad input at prepaidctl's door (issue 11): a name that is not printable UTF-8 or too long is
# refused (exit 2) naming the field and the value; rows an old database already holds with line
# breaks, escape codes or bytes that are not UTF-8 print escaped in the text views, and --json
# output stays valid JSON; a mistyped --db is not created (only init creates); views work on a
# read-only database; amounts, thresholds and TOU periods are refused naming what is wrong.
# Usage: ctl_input_test.sh PREPAIDCTL PROFILES_DIR SQLITE3
set -euo pipefail
ctl=$1 profiles=$2 sqlite=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
source "$(dirname "$0")/../support/ctl_lib.sh"
cat > site.yaml <<'YAML'
name: ctl-text-test
price: "0.6000"
buses:
  - {id: bus1, port: ./no-such-port, boxes: [{address: 1, model: adf300l-i, profile: adf300l}]}
YAML
site() { ctl_as "$ctl" --db site.db --config site.yaml --profiles "$profiles" "$@"; }
offline() { ctl_as "$ctl" --db site.db "$@"; }
ctl_operators "$ctl" site.db  # only init creates a database
valid_json() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1"; }

# Refused at the door, exit 2, the value named (escaped), nothing stored.
expect_rc 2 site account open --id A402 --tenant $'Wang\e[2J' --meter bus1/1/2
grep -qF 'tenant name "Wang\u{1B}[2J": control character U+001B' err.txt ||
  fail "escape code in a tenant name not explained: $(cat err.txt)"
grep -q $'\e' err.txt && fail "the refusal echoed a raw escape code"
expect_rc 2 site account open --id A402 --tenant $'Wang\xff' --meter bus1/1/2
grep -qF 'tenant name "Wang\xFF": not UTF-8' err.txt || fail "invalid UTF-8 not explained"
expect_rc 2 site --json account open --id $'A\n402' --tenant Wang --meter bus1/1/2
grep -qF '"error":"account id \"A\\n402\": control character U+000A' out.txt ||
  fail "--json refusal: $(cat out.txt)"
long=$(printf 't%.0s' {1..65})
expect_rc 2 offline tariff add "$long" --from 2026-03-01T00:00:00+08:00 --price 0.6000
grep -qF "tariff name \"$long\": too long (65 bytes); give at most 64" err.txt ||
  fail "too-long tariff name: $(cat err.txt)"
[[ $("$sqlite" site.db "SELECT count(*) FROM accounts") == 0 ]] || fail "a refused account stored"

# Rows stored before the door checked them (an old database) print safely.
expect_rc 0 site account open --id A401 --tenant Li --meter bus1/1/1
expect_rc 0 offline tariff add standard --from 2026-03-01T00:00:00+08:00 --price 0.6000
"$sqlite" site.db "UPDATE accounts SET tenant = 'Li' || char(10) || 'next' || char(27) || '[2J' \
  || CAST(X'FF' AS TEXT) WHERE id = 'A401'; UPDATE tariffs SET name = 'std' || char(9) || \
  CAST(X'FE' AS TEXT) WHERE name = 'standard';"
expect_rc 0 offline account show --id A401
grep -qF 'tenant      Li\nnext\u{1B}[2J\xFF' out.txt || { cat out.txt; fail "tenant not escaped"; }
grep -q $'\e' out.txt && fail "account show sent a raw escape code"
expect_rc 0 offline --json account show --id A401
valid_json out.txt || { cat out.txt err.txt; fail "--json account show is not JSON"; }
expect_rc 0 offline tariff list
grep -qF 'std\t\xFE' out.txt || { cat out.txt; fail "tariff name not escaped"; }
[[ $(wc -l < out.txt) == 2 ]] || { cat out.txt; fail "the tariff table has extra lines"; }
expect_rc 0 offline --json tariff list
valid_json out.txt || { cat out.txt err.txt; fail "--json tariff list is not JSON"; }

# Under --json a usage error found after parsing (a bad amount, meter id, box, a missing --config,
# a mistyped --db) is JSON on stdout, as CLI11's own usage errors are: exit 2, "usage": true.
json_usage() {  # EXPECTED_TEXT COMMAND...
  local want=$1; shift
  expect_rc 2 "$@"
  valid_json out.txt || { cat out.txt err.txt; fail "$* under --json: not JSON"; }
  python3 -c 'import json,sys; j=json.load(open("out.txt")); sys.exit(0 if j["ok"] is False and
    j["usage"] is True and sys.argv[1] in j["error"] else 1)' "$want" ||
    fail "$*: usage error not as expected: $(cat out.txt)"
  [[ ! -s err.txt ]] || fail "$*: under --json it also wrote to stderr: $(cat err.txt)"
}
json_usage '--amount "1.2.3" is not an amount' site --json sale --account A401 --amount 1.2.3
json_usage '--amount "x" is not an amount' offline --json refund --account A401 --amount x
json_usage '"bus1/x" is not a meter id' offline --json meter show bus1/x
json_usage '"bus1" is not a meter id' site --json command trip --meter bus1
json_usage '"bus1/x" is not a box' site --json command clock --box bus1/x
json_usage '--config is required' offline --json sale --account A401 --amount 1.00
json_usage 'not found: run prepaidctl init' ctl_as "$ctl" --db typo.db --json tariff list
json_usage '"bus1/1" is not a meter id' offline --json tariff assign standard --meter bus1/1

# A mistyped --db: every verb but init refuses it (exit 2) and creates nothing.
for verb in "account show --id A401" "tariff list" "refund --account A401 --amount 1.00"; do
  # shellcheck disable=SC2086
  expect_rc 2 ctl_as "$ctl" --db typo.db --config site.yaml --profiles "$profiles" $verb
  grep -qF "database typo.db not found: run prepaidctl init" err.txt ||
    fail "$verb on a missing database: $(cat err.txt)"
  [[ ! -e typo.db ]] || fail "$verb created typo.db"
done
expect_rc 2 ctl_as "$ctl" --db typo.db --config site.yaml --profiles "$profiles" ledger verify
[[ ! -e typo.db ]] || fail "ledger verify created typo.db"
expect_rc 0 "$ctl" --db typo.db init
[[ -e typo.db ]] || fail "init did not create typo.db"

# Views open the database read-only: they work on a read-only file in a read-only folder (run as
# an unprivileged user where the test runs as root, for whom permissions do not bind).
mkdir -p ro && cp site.db ro/ && chmod 0755 "$work" && chmod 0444 ro/site.db && chmod 0555 ro
as_user=()
if [[ $EUID == 0 ]] && command -v setpriv > /dev/null; then
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
# The unprivileged user reads the profiles too (Operations checks amounts and commands against
# them), and the checkout may sit in a folder only root can enter (mktemp -d is 0700): a copy.
cp -r "$profiles" ro-profiles && chmod -R a+rX ro-profiles
# A session of the cashier's, the unprivileged user's own (0600): a read-only database takes no
# login (which writes its audit row), but a session made before still works.
cp "$ctl_sessions_root/site.db/cashier" ro-session && chmod 0600 ro-session
[[ ${#as_user[@]} -eq 0 ]] || chown 65534:65534 ro-session
ro() {
  PHIL_SESSION_FILE=$PWD/ro-session "${as_user[@]}" "$ctl" --db ro/site.db --config site.yaml \
    --profiles ro-profiles "$@"
}
expect_rc 0 ro account show --id A401
expect_rc 0 ro --json tariff list
expect_rc 0 ro ledger verify
if [[ ${#as_user[@]} -gt 0 || $EUID != 0 ]]; then  # an action needs to write: refused
  expect_rc 1 ro sale --account A401 --amount 1.00
fi
[[ ! -e ro/site.db-wal ]] || fail "a view left a write-ahead log behind"
chmod 0755 ro

# Amounts, thresholds and TOU periods: refused before the store, naming the value as typed.
expect_rc 2 site sale --account A401 --amount 50000000000.00
grep -qF "sale of 50000000000.00 yuan is more than one sale may be" err.txt ||
  fail "huge sale: $(cat err.txt)"
grep -qi "sql\|disk" err.txt && fail "huge sale leaks store internals: $(cat err.txt)"
expect_rc 2 site sale --account A401 --amount 99999999999999999999999.00
grep -qF '"99999999999999999999999.00" is not an amount' err.txt || fail "overflowing amount"
expect_rc 2 site command thresholds --meter bus1/1/1 --alarm1 50000000.00 --alarm2 5.00 --overload 4000
grep -qF "alarm 1 of 50000000.00 yuan is more than" err.txt || fail "thresholds: $(cat err.txt)"
expect_rc 2 site command tou --box bus1/1 --periods 00:00/peak,25:00/flat
grep -qF -- '--periods "00:00/peak,25:00/flat": row 2 "25:00/flat": "25:00" is not a time of day' \
  err.txt || fail "tou periods: $(cat err.txt)"
grep -q "outbox\|payload" err.txt && fail "tou periods leak the outbox payload: $(cat err.txt)"
echo "ctl input test passed"
