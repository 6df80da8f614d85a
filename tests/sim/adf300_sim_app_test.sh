#!/bin/sh
# adf300-sim end to end: serves a bus, prints exactly one BUS line, stops cleanly on SIGTERM;
# a configuration error exits 2 with file:line:col and starts nothing.
# Usage: adf300_sim_app_test.sh <adf300-sim> <profiles dir>
set -u
SIM=$1
PROFILES=${PHIL_PROFILES_DIR:-$2}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/phil_sim_app.XXXXXX")
PID=""
# A failing check must not leave the fleet running behind it.
trap '[ -n "$PID" ] && kill "$PID" 2> /dev/null; rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat > "$WORK/fleet.yaml" <<'YAML'
buses:
  - id: bus1
    port: vbus/bus1
    boxes: [{address: 1, model: adf300l-i, circuits: {1: {load: {constant: 500}, balance: "1.00"}}}]
  - id: bus2
    port: vbus/bus2
    boxes: []
YAML

# The background job opens its redirections only once it runs: the files exist before it starts,
# so the first grep below never meets a missing file (grep -c printing nothing ended the wait
# loop at once and failed the test with an empty "bad BUS line").
: > "$WORK/out"
: > "$WORK/err"
"$SIM" --fleet "$WORK/fleet.yaml" --profiles "$PROFILES" --run-dir "$WORK" --speed 60 \
  --start 2026-03-01T00:00:00+08:00 > "$WORK/out" 2> "$WORK/err" &
PID=$!
i=0
while [ "$(grep -c '^BUS ' "$WORK/out")" -lt 2 ]; do
  i=$((i + 1))
  [ $i -gt 300 ] && { kill "$PID"; cat "$WORK/err"; fail "no BUS lines within 30 s"; }
  kill -0 "$PID" 2> /dev/null || { cat "$WORK/err"; fail "adf300-sim exited early"; }
  sleep 0.1
done
grep -qx "BUS bus1 pty $WORK/vbus/bus1" "$WORK/out" || fail "bad BUS line: $(cat "$WORK/out")"
grep -qx "BUS bus2 pty $WORK/vbus/bus2" "$WORK/out" || fail "bad BUS line: $(cat "$WORK/out")"
[ -L "$WORK/vbus/bus1" ] || fail "no symlink at vbus/bus1"
case "$(readlink "$WORK/vbus/bus1")" in /dev/pts/*) ;; *) fail "symlink not to a pty" ;; esac
[ -S "$WORK/adf300-sim.ctl" ] || fail "no control socket"
"$SIM" ctl --control "$WORK/adf300-sim.ctl" status > "$WORK/ctl" || fail "ctl status: $(cat "$WORK/ctl")"
grep -q "^    c1 balance 0*[01]\.[0-9][0-9] relay closed mode prepaid power 500 W" "$WORK/ctl" \
  || fail "ctl status: $(cat "$WORK/ctl")"
"$SIM" ctl --control "$WORK/adf300-sim.ctl" fault box_silent bus1 address=1 duration=1h \
  > "$WORK/ctl" || fail "ctl fault: $(cat "$WORK/ctl")"
grep -qx "OK fault 1" "$WORK/ctl" || fail "ctl fault: $(cat "$WORK/ctl")"
"$SIM" ctl --control "$WORK/adf300-sim.ctl" fault box_silent bus1 address=9 > "$WORK/ctl" \
  && fail "ctl accepted a fault on a box that does not exist"
grep -q "^ERROR .*no box at that address" "$WORK/ctl" || fail "ctl error: $(cat "$WORK/ctl")"
# The developer's verbs through the socket (issue 19): show, set, watch, time, speed, trace.
CTL="$SIM ctl --control $WORK/adf300-sim.ctl"
$CTL show bus1/1/1 > "$WORK/ctl" || fail "ctl show: $(cat "$WORK/ctl")"
grep -Eq "^  power +500 W$" "$WORK/ctl" || fail "ctl show: $(cat "$WORK/ctl")"
$CTL show bus1/1/1 --json > "$WORK/ctl" || fail "ctl show --json: $(cat "$WORK/ctl")"
grep -q '"kind": "meter"' "$WORK/ctl" || fail "ctl show --json: $(cat "$WORK/ctl")"
# A negative value is the command's, not an option of ctl.
$CTL set bus1/1/1 balance -5.00 > "$WORK/ctl" || fail "ctl set: $(cat "$WORK/ctl")"
$CTL show bus1/1/1 | grep -Eq "^  balance +-5.00 yuan$" || fail "the set balance is not shown"
$CTL set bus1/1/1 balance 99999999.99 > "$WORK/ctl" && fail "ctl set accepted an out-of-range value"
grep -q "^ERROR balance 99999999.99 is outside the register's range" "$WORK/ctl" \
  || fail "ctl set error: $(cat "$WORK/ctl")"
$CTL show bus1/1/1 | grep -Eq "^  balance +-5.00 yuan$" || fail "a refused set changed the balance"
# watch: a credit of one fen by hand, then the trip a simulated minute or two later.
: > "$WORK/watch"
$CTL --lines 4 --timeout 30s watch bus1/1/1 > "$WORK/watch" &
WATCH=$!
i=0
until grep -q "^OK watching bus1/1/1" "$WORK/watch"; do
  i=$((i + 1))
  [ $i -gt 100 ] && fail "watch did not answer within 10 s"
  sleep 0.1
done
$CTL set bus1/1/1 balance 0.01 > /dev/null || fail "ctl set balance 0.01"
wait "$WATCH" || fail "ctl watch exited non-zero: $(cat "$WORK/watch")"
grep -Eq "^2026-[0-9T:-]+\+00:00 bus1/1/1 relay closed$" "$WORK/watch" \
  || fail "watch: no relay closed line: $(cat "$WORK/watch")"
grep -Eq "^2026-[0-9T:-]+\+00:00 bus1/1/1 relay open: balance ran out" "$WORK/watch" \
  || fail "watch: no trip line: $(cat "$WORK/watch")"
# A watch with nothing happening ends at its timeout, with the answer line only.
$CTL --timeout 1s watch bus1/1/2 > "$WORK/watch2" || fail "ctl watch --timeout: $(cat "$WORK/watch2")"
[ "$(cat "$WORK/watch2")" = "OK watching bus1/1/2" ] || fail "watch --timeout: $(cat "$WORK/watch2")"
$CTL time | grep -Eq "^OK sim time 2026-0[23]-[0-9T:+-]+ speed 60$" || fail "ctl time"
$CTL speed 120 | grep -q "^OK speed 120 from " || fail "ctl speed"
$CTL time | grep -q " speed 120$" || fail "speed not changed"
$CTL speed 0 > /dev/null && fail "ctl speed 0 accepted"
$CTL trace on box=1 > /dev/null || fail "ctl trace on"
$CTL show bus1/9/1 > "$WORK/ctl" && fail "show of a box that does not exist succeeded"
grep -q "^ERROR no box at address 9 on bus bus1" "$WORK/ctl" || fail "show error: $(cat "$WORK/ctl")"
kill -TERM "$PID"
wait "$PID"
RC=$?
PID=""
[ $RC -eq 0 ] || fail "exit status $RC after SIGTERM, expected 0"
[ -e "$WORK/vbus/bus1" ] || [ -L "$WORK/vbus/bus1" ] && fail "symlink left behind"
[ "$(wc -l < "$WORK/out")" -eq 2 ] || fail "stdout has more than the BUS lines"
"$SIM" --fleet "$WORK/fleet.yaml" --profiles "$PROFILES" --run-dir "$WORK" --trace-bus bus7 \
  > /dev/null 2> "$WORK/err6"
[ $? -eq 2 ] || fail "--trace-bus of an unknown bus did not exit 2"
grep -q -- '--trace-bus "bus7" is no bus of' "$WORK/err6" || fail "message: $(cat "$WORK/err6")"

printf 'buses:\n  - id: bus1\n    port: vbus/bus1\n    bauds: 9600\n    boxes: []\n' > "$WORK/bad.yaml"
"$SIM" --fleet "$WORK/bad.yaml" --profiles "$PROFILES" --run-dir "$WORK" > "$WORK/out2" 2> "$WORK/err2"
RC=$?
[ $RC -eq 2 ] || fail "config error exited $RC, expected 2"
grep -q "bad.yaml:4:5: buses\[0\].bauds: unknown key" "$WORK/err2" || fail "message: $(cat "$WORK/err2")"
[ -s "$WORK/out2" ] && fail "something was served despite the config error"
# --dump-map: the register map as CSV, no fleet needed
"$SIM" --profiles "$PROFILES" --profile adf300l-iii --dump-map > "$WORK/map" || fail "dump-map"
head -1 "$WORK/map" | grep -qx "name,address,words,type,scale,unit,access" || fail "map header"
grep -q "^c36.serial," "$WORK/map" || fail "no c36.serial in the map"
"$SIM" --profiles "$PROFILES" --profile adf300x --dump-map > /dev/null 2> "$WORK/err3"
[ $? -eq 2 ] || fail "unknown --profile did not exit 2"
grep -q "neither a model nor a profile" "$WORK/err3" || fail "message: $(cat "$WORK/err3")"
# A usage error exits 2 with CLI11's message (both the server and `ctl`).
"$SIM" --fleet "$WORK/bad.yaml" --bogus > /dev/null 2> "$WORK/err4"
[ $? -eq 2 ] || fail "unknown option did not exit 2"
grep -q "bogus" "$WORK/err4" || fail "message: $(cat "$WORK/err4")"
"$SIM" ctl > /dev/null 2> "$WORK/err5"
[ $? -eq 2 ] || fail "ctl without a command did not exit 2"
echo "PASS"
