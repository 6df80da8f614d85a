#!/usr/bin/env bash
# script/sandbox (issue 19 item 3) starts and stops cleanly: it comes up within its bound, the
# sale it suggests works as printed, and Ctrl-C (SIGINT to the script) stops the fleet, the daemon
# and the API it started, by pid, leaving no process behind and the work folder in place.
# Usage: sandbox_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$1 build=$2
work=$(mktemp -d /tmp/phil-sandbox-test.XXXXXX)
sandbox_pid="" started=""
fail() {
  echo "FAIL: $*" >&2
  for f in out daemon.log sim.err api.log; do
    [[ -f $work/site/$f || -f $work/$f ]] && { echo "--- $f" >&2; tail -20 "$work/site/$f" "$work/$f" 2> /dev/null >&2; }
  done
  exit 1
}
cleanup() {
  [[ -n $sandbox_pid ]] && kill -KILL "$sandbox_pid" 2> /dev/null || true
  local p
  for p in ${started:-}; do kill -KILL "$p" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# A background job of a script starts with SIGINT ignored (and a shell cannot trap a signal
# ignored at its start): give it the default back, as a terminal's foreground job has it.
/usr/bin/python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
  "$source_dir/script/sandbox" --build-dir "$build" --work "$work/site" --api > "$work/out" 2>&1 &
sandbox_pid=$!
for _ in $(seq 600); do
  [[ -f $work/site/ready ]] && break
  kill -0 "$sandbox_pid" 2> /dev/null || fail "script/sandbox stopped before it was ready: $(cat "$work/out")"
  sleep 0.25
done
[[ -f $work/site/ready ]] || fail "script/sandbox not ready within 150 s"
grep -q "^try next" "$work/out" || fail "no commands to try: $(cat "$work/out")"
# The first suggestion, run as printed: a sale.
sale=$(grep -m1 " sale --account " "$work/out")
(eval "$sale") > "$work/sale.txt" 2>&1 || fail "the suggested sale failed: $(cat "$work/sale.txt")"
grep -q "sold 20.00 yuan to A401" "$work/sale.txt" || fail "sale: $(cat "$work/sale.txt")"
# The suggested look at the meter, as printed: every register of A401's meter, decoded.
show=$(grep -m1 " ctl .* show bus" "$work/out")
(eval "$show") > "$work/show.txt" 2>&1 || fail "the suggested show failed: $(cat "$work/show.txt")"
grep -Eq "^  purchase_count +[0-9]+$" "$work/show.txt" || fail "show: $(cat "$work/show.txt")"
# A balance set on the meter by hand (`ctl set`) is what the system reads: ask the daemon to
# read it now and look at the meter as the system holds it.
ctl=${show%% show *}
engineer=$(grep -m1 " command trip " "$work/out")
engineer=${engineer%% command trip *}
(eval "$ctl set bus1/9/2 balance 77.77") > "$work/set.txt" 2>&1 || fail "ctl set: $(cat "$work/set.txt")"
(eval "$engineer read-now bus1/9/2 --wait 90") > "$work/read.txt" 2>&1 ||
  fail "read-now: $(cat "$work/read.txt")"
(eval "$engineer meter show bus1/9/2") > "$work/meter.txt" 2>&1 || fail "meter show: $(cat "$work/meter.txt")"
grep -Eq "^balance +77\.7[0-9] yuan \(meter\)" "$work/meter.txt" ||
  fail "the system does not read the balance set on the meter: $(cat "$work/meter.txt")"
# What it started: the fleet, the daemon and the API, its children.
started=$(ps -o pid=,comm= --ppid "$sandbox_pid" | awk '$2 ~ /^(adf300-sim|prepaidd|prepaid-api)$/ {print $1}')
[[ $(wc -w <<< "$started") == 3 ]] ||
  fail "fleet, daemon and API are not all running: $(ps -o pid=,comm= --ppid "$sandbox_pid")"

kill -INT "$sandbox_pid"
for _ in $(seq 120); do kill -0 "$sandbox_pid" 2> /dev/null || break; sleep 0.25; done
kill -0 "$sandbox_pid" 2> /dev/null && fail "script/sandbox still runs 30 s after Ctrl-C"
sandbox_pid=""
alive() { local p; for p in $started; do kill -0 "$p" 2> /dev/null && echo "$p"; done; true; }
for _ in $(seq 40); do [[ -z $(alive) ]] && break; sleep 0.25; done
[[ -z $(alive) ]] || fail "left behind after Ctrl-C: $(ps -o pid=,args= -p "$(alive | paste -sd,)")"
grep -q "sandbox: stopped; the work folder stays" "$work/out" || fail "no goodbye: $(tail -3 "$work/out")"
[[ -f $work/site/site.db && -f $work/site/daemon.log ]] || fail "the work folder was not kept"
echo "sandbox: up, a sale, Ctrl-C, nothing left behind"
