#!/usr/bin/env bash
# prepaidctl and prepaidd as an operator runs them: exit codes, refusals, output, and the daemon
# stopping cleanly on SIGTERM. Usage: prepaid_app_test.sh PREPAIDD PREPAIDCTL PROFILES_DIR
set -euo pipefail
source "$(dirname "$0")/../support/ctl_lib.sh"
daemon=$1 ctl=$2 profiles=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > site.yaml <<'YAML'
name: app-test
poll_interval: 30m
price: "0.6000"
buses:
  - {id: bus1, port: ./no-such-port, response_timeout: 50ms,
     boxes: [{address: 1, model: adf300l-i, profile: adf300l}]}
YAML
fail() { echo "FAIL: $*" >&2; exit 1; }
ctl() { ctl_as "$ctl" --db site.db --config site.yaml --profiles "$profiles" "$@"; }
ctl_operators "$ctl" site.db  # only init creates a database
expect_rc() {
  local want=$1; shift
  local rc=0
  "$@" > out.txt 2> err.txt || rc=$?
  [[ $rc == "$want" ]] || { cat out.txt err.txt >&2; fail "$* exited $rc, expected $want"; }
}

expect_rc 0 ctl account open --id A401 --tenant Li --meter bus1/1/1 --sale 20.00
grep -q "account A401 opened" out.txt || fail "no confirmation of the opening"
expect_rc 1 ctl account open --id A401 --tenant Li --meter bus1/1/2
grep -q "already exists" err.txt || fail "duplicate account not explained"
expect_rc 0 ctl sale --account A401 --amount 100.00
expect_rc 1 ctl sale --account A999 --amount 1.00
grep -q "A999 does not exist" err.txt || fail "unknown account not explained"
# A sale of nothing is bad input (2), as a malformed amount is; not a rule's refusal (1).
expect_rc 2 ctl sale --account A401 --amount 0
grep -q "must be positive" err.txt || fail "a zero sale not explained"
expect_rc 2 ctl sale --account A401 --amount 1.001
expect_rc 2 ctl meter show bus1/x/1
# A usage error of a command that asked for JSON is JSON too.
expect_rc 2 ctl --json account show --id A401 --no-such-option
python3 -c 'import json,sys; d=json.load(open("out.txt")); sys.exit(0 if d["ok"] is False and d["usage"] and "--no-such-option" in d["error"] else 1)' ||
  { cat out.txt err.txt; fail "a usage error under --json is not JSON"; }
[[ ! -s err.txt ]] || { cat err.txt; fail "a usage error under --json wrote to stderr"; }
expect_rc 0 ctl meter show bus1/1/1
grep -q "120.00 yuan (account A401)" out.txt || { cat out.txt; fail "ledger balance not shown"; }
grep -q "credit 100.00 pending" out.txt || { cat out.txt; fail "pending credit not shown"; }
expect_rc 0 ctl --json ledger verify
grep -q '"ok":true' out.txt || fail "ledger verify --json"

# A usage error (an unknown option, a missing required one) exits 2 with CLI11's message.
expect_rc 2 "$daemon" --config site.yaml --db site.db --bogus
grep -q "bogus" err.txt || { cat err.txt; fail "unknown option not named"; }
expect_rc 2 "$daemon" --db site.db
grep -q "config" err.txt || { cat err.txt; fail "missing --config not named"; }
expect_rc 0 "$daemon" --help

# A broken site file is refused with file:line:col.
printf 'name: x\nbusses: []\n' > bad.yaml
expect_rc 2 "$daemon" --config bad.yaml --db site.db --profiles "$profiles" --once
grep -q "bad.yaml:2:1" err.txt || { cat err.txt; fail "no location in the config error"; }

# One iteration against a missing port: the credit stays pending, nothing crashes.
expect_rc 0 "$daemon" --config site.yaml --db site.db --profiles "$profiles" --once
expect_rc 0 ctl meter show bus1/1/1
grep -q "no answer   1 cycle" out.txt || { cat out.txt; fail "failed cycle not recorded"; }

# Against a busy database (another process holds it exclusively for a while, as a checkpoint
# or a long write would): the CLI and the daemon wait for it at open instead of failing with
# "database is locked".
python3 - site.db > holder.log 2>&1 <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA locking_mode = EXCLUSIVE")
db.execute("BEGIN EXCLUSIVE")
db.execute("COMMIT")
print("held", flush=True)
time.sleep(1.5)
db.close()
PY
holder=$!
for _ in $(seq 1 100); do grep -q held holder.log 2> /dev/null && break; sleep 0.05; done
grep -q held holder.log || { cat holder.log; fail "the lock holder did not start"; }
expect_rc 0 ctl meter show bus1/1/1
expect_rc 0 "$daemon" --config site.yaml --db site.db --profiles "$profiles" --once
wait "$holder"

# The daemon stops on SIGTERM, SIGINT and SIGHUP with exit 0, its database closed (no
# write-ahead log left behind).
stop_daemon_with() {
  local sig=$1
  # The previous run's log goes first: the shell truncates it only once the child runs, and its
  # banner would pass for this run's, signalling a daemon that has not blocked signals yet.
  rm -f daemon.log
  "$daemon" --config site.yaml --db site.db --profiles "$profiles" > daemon.log 2>&1 &
  pid=$!
  # Signal only once it runs (its banner is logged after the stop signals are blocked): a loaded
  # machine can take over a second to start an ASan binary, and an earlier signal kills it.
  for _ in $(seq 1 120); do
    grep -q "prepaidd .*: site" daemon.log 2> /dev/null && break
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.25
  done
  grep -q "prepaidd .*: site" daemon.log || { cat daemon.log; fail "prepaidd did not start within 30 s"; }
  kill "-$sig" "$pid"
  rc=0
  wait "$pid" || rc=$?
  [[ $rc == 0 ]] || { cat daemon.log; fail "prepaidd exited $rc on SIG$sig"; }
  grep -q "signal [0-9]* ($sig) received" daemon.log || { cat daemon.log; fail "no stop message for SIG$sig"; }
  grep -q "stopped; pending commands stay" daemon.log || { cat daemon.log; fail "SIG$sig: not stopped cleanly"; }
  [[ ! -s site.db-wal ]] || fail "SIG$sig left a write-ahead log of $(stat -c %s site.db-wal) bytes"
}
stop_daemon_with TERM
stop_daemon_with HUP
echo "prepaid app test passed"
