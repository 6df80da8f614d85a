#!/usr/bin/env bash
# The three programs together, live, as on a developer's desk: adf300-sim serves two buses (a pty
# and a serial server on loopback TCP), prepaidd polls both with one collector worker per bus,
# prepaidctl sells and sends remote commands while `adf300-sim ctl` injects and clears faults;
# then the sales must reach the meters, and both programs stop on SIGTERM with exit 0.
# script/tsan runs it under ThreadSanitizer (the daemon's workers and checkpoint thread, the
# fleet's serving thread and control socket). Every wait is bounded.
# Usage: live_fleet_test.sh ADF300_SIM PREPAIDD PREPAIDCTL PROFILES_DIR
set -euo pipefail
source "$(dirname "$0")/../support/ctl_lib.sh"  # ctl_operators, ctl_as
source "$(dirname "$0")/lib.sh"  # wait_for, fail_with_logs, start_fleet, fleet
sim=$1 daemon=$2 ctl=$3 profiles=$4
work=$(mktemp -d)
sim_pid="" daemon_pid=""
cleanup() {
  [[ -n $daemon_pid ]] && kill -KILL "$daemon_pid" 2> /dev/null || true
  [[ -n $sim_pid ]] && kill -KILL "$sim_pid" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { fail_with_logs "$*" sim.err daemon.log; }

start_fleet "$sim" "$profiles" 2 --speed 60 --start 2026-03-01T00:00:00+08:00 <<'YAML'
buses:
  - id: bus1
    port: vbus/bus1
    boxes:
      - {address: 1, model: adf300l-i,
         circuits: {1: {load: {constant: 1200}, balance: "5.00"}, 2: {load: {constant: 300}}}}
      - {address: 2, model: adf300l-i, circuits: {1: {load: {constant: 800}, balance: "1.00"}}}
  - id: bus2
    transport: rtu-over-tcp
    port: 0
    boxes:
      - {address: 3, model: adf300l-i, circuits: {1: {load: {constant: 600}, balance: "2.00"}}}
YAML
bus2=$(awk '$2 == "bus2" {print $4}' sim.out)
[[ $bus2 == 127.0.0.1:* ]] || fail "bus2 endpoint: $(cat sim.out)"

cat > site.yaml <<YAML
name: live
poll_interval: 2s
price: "0.6000"
buses:
  - {id: bus1, port: $work/vbus/bus1, response_timeout: 500ms,
     boxes: [{address: 1, model: adf300l-i, profile: adf300l},
             {address: 2, model: adf300l-i, profile: adf300l}]}
  - {id: bus2, transport: rtu-over-tcp, port: "$bus2", response_timeout: 500ms,
     boxes: [{address: 3, model: adf300l-i, profile: adf300l}]}
YAML
ctl() { ctl_as "$ctl" --db site.db --config site.yaml --profiles "$profiles" "$@"; }
ctl_operators "$ctl" site.db  # only init creates a database; each verb's role logged in
ctl account open --id A1 --tenant One --meter bus1/1/1 > /dev/null || fail "open A1"
ctl account open --id A2 --tenant Two --meter bus1/2/1 > /dev/null || fail "open A2"
ctl account open --id A3 --tenant Three --meter bus2/3/1 > /dev/null || fail "open A3"

"$daemon" --config site.yaml --db site.db --profiles "$profiles" > daemon.log 2>&1 &
daemon_pid=$!
wait_for 60 "prepaidd's banner" grep -q "prepaidd .*: site" daemon.log

# Sales and commands while the fleet misbehaves: every bus busy, faults coming and going.
fleet fault drop_reply bus1 probability=0.3 seed=5 > /dev/null || fail "fault drop_reply"
fleet fault box_silent bus2 address=3 duration=2m > /dev/null || fail "fault box_silent"
for round in 1 2 3; do
  for account in A1 A2 A3; do
    ctl sale --account "$account" --amount 10.00 > /dev/null || fail "sale $round $account"
  done
  ctl command trip --meter bus1/1/2 > /dev/null || fail "trip $round"
  fleet status > /dev/null || fail "ctl status $round"
  ctl read-now bus2 > /dev/null || fail "read-now $round"
  sleep 1
done
fleet fault delay bus1 delay=100ms duration=1m > /dev/null || fail "fault delay"
ctl command keep-power --meter bus1/1/2 > /dev/null || fail "keep-power"
sleep 2
fleet clear all > /dev/null || fail "clear faults"

# Every credit reaches its meter once the faults are gone: three confirmed, none left over.
delivered() {
  local meter=$1
  ctl --json meter show "$meter" > show.txt 2>&1 || return 1
  ! grep -q '"state": "\(pending\|in_flight\)"' show.txt &&
    [[ $(grep -c '"state": "confirmed"' show.txt) -ge 3 ]]
}
for meter in bus1/1/1 bus1/2/1 bus2/3/1; do
  wait_for 120 "the credits of $meter" delivered "$meter"
done
fleet status > status.txt || fail "ctl status"
grep -q "purchase\|balance" status.txt || fail "status: $(cat status.txt)"

# A refund of money on a meter-side meter is pending until the meter gives it up (a debit),
# then booked; `account show` tells the operator when the cash may be handed over.
ctl refund --account A1 --amount 5.00 > refund.txt 2>&1 || fail "refund: $(cat refund.txt)"
grep -q "is pending: debit [0-9]* takes 5.00 yuan off the meter" refund.txt ||
  fail "refund not pending on its debit: $(cat refund.txt)"
refunded() {
  ctl account show --id A1 > account.txt 2>&1 &&
    grep -q "refund  5.00 yuan  bus1/1/1  confirmed (entry [0-9]*)" account.txt
}
wait_for 60 "the refund's debit on bus1/1/1" refunded
grep -qE "refund +bus1/1/1 +-5\.00 " account.txt || fail "refund not booked: $(cat account.txt)"

# Closing A1 (销户) on the emulated meter: forced off, final reading, what the meter holds taken
# off by a debit, then the account settled to the meter and closed.
ctl account close --id A1 > close.txt 2>&1 || fail "close: $(cat close.txt)"
grep -q "closing of account A1 started on 1 meter(s)" close.txt || fail "close: $(cat close.txt)"
closed() {
  ctl account show --id A1 > account.txt 2>&1 && grep -q "^closing     done" account.txt
}
wait_for 90 "the closing of A1" closed
grep -qE "^closing     done .*: pay out [1-9][0-9]*\.[0-9]{2} yuan" account.txt ||
  fail "closing did not refund what the meter held: $(cat account.txt)"
grep -q "^balance     0.00 yuan" account.txt || fail "closed account not at zero: $(cat account.txt)"
ctl --json meter show bus1/1/1 > show.txt 2>&1 || fail "meter show: $(cat show.txt)"
grep -q '"status": "not_opened"' show.txt || fail "meter not back to not opened: $(cat show.txt)"
grep -q '"mode": "forced_off"' show.txt || fail "meter not left forced off: $(cat show.txt)"
grep -q '"balance_fen": 0,' show.txt || fail "meter still holds money: $(cat show.txt)"

# stop PID NAME: SIGTERM, then the exit status must be 0.
stop() {
  local rc=0
  kill -TERM "$1"
  wait "$1" || rc=$?
  [[ $rc == 0 ]] || fail "$2 exited $rc on SIGTERM"
}
stop "$daemon_pid" prepaidd
daemon_pid=""
grep -q "signal 15 (TERM) received" daemon.log || fail "prepaidd logged no stop"
stop "$sim_pid" adf300-sim
sim_pid=""
ctl --json ledger verify > verify.txt || fail "ledger verify: $(cat verify.txt)"
echo "live fleet test passed"
