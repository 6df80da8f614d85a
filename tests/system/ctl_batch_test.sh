#!/usr/bin/env bash
# prepaidctl batch commands (issue 14 item 2) as an operator meets them: a selection by the
# board's filters, a meters file or --all; the preview (count, first rows, the checks' refusals);
# nothing sent without a confirmation (typed yes, or --yes); each meter its own tracked command;
# `command status` and `command status --batch N` (table, --json, --csv, --xlsx opened with
# openpyxl); one system log row per batch; bad selections exit 2 and change nothing; zh_CN.
# A poll is stood in for by writing the meters' last readings with the sqlite3 shell.
# Usage: ctl_batch_test.sh PREPAIDCTL PROFILES_DIR SQLITE3 PYTHON3
set -euo pipefail
ctl=$1 profiles=$2 sqlite=$3 python=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > model.yaml <<'YAML'
site: {name: ctl-batch-test, thresholds: {alarm1: "20.00", alarm2: "5.00"}}
buildings:
  - id: b1
    floors: [{number: 4, rooms: ["401", "402", "403"]}, {number: 5, rooms: ["501", "502"]}]
buses:
  - id: bus1
    boxes:
      - {address: 4, model: adf300l-i, floor: 4,
         meters: [{circuit: 1, room: "401"}, {circuit: 2, room: "402"}, {circuit: 3, room: "403"}]}
      - {address: 5, model: adf300l-i, floor: 5,
         meters: [{circuit: 1, room: "501"}, {circuit: 2, room: "502"}]}
accounts:
  - {id: A401, tenant: Wang, room: "401", meters: [bus1/4/1]}
  - {id: A402, tenant: Li, room: "402", meters: [bus1/4/2]}
  - {id: A403, tenant: Zhao, room: "403", meters: [bus1/4/3]}
  - {id: A501, tenant: Chen, room: "501", meters: [bus1/5/1]}
YAML
cat > site.yaml <<'YAML'
name: ctl-batch-test
utc_offset: "+08:00"
buses:
  - {id: bus1, port: ./no-such-port, boxes: [{address: 4, model: adf300l-i, profile: adf300l},
                                             {address: 5, model: adf300l-i, profile: adf300l}]}
YAML
source "$(dirname "$0")/../support/ctl_lib.sh"
ctl_operators "$ctl" site.db
ctl() { ctl_as "$ctl" --db site.db --config site.yaml --profiles "$profiles" --lang en "$@"; }
expect_rc 0 ctl site import model.yaml
at=1796457600000
"$sqlite" site.db "
UPDATE meters SET read_at = $at, energy_wh = 1, power_w = 0, relay = 1, mode = 'prepaid',
  balance_fen = 10000, status = 'normal' WHERE id IN ('bus1/4/1', 'bus1/4/2', 'bus1/4/3');
UPDATE meters SET read_at = $at, energy_wh = 1, power_w = 0, relay = 0, mode = 'prepaid',
  balance_fen = -50, status = 'arrears' WHERE id = 'bus1/5/1';"
outbox() { "$sqlite" site.db "SELECT count(*) FROM outbox WHERE kind IN ('mode', 'price')"; }
batches() { "$sqlite" site.db "SELECT count(*) FROM command_batches"; }

# A dry run shows the preview and sends nothing.
expect_rc 0 ctl command trip --status arrears --dry-run
has "^trip (relay=forced_off) for 1 meters; the checks refuse 0 of them" out.txt "no preview line"
has "bus1/5/1 *A501 *Chen *arrears *-0.50 *open" out.txt "preview row wrong"
has "^state as of 20" out.txt "the preview's instant not shown as such"
hasnt "^period:" out.txt "the preview shown as a period from now to now"
[[ $(batches) == 0 && $(outbox) == 0 ]] || fail "a dry run sent something"

# Without a confirmation nothing is sent: stdin at its end, or an answer other than yes.
expect_rc 1 ctl command trip --floor 4 --status normal < /dev/null
has "Send trip to 3 meters? Type yes to send:" out.txt "no question"
has "not sent: not confirmed" err.txt "no refusal to send"
expect_rc 1 ctl command trip --floor 4 --status normal <<< "no"
[[ $(batches) == 0 && $(outbox) == 0 ]] || fail "an unconfirmed batch sent something"

# Typed yes: one batch, each meter its own pending command.
expect_rc 0 ctl command trip --floor 4 --status normal <<< "yes"
has "batch #1: trip queued for 3 meters, 0 refused; follow it with: prepaidctl command status --batch 1" \
  out.txt "no batch line"
[[ $(outbox) == 3 ]] || fail "expected 3 trip commands, found $(outbox)"
[[ $("$sqlite" site.db "SELECT count(DISTINCT command) FROM command_batch_members WHERE batch = 1") == 3 ]] ||
  fail "members do not each have their own command"

# A close of the floor-5 box (12 circuits): the meter at -0.50 is refused with why, the others
# (never read) are queued.
expect_rc 0 ctl command close --box bus1/5 --preview 1 --yes
has "close (relay=close) for 12 meters; the checks refuse 1 of them" out.txt "close preview wrong"
has "bus1/5/1 .*balance -0.50: sell first, or use keep-power" out.txt "refusal not in the preview"
has "batch #2: close queued for 11 meters, 1 refused" out.txt "close batch line wrong"

# Progress: the table, --json, --csv and the list of batches.
expect_rc 0 ctl command status --batch 2
has "batch #2: 12 meters: 0 confirmed, 11 pending, 0 failed, 0 superseded, 1 refused (in progress)" \
  out.txt "no progress line"
has "bus1/5/1 .*refused .*balance -0.50" out.txt "refused member not shown"
has "bus1/5/2 .*pending" out.txt "pending member not shown"
expect_rc 0 ctl --json command status --batch 1
"$python" - out.txt <<'PY' || fail "command status --json wrong"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["ok"] and j["batch"] == 1 and not j["done"], j
assert j["progress"] == {"members": 3, "pending": 3, "in_flight": 0, "confirmed": 0,
                         "failed": 0, "superseded": 0, "refused": 0}, j["progress"]
assert [r[0] for r in j["rows"]] == ["bus1/4/1", "bus1/4/2", "bus1/4/3"], j["rows"]
PY
expect_rc 0 ctl command status --batch 1 --csv
[[ $(grep -c '^"bus1/4/' out.txt) == 3 ]] || { cat out.txt >&2; fail "csv rows wrong"; }
expect_rc 0 ctl command status
has "^ *2 .*qa-engineer .*close (relay=close) .*--box bus1/5 *12 *0 *11 *0 *1 *in progress" \
  out.txt "batch list row wrong"
expect_rc 0 ctl command status --batch 2 --xlsx batch.xlsx
"$python" - batch.xlsx <<'PY' || fail "xlsx of a batch wrong"
import sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1]).active
cells = [[c.value for c in row] for row in ws.iter_rows()]
header = next(i for i, r in enumerate(cells) if r[0] == "meter")
assert cells[header][:3] == ["meter", "command", "state"], cells[header]
rows = cells[header + 1:]
assert rows[0][0] == "bus1/5/1" and rows[0][2] == "refused", rows[0]
assert rows[1][0] == "bus1/5/2" and isinstance(rows[1][1], (int, float)), rows[1]
PY

# One system log row per batch, listing its members; no row per command.
expect_rc 0 ctl --json log --action command_batch
"$python" - out.txt <<'PY' || fail "batch log rows wrong"
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
assert len(rows) == 2, rows
d = json.loads(rows[0]["details"]) if isinstance(rows[0]["details"], str) else rows[0]["details"]
assert [m["meter"] for m in d["members"]] == ["bus1/4/1", "bus1/4/2", "bus1/4/3"], d
PY
expect_rc 0 ctl --json log --action command
grep -q '"rows":\[\]' out.txt || { cat out.txt >&2; fail "per-command log rows written"; }

# A meters file: comments and blank lines ignored; a bad line, a repeat or an unknown meter
# refused naming it, nothing sent.
printf '# the floor-4 tenants\nbus1/4/1\n\nbus1/4/2  # Li\n' > meters.txt
expect_rc 0 ctl command price --meters meters.txt --flat 0.6500 --yes
has "batch #3: price queued for 2 meters" out.txt "meters file batch wrong"
printf 'bus1/4/1\nbus1/4\n' > bad.txt
expect_rc 2 ctl command trip --meters bad.txt --yes
has "bad.txt:2: \"bus1/4\" is not a meter" err.txt "bad line not named"
printf 'bus1/4/1\nbus1/4/1\n' > twice.txt
expect_rc 2 ctl command trip --meters twice.txt --yes
has "twice.txt:2: meter bus1/4/1 is listed twice (first at line 1)" err.txt "repeat not named"
printf 'bus1/9/1\n' > unknown.txt
expect_rc 1 ctl command trip --meters unknown.txt --yes
has "meter bus1/9/1 is not at this site" err.txt "unknown meter not named"
expect_rc 2 ctl command trip --meters no-such-file.txt --yes
has "cannot read the file" err.txt "missing file not said"

# Bad selections exit 2; an empty one and a cashier are refused; none of them sends anything.
before=$(batches)
expect_rc 2 ctl command trip --meter bus1/4/1 --status arrears --yes
has "not both" err.txt "meter with a selection not refused"
expect_rc 2 ctl command trip --all --floor 4 --yes
has "one way" err.txt "two selections not refused"
expect_rc 2 ctl command trip
has "give --meter bus/box/circuit for one meter, or choose the meters of a batch" err.txt \
  "no selection not explained"
expect_rc 2 ctl command trip --meter bus1/4/1 --yes
has "--yes and --dry-run are for batches" err.txt "--yes on one meter not refused"
expect_rc 2 ctl command trip --status nonsense --yes
expect_rc 2 ctl command trip --account nobody --yes
has "the selection holds no meter" err.txt "empty selection not explained"
PHIL_SESSION_FILE="$ctl_sessions_root/site.db/cashier" "$ctl" --db site.db --config site.yaml \
  --profiles "$profiles" --lang en command trip --all --yes > out.txt 2> err.txt && fail "cashier sent a batch"
[[ $(batches) == "$before" ]] || fail "a refused batch was written"
expect_rc 1 ctl command status --batch 99
has "no batch 99" err.txt "unknown batch not said"

# --json without --yes shows the preview and sends nothing.
expect_rc 1 ctl --json command keep-power --all
"$python" - out.txt <<'PY' || fail "json preview wrong"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["ok"] is False and j["sent"] is False and j["preview"]["meters"] == 24, j
PY
[[ $(batches) == "$before" ]] || fail "--json without --yes sent a batch"

# Chinese.
ctl_as "$ctl" --db site.db --config site.yaml --profiles "$profiles" --lang zh_CN \
  command keep-power --all --dry-run > out.txt
has "保电" out.txt "no Chinese command name"
has "共 24 块电表" out.txt "no Chinese preview"
echo "PASS"
