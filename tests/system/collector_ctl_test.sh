#!/usr/bin/env bash
# prepaidctl's remote commands as an operator runs them: each queues one outbox row (shown by
# meter show), refusals exit 1 with the reason, bad arguments exit 2; a later command of the same
# kind supersedes a pending one. And prepaidd's banner lists every bus with its transport.
# Usage: collector_ctl_test.sh PREPAIDD PREPAIDCTL PROFILES_DIR
set -euo pipefail
source "$(dirname "$0")/../support/ctl_lib.sh"
daemon=$1 ctl=$2 profiles=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > site.yaml <<'YAML'
name: ctl-test
buses:
  - {id: bus1, port: ./no-such-port, response_timeout: 50ms,
     boxes: [{address: 1, model: adf300l-i, profile: adf300l}]}
  - {id: bus2, port: "rtu-over-tcp://127.0.0.1:9", response_timeout: 50ms,
     boxes: [{address: 2, model: adf300l-i, profile: adf300l}]}
  - {id: bus3, port: "tcp://127.0.0.1:7", response_timeout: 50ms,
     boxes: [{address: 3, model: adf300l-i, profile: adf300l}]}
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

expect_rc 0 ctl command trip --meter bus1/1/1
grep -q "mode command #1 for bus1/1/1 queued (relay=forced_off)" out.txt || { cat out.txt; fail "trip not confirmed"; }
expect_rc 0 ctl command keep-power --meter bus1/1/1
expect_rc 0 ctl --json meter show bus1/1/1
grep -q '"state": "superseded"' out.txt || { cat out.txt; fail "the pending trip was not superseded"; }
expect_rc 0 ctl command thresholds --meter bus2/2/3 --alarm1 20.00 --alarm2 5.00 --overload 4400
grep -q "alarm1_fen=2000 alarm2_fen=500 overload_w=4400" out.txt || { cat out.txt; fail "thresholds"; }
expect_rc 0 ctl command price --meter bus3/3/1 --flat 0.6000 --peak 0.9000
grep -q "sharp=6000 peak=9000 flat=6000 valley=6000" out.txt || { cat out.txt; fail "price"; }
expect_rc 0 ctl --json command close --meter bus1/1/2
grep -q '"ok":true' out.txt || fail "close --json"
expect_rc 1 ctl command trip --meter bus1/9/1
expect_rc 2 ctl command trip --meter bus1/x/1
expect_rc 2 ctl command price --meter bus1/1/1 --flat 0.60001
expect_rc 2 ctl command thresholds --meter bus1/1/1 --alarm1 -1 --alarm2 0 --overload 1

# The banner names each bus's transport and endpoint; --once runs one iteration and exits.
expect_rc 0 "$daemon" --config site.yaml --db site.db --profiles "$profiles" --once
# A relative port is read against the site file's folder: the banner shows where that is.
grep -Eq "bus bus1: rtu /.*/no-such-port 9600 8N1" out.txt err.txt || { cat out.txt err.txt; fail "banner bus1"; }
grep -q "bus bus2: rtu-over-tcp 127.0.0.1:9" out.txt err.txt || { cat out.txt err.txt; fail "banner bus2"; }
grep -q "bus bus3: tcp 127.0.0.1:7" out.txt err.txt || { cat out.txt err.txt; fail "banner bus3"; }
# The daemon's start and stop are rows of the system log (issue 13.4), the stop after the start.
expect_rc 0 ctl --json log --action daemon_start
[[ $(grep -o '"action":"daemon_start"' out.txt | wc -l) == 1 ]] || { cat out.txt; fail "daemon_start row"; }
grep -q '"target":"ctl-test"' out.txt && grep -q '"once":true' out.txt ||
  { cat out.txt; fail "daemon_start row without the site or its details"; }
expect_rc 0 ctl log --limit 2
[[ $(awk '{print $4}' out.txt | tr '\n' ' ') == "daemon_start daemon_stop " ]] ||
  { cat out.txt; fail "the daemon's last rows are not its start then its stop"; }
# Box-level commands: a TOU table and a clock sync for one box (bus/box, no circuit).
expect_rc 0 ctl command tou --box bus1/1 --periods 00:00/valley,08:00/peak,22:00/valley
grep -q "periods=00:00/valley,08:00/peak,22:00/valley" out.txt || { cat out.txt; fail "tou"; }
expect_rc 0 ctl command clock --box bus2/2
expect_rc 2 ctl command clock --box bus2
expect_rc 2 ctl command tou --box bus1/1 --periods 08:00/peak

# read-now across processes: stored for the daemon, which runs it at its next look.
expect_rc 1 ctl read-now bus9
expect_rc 0 ctl read-now bus1/1
grep -q "queued" out.txt || { cat out.txt; fail "read-now queued"; }
expect_rc 1 ctl read-now bus1/1/2 --wait 1  # no daemon running: still pending after 1 s
grep -q "did not run it within --wait" out.txt || { cat out.txt; fail "read-now wait"; }
# With --wait, the requester sees the daemon's result (bus1's port does not exist: failed).
rc=0
ctl --json read-now bus1 --wait 20 > wait.txt 2>&1 &
waiter=$!
for _ in $(seq 1 40); do
  "$daemon" --config site.yaml --db site.db --profiles "$profiles" --once > /dev/null 2>&1 || true
  kill -0 "$waiter" 2> /dev/null || break
  sleep 0.25
done
wait "$waiter" || rc=$?
[[ $rc == 1 ]] || { cat wait.txt; fail "read-now --wait exited $rc, expected 1 (failed)"; }
grep -q '"state":"failed"' wait.txt || { cat wait.txt; fail "read-now result not seen"; }
grep -q 'no-such-port' wait.txt || { cat wait.txt; fail "read-now failure without its reason"; }

echo "collector ctl test passed"
