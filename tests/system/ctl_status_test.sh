#!/usr/bin/env bash
# prepaidctl status (issue 14 item 1) as an operator meets it: the grouped table with a legend
# and counts, every status shown, balance in yuan, relay, mode, reading time in the site's zone
# and the action required; a filter; --json; --csv; colours only on a terminal (a pty made by
# script(1)) and never with NO_COLOR; --lang zh_CN; bad filters exit 2. A poll is stood in for by
# writing the meters' last readings with the sqlite3 shell.
# Usage: ctl_status_test.sh PREPAIDCTL PROFILES_DIR SQLITE3
set -euo pipefail
ctl=$1 profiles=$2 sqlite=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > model.yaml <<'YAML'
site: {name: ctl-status-test, thresholds: {alarm1: "20.00", alarm2: "5.00"}}
buildings:
  - id: b1
    floors: [{number: 4, rooms: ["401", "402", "403"]}, {number: 5, rooms: ["501", "502"]}]
buses:
  - id: bus1
    boxes:
      - {address: 4, model: adf300l-i, floor: 4,
         meters: [{circuit: 1, room: "401"}, {circuit: 2, room: "402"}, {circuit: 3, room: "403"}]}
      - {address: 5, model: adf300l-i, floor: 5,
         meters: [{circuit: 1, room: "501"}, {circuit: 2, room: "502"}, {circuit: 3}]}
accounts:
  - {id: A401, tenant: Wang, room: "401", meters: [bus1/4/1]}
  - {id: A402, tenant: Li, room: "402", meters: [bus1/4/2]}
  - {id: A403, tenant: Zhao, room: "403", meters: [bus1/4/3]}
  - {id: A501, tenant: Chen, room: "501", meters: [bus1/5/1]}
  - {id: A503, tenant: Sun, meters: [bus1/5/3]}
YAML
cat > site.yaml <<'YAML'
name: ctl-status-test
utc_offset: "+08:00"
buses:
  - {id: bus1, port: ./no-such-port, boxes: [{address: 4, model: adf300l-i, profile: adf300l},
                                             {address: 5, model: adf300l-i, profile: adf300l}]}
YAML
source "$(dirname "$0")/../support/ctl_lib.sh"
ctl_operators "$ctl" site.db
ctl() { ctl_as "$ctl" --db site.db "$@"; }
expect_rc 0 ctl site import model.yaml

# The polls' findings: 2026-12-05T08:00:00Z, one of each status, an on-site swap on bus1/4/2.
at=1796457600000
"$sqlite" site.db "
UPDATE meters SET read_at = $at, energy_wh = 1, power_w = 0, relay = 1, mode = 'prepaid',
  balance_fen = 10000, status = 'normal' WHERE id = 'bus1/4/1';
UPDATE meters SET read_at = $at, energy_wh = 1, power_w = 0, relay = 1, mode = 'prepaid',
  balance_fen = 1500, status = 'alarm1', swap_detected_at = $at WHERE id = 'bus1/4/2';
UPDATE meters SET read_at = $at, energy_wh = 1, power_w = 0, relay = 1, mode = 'keep_power',
  balance_fen = 300, status = 'alarm2' WHERE id = 'bus1/4/3';
UPDATE meters SET read_at = $at, energy_wh = 1, power_w = 0, relay = 0, mode = 'prepaid',
  balance_fen = -50, status = 'arrears' WHERE id = 'bus1/5/1';
UPDATE meters SET status = 'offline', failed_cycles = 3 WHERE id = 'bus1/5/3';"

# The table: legend, counts, groups, each status, yuan, the site's zone, the action to type.
expect_rc 0 ctl --config site.yaml --profiles "$profiles" --lang en status
has "legend: normal  alarm 1  alarm 2  arrears  not opened  offline" out.txt "no legend"
has "6 meters: normal 1  alarm 1 1  alarm 2 1  arrears 1  not opened 1  offline 1" out.txt \
  "counts wrong"
has "^building b1" out.txt "no building group"
has "^  floor 4" out.txt "no floor group"
has "^   box bus1/5" out.txt "no box group"
has "bus1/5/1 *501 *A501 *Chen *arrears *-0.50 *open *prepaid *2026-12-05T16:00:00+08:00" out.txt \
  "arrears row wrong"
has "bus1/4/3 .*alarm 2 *3.00 *closed *keep power" out.txt "alarm 2 row wrong"
has "bus1/5/2 .*not opened .*never read" out.txt "not opened row wrong"
has "bus1/5/3 .*A503 .*offline" out.txt "offline row wrong"
has "meter swapped on site: prepaidctl meter replace bus1/4/2 --in-place" out.txt "no action"
grep -q $'\x1b\[' out.txt && fail "colours written to a file"
# Without a site file, times are UTC.
expect_rc 0 ctl --lang en status
has "2026-12-05T08:00:00+00:00" out.txt "time without a site file not UTC"

# Colours on a terminal only, and never with NO_COLOR.
if script -qec true /dev/null > /dev/null 2>&1; then
  cmd="PHIL_SESSION_FILE=$ctl_sessions_root/site.db/auditor $ctl --db site.db --lang en status"
  script -qec "$cmd" /dev/null > tty.txt
  grep -q $'\x1b\[1;31marrears' tty.txt || { cat -v tty.txt >&2; fail "no colours on a terminal"; }
  NO_COLOR=1 script -qec "$cmd" /dev/null > tty.txt
  grep -q $'\x1b\[' tty.txt && { cat -v tty.txt >&2; fail "colours despite NO_COLOR"; }
  has "arrears" tty.txt "no table on the terminal"
fi
expect_rc 0 ctl --lang en status --color always
grep -q $'\x1b\[32m' out.txt || fail "--color always wrote no colour"

# A filter narrows rows and counts.
expect_rc 0 ctl --lang en status --floor 5 --status arrears
has "1 meters: normal 0  alarm 1 0  alarm 2 0  arrears 1" out.txt "filtered counts wrong"
hasnt "bus1/4/1" out.txt "filter kept another floor"
expect_rc 0 ctl --lang en status --text WANG
has "bus1/4/1" out.txt "text filter lost the tenant"
hasnt "bus1/4/2" out.txt "text filter kept another tenant"
expect_rc 0 ctl --lang en status --box bus1/4 --account A402
has "bus1/4/2" out.txt "box and account filter"
expect_rc 0 ctl --lang en status --building nowhere
has "no meter matches" out.txt "empty board not said"

# --json: counts, grouping and each row's fields.
expect_rc 0 ctl --json --config site.yaml --profiles "$profiles" status
has '"total":6' out.txt "json total"
has '"arrears":1' out.txt "json counts"
has '"meter":"bus1/5/1"' out.txt "json row"
has '"balance":"-0.50"' out.txt "json balance not yuan"
has '"read_at":"2026-12-05T16:00:00+08:00"' out.txt "json time not in the site zone"
has '"actions":\["meter_swapped"\]' out.txt "json actions"
has '"building":"b1","floors":\[{"boxes"' out.txt "json grouping"

# --csv: one header, one line per meter.
expect_rc 0 ctl status --csv --status alarm1
[[ $(wc -l < out.txt) == 2 ]] || { cat out.txt >&2; fail "csv lines"; }
has "^building,floor,bus,box,circuit,meter" out.txt "csv header"
has '^"b1",4,"bus1",4,2,"bus1/4/2","402","A402","Li",alarm1,15.00,closed,prepaid' out.txt "csv row"
expect_rc 2 ctl status --csv --json

# Chinese.
expect_rc 0 ctl --lang zh_CN status
has "图例：正常  报警1  报警2  欠费  未开户  失联" out.txt "zh_CN legend"
has "楼栋 b1" out.txt "zh_CN building"
has "欠费" out.txt "zh_CN status"
has "余额(元)" out.txt "zh_CN header"

# Bad filters: exit 2 with what to write.
expect_rc 2 ctl status --status red
has "not a status; give normal, alarm1" err.txt "bad status not explained"
expect_rc 2 ctl status --floor four
expect_rc 2 ctl status --box bus1/999
echo "ctl_status_test: OK"
