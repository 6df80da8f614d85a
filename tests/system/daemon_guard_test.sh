#!/usr/bin/env bash
# prepaidd guards its site: a second daemon on the same database or the same serial line refuses
# to start, naming the holder; a daemon killed with -9 leaves nothing that blocks the next start;
# --once stops between transactions on SIGTERM instead of finishing a cycle of silent boxes.
# A missing database is refused (only prepaidctl init creates one).
# Usage: daemon_guard_test.sh PREPAIDD PROFILES_DIR PREPAIDCTL
set -euo pipefail
daemon=$1 profiles=$2 ctl=$3
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# A serial line where nothing answers: one end of a pty pair (the other end stays silent).
socat pty,raw,echo=0,link="$work/tty-a" pty,raw,echo=0,link="$work/tty-b" 2> socat.log &
pids+=($!)
for _ in $(seq 1 100); do [[ -e tty-a ]] && break; sleep 0.05; done
[[ -e tty-a ]] || { cat socat.log; fail "socat made no pty"; }

boxes=""
for a in $(seq 1 12); do boxes+="{address: $a, model: adf300l-i, profile: adf300l}, "; done
cat > site.yaml <<YAML
name: guard-test
poll_interval: 30m
clock_sync: off
buses:
  - {id: bus1, port: $work/tty-a, response_timeout: 400ms, boxes: [${boxes%, }]}
YAML

# Starts a daemon in the background, logging to $1, and waits for its banner.
start_daemon() {
  local log=$1; shift
  "$daemon" --config site.yaml --profiles "$profiles" "$@" > "$log" 2>&1 &
  last_pid=$!
  pids+=("$last_pid")
  for _ in $(seq 1 120); do
    grep -q "prepaidd .*: site" "$log" 2> /dev/null && return 0
    kill -0 "$last_pid" 2> /dev/null || break
    sleep 0.25
  done
  cat "$log"
  fail "prepaidd did not start within 30 s"
}

# 0. A mistyped --db: refused (exit 2), nothing created, not even a lock file.
rc=0
"$daemon" --config site.yaml --profiles "$profiles" --db typo.db --once > typo.log 2>&1 || rc=$?
[[ $rc == 2 ]] || { cat typo.log; fail "a daemon on a missing database exited $rc, expected 2"; }
grep -q "database typo.db not found: run prepaidctl init" typo.log ||
  { cat typo.log; fail "the missing database is not explained"; }
[[ ! -e typo.db && ! -e typo.db.lock ]] || fail "the refused daemon created files"
"$ctl" --db site.db init > /dev/null
"$ctl" --db other.db init > /dev/null

# 1. A second daemon on the same database refuses, naming the first one's pid.
start_daemon first.log --db site.db
first=$last_pid
rc=0
"$daemon" --config site.yaml --profiles "$profiles" --db site.db --once > second.log 2>&1 || rc=$?
[[ $rc == 1 ]] || { cat second.log; fail "a second daemon on one database exited $rc, expected 1"; }
grep -q "already served by another prepaidd (pid $first" second.log ||
  { cat second.log; fail "the refusal does not name the holder"; }

# 2. ... and on the same serial line with another database.
rc=0
"$daemon" --config site.yaml --profiles "$profiles" --db other.db --once > third.log 2>&1 || rc=$?
[[ $rc == 1 ]] || { cat third.log; fail "a second daemon on one serial port exited $rc, expected 1"; }
grep -q "serial port $work/tty-a is held by another process" third.log ||
  { cat third.log; fail "the refusal does not name the port"; }

# 3. kill -9 leaves no lock behind: the next daemon starts.
kill -9 "$first"
wait "$first" 2> /dev/null || true
start_daemon fourth.log --db site.db
kill -TERM "$last_pid"
wait "$last_pid" || fail "the daemon after kill -9 did not stop cleanly"

# 4. --once on twelve silent boxes (about 5 s of timeouts) stops soon after SIGTERM.
"$daemon" --config site.yaml --profiles "$profiles" --db site.db --once > once.log 2>&1 &
once=$!
pids+=("$once")
for _ in $(seq 1 120); do grep -q "prepaidd .*: site" once.log 2> /dev/null && break; sleep 0.25; done
sleep 0.5
start=$(date +%s%N)
kill -TERM "$once"
rc=0
wait "$once" || rc=$?
took_ms=$((($(date +%s%N) - start) / 1000000))
[[ $rc == 0 ]] || { cat once.log; fail "--once exited $rc on SIGTERM"; }
grep -q "stopping the iteration between transactions" once.log || { cat once.log; fail "no stop message"; }
# One transaction (a box's read: one 400 ms timeout) may still finish; a whole cycle may not.
echo "--once stopped $took_ms ms after SIGTERM"
((took_ms < 2500)) || { cat once.log; fail "--once took $took_ms ms to stop after SIGTERM"; }
echo "daemon guard test passed"
