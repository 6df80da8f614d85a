#!/usr/bin/env bash
# The kill storm: prepaidd is killed with -9 at random moments while operators sell, refund and
# reverse, and the line drops a share of the replies. Afterwards one clean daemon run delivers
# what is left, and what the meters hold (read over Modbus by mbpoll, a peer nobody here wrote)
# must equal what the outbox says was confirmed, every sale must have exactly one credit command,
# nothing may be left undelivered, and the ledger must verify. A credit applied twice or lost by
# a kill shows up here as a meter total that differs from the confirmed credits.
#
# Usage: kill_storm_test.sh ADF300_SIM PREPAIDD PREPAIDCTL PROFILES_DIR [SECONDS] [KILLS] [SEED]
#   The storm lasts SECONDS (default 60) or KILLS kills (default 100), whichever comes first.
#   CTest runs the bounded default; script/storm runs a long one.
set -euo pipefail
source "$(dirname "$0")/../support/ctl_lib.sh"  # ctl_operators, ctl_as
source "$(dirname "$0")/lib.sh"  # wait_for, fail_with_logs, start_fleet, fleet
sim=$1 daemon=$2 ctl_bin=$3 profiles=$4
seconds=${5:-60} kills=${6:-100} seed=${7:-$$}
RANDOM=$seed
work=$(mktemp -d)
sim_pid="" daemon_pid="" driver_pid=""
cleanup() {
  for p in $driver_pid $daemon_pid $sim_pid; do kill -KILL "$p" 2> /dev/null || true; done
  [[ -n ${KEEP_WORK:-} ]] && echo "work folder kept: $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
echo "kill storm: up to ${seconds}s or $kills kills, seed $seed (rerun with this seed to repeat)"
fail() { fail_with_logs "(seed $seed) $*" sim.err daemon.log driver.log; }

# No load: a meter's balance is then exactly what it was credited, which the check uses.
start_fleet "$sim" "$profiles" 1 <<'YAML'
buses:
  - id: bus1
    port: vbus/bus1
    boxes:
      - {address: 1, model: adf300l-i,
         circuits: {1: {load: {constant: 0}}, 2: {load: {constant: 0}}}}
      - {address: 2, model: adf300l-i, circuits: {1: {load: {constant: 0}}}}
YAML

cat > site.yaml <<YAML
name: storm
poll_interval: 1s
clock_sync: off
buses:
  - {id: bus1, port: $work/vbus/bus1, response_timeout: 300ms,
     boxes: [{address: 1, model: adf300l-i, profile: adf300l},
             {address: 2, model: adf300l-i, profile: adf300l}]}
YAML
ctl() { ctl_as "$ctl_bin" --db site.db --config site.yaml --profiles "$profiles" "$@"; }
ctl_operators "$ctl_bin" site.db  # only init creates a database; each verb's role logged in
meters=(bus1/1/1 bus1/1/2 bus1/2/1)
accounts=(A1 A2 A3)
for i in 0 1 2; do
  ctl account open --id "${accounts[$i]}" --tenant "T$i" --meter "${meters[$i]}" > /dev/null ||
    fail "open ${accounts[$i]}"
done
fleet fault drop_reply bus1 probability=0.2 seed="$((seed % 1000))" > /dev/null ||
  fail "fault drop_reply"

# The operators: sales mostly, refunds and reversals of earlier sales now and then. A refusal
# (nothing left to refund, a sale already reversed) is a normal answer; anything else is logged
# and fails the test below (a busy database must wait, never refuse).
drive() {
  local n=0 rc out account amount seq
  RANDOM=$((seed + 1))
  while [[ ! -e stop-driver ]]; do
    n=$((n + 1))
    account=${accounts[$((RANDOM % 3))]}
    amount="$((RANDOM % 20 + 1)).$((RANDOM % 90 + 10))"
    case $((RANDOM % 10)) in
      [0-6]) rc=0; out=$(ctl sale --account "$account" --amount "$amount" 2>&1) || rc=$? ;;
      [7-8]) rc=0; out=$(ctl refund --account "$account" --amount 1.00 2>&1) || rc=$? ;;
      9)
        seq=$(sqlite3 -cmd '.timeout 5000' site.db \
          "SELECT seq FROM ledger WHERE kind='sale' ORDER BY random() LIMIT 1" 2>/dev/null || true)
        [[ -n $seq ]] || continue
        rc=0; out=$(ctl reversal --sale "$seq" 2>&1) || rc=$?
        ;;
    esac
    echo "op $n rc=$rc $out" >> driver.log
  done
}
drive &
driver_pid=$!

# The storm itself.
start=$SECONDS
done_kills=0
while ((done_kills < kills && SECONDS - start < seconds)); do
  "$daemon" --config site.yaml --db site.db --profiles "$profiles" >> daemon.log 2>&1 &
  daemon_pid=$!
  # 0.1 .. 1.5 s: some kills land during start-up, most during a poll or a delivery.
  sleep "$((RANDOM % 15 / 10)).$((RANDOM % 10))$((RANDOM % 10))"
  kill -KILL "$daemon_pid" 2> /dev/null || true
  wait "$daemon_pid" 2> /dev/null || true
  daemon_pid=""
  done_kills=$((done_kills + 1))
done
touch stop-driver
wait "$driver_pid" || true
driver_pid=""
ops=$(grep -c '^op ' driver.log || true)
echo "kill storm: $done_kills kills in $((SECONDS - start)) s, $ops operator actions"

# Every answer the operators got is a success or a refusal ("refused: " and its reason: a credit
# still on its way, a sale already reversed).
unexpected=$(grep '^op ' driver.log | grep -vE '^op [0-9]+ rc=(0 |[12] refused: )' || true)
[[ -z $unexpected ]] || fail "unexpected operator answers:"$'\n'"$(head -5 <<< "$unexpected")"
grep -qiE 'database is locked|AddressSanitizer|runtime error' driver.log daemon.log &&
  fail "$(grep -hiE 'database is locked|AddressSanitizer|runtime error' driver.log daemon.log | head -3)"

# One clean run on a clean line delivers whatever the storm left.
fleet clear all > /dev/null || fail "clear faults"
"$daemon" --config site.yaml --db site.db --profiles "$profiles" >> daemon.log 2>&1 &
daemon_pid=$!
q() { sqlite3 -cmd '.timeout 5000' site.db "$1"; }
settled() {
  [[ $(q "SELECT count(*) FROM outbox WHERE kind IN ('credit','debit')
          AND state IN ('pending','in_flight')") == 0 ]]
}
wait_for 180 "delivery of the credits and debits left by the storm" settled
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "prepaidd exited $? on SIGTERM after the storm"
daemon_pid=""

# The books: one credit command per sale, none failed.
sales=$(q "SELECT count(*) FROM ledger WHERE kind='sale'")
credits=$(q "SELECT count(DISTINCT ledger_seq) FROM outbox WHERE kind='credit'")
rows=$(q "SELECT count(*) FROM outbox WHERE kind='credit'")
[[ $sales == "$credits" && $credits == "$rows" ]] ||
  fail "$sales sales, $rows credit commands for $credits distinct sales"
failed=$(q "SELECT count(*) FROM outbox WHERE kind='credit' AND state='failed'")
[[ $failed == 0 ]] || fail "$failed credit commands failed"

# The refunds and reversals of money on the meters: each confirmed debit booked once, by its
# entry; a cancelled one (the meter refused it) booked nothing.
unbooked=$(q "SELECT count(*) FROM outbox o WHERE kind='debit' AND (state='confirmed') <>
              EXISTS (SELECT 1 FROM ledger l WHERE l.seq = o.ledger_seq)")
[[ $unbooked == 0 ]] || fail "$unbooked debits booked other than by their confirmation"

# The meters, over Modbus: balance (i32, fen) and purchase total (u32, fen) at 0x1010 and 0x1017
# of each circuit (stride 0x20), high word first; purchase count (u16) at 0x1014; debit count
# (u16) at 0x1019 and debit total (u32, fen) at 0x101C.
read_words() { # ADDRESS START COUNT -> the register values, one per line
  mbpoll -m rtu -a "$1" -b 9600 -P none -t 4 -0 -r "$2" -c "$3" -1 -o 1 "$work/vbus/bus1" |
    sed -n 's/^\[[0-9]*\]:[[:space:]]*//p'
}
for i in 0 1 2; do
  IFS=/ read -r _ box circuit <<< "${meters[$i]}"
  base=$((0x1010 + 0x20 * (circuit - 1)))
  mapfile -t w < <(read_words "$box" "$base" 14)
  [[ ${#w[@]} == 14 ]] || fail "mbpoll read of ${meters[$i]}: ${w[*]}"
  balance=$((w[0] * 65536 + w[1]))
  count=${w[4]}
  total=$((w[7] * 65536 + w[8]))
  debits=$((w[12] * 65536 + w[13]))
  want_debits=$(q "SELECT coalesce(sum(amount_fen),0) FROM outbox
                   WHERE kind='debit' AND state='confirmed' AND meter='${meters[$i]}'")
  want_total=$(q "SELECT coalesce(sum(amount_fen),0) FROM outbox
                  WHERE kind='credit' AND state='confirmed' AND meter='${meters[$i]}'")
  want_count=$(q "SELECT count(*) FROM outbox
                  WHERE kind='credit' AND state='confirmed' AND meter='${meters[$i]}'")
  echo "${meters[$i]}: meter total $total fen in $count credits, $debits fen debited," \
    "balance $balance; outbox confirmed $want_total fen in $want_count, $want_debits debited"
  [[ $total == "$want_total" ]] ||
    fail "${meters[$i]} received $total fen, the outbox confirmed $want_total"
  [[ $count == $((want_count % 65536)) ]] ||
    fail "${meters[$i]} counts $count purchases, the outbox confirmed $want_count"
  [[ $debits == "$want_debits" ]] ||
    fail "${meters[$i]} gave up $debits fen, the outbox confirmed $want_debits"
  [[ $balance == $((total - debits)) ]] ||
    fail "${meters[$i]} balance $balance != purchase total $total - debits $debits"
done
ctl ledger verify > verify.txt 2>&1 || fail "ledger verify: $(cat verify.txt)"
echo "kill storm passed"
