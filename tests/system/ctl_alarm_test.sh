#!/usr/bin/env bash
# prepaidctl alarm (issue 14 item 3) as an operator meets it: `alarm list` shows the alarms
# with their kind in words, target, raised and cleared times in the site's zone and who
# acknowledged; --active, --kind, --meter (meter, box or bus), --from/--to narrow it; --json and
# --csv; --lang zh_CN names the kinds in Chinese; `alarm ack ID` acknowledges once (a second ack,
# an unknown id and a role that may not are refused and change nothing); the list and the
# offline report as Excel workbooks (--xlsx, opened with openpyxl); bad arguments exit 2.
# The daemon's findings are stood in for by writing alarm rows with the sqlite3 shell.
# Usage: ctl_alarm_test.sh PREPAIDCTL PROFILES_DIR SQLITE3 PYTHON3
set -euo pipefail
ctl=$1 profiles=$2 sqlite=$3 python=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > model.yaml <<'YAML'
site: {name: ctl-alarm-test}
buses:
  - id: bus1
    boxes:
      - {address: 4, model: adf300l-i, meters: [{circuit: 1}, {circuit: 2}]}
accounts:
  - {id: A401, tenant: Wang, meters: [bus1/4/1]}
YAML
cat > site.yaml <<'YAML'
name: ctl-alarm-test
utc_offset: "+08:00"
buses:
  - {id: bus1, port: ./no-such-port, boxes: [{address: 4, model: adf300l-i, profile: adf300l}]}
YAML
source "$(dirname "$0")/../support/ctl_lib.sh"
ctl_operators "$ctl" site.db
ctl() { ctl_as "$ctl" --db site.db "$@"; }
expect_rc 0 ctl site import model.yaml

# What the daemon raised: 2026-12-05T08:00:00Z a box offline (cleared 09:00Z), a meter in
# alarm 1 still active, an account's balance mismatch.
at=1796457600000
"$sqlite" site.db "
INSERT INTO alarms (kind, bus, box, circuit, account, raised_at, cleared_at, details) VALUES
  ('box_offline', 'bus1', 4, NULL, '', $at, $((at + 3600000)), '{\"failed_cycles\":3}'),
  ('alarm1', 'bus1', 4, 1, '', $((at + 1800000)), NULL, '{\"balance\":\"15.00\"}'),
  ('balance_mismatch', '', NULL, NULL, 'A401', $((at + 7200000)), NULL, '{\"off_by\":\"1.20\"}');"

expect_rc 0 ctl --config site.yaml --profiles "$profiles" --lang en alarm list
has "^id  kind  target  raised  cleared  acknowledged" out.txt "no header"
has "^1  box offline  bus1/4  2026-12-05T16:00:00+08:00  2026-12-05T17:00:00+08:00" out.txt \
  "box offline row wrong (kind in words, times in the site zone)"
has "^2  balance alarm 1  bus1/4/1  2026-12-05T16:30:00+08:00  \[active\]" out.txt \
  "alarm 1 row wrong"
has "^3  balance mismatch  account A401" out.txt "account alarm row wrong"
has "3 alarm(s), 2 active" out.txt "counts wrong"
# Without a site file, times are UTC.
expect_rc 0 ctl --lang en alarm list
has "2026-12-05T08:00:00+00:00" out.txt "time without a site file not UTC"

# Filters: realtime, kind, target (meter, box, bus), time.
expect_rc 0 ctl --lang en alarm list --active
hasnt "box offline" out.txt "--active kept a cleared alarm"
has "balance alarm 1" out.txt "--active lost an active alarm"
expect_rc 0 ctl --lang en alarm list --kind alarm1
has "1 alarm(s), 1 active" out.txt "--kind"
expect_rc 0 ctl --lang en alarm list --meter bus1/4
has "2 alarm(s)" out.txt "--meter BUS/BOX: the box and its meters"
expect_rc 0 ctl --lang en alarm list --meter bus1/4/1
has "1 alarm(s), 1 active" out.txt "--meter BUS/BOX/CIRCUIT"
expect_rc 0 ctl --lang en alarm list --from 2026-12-05T17:30:00+08:00
hasnt "box offline" out.txt "--from kept an alarm cleared before it"
has "2 alarm(s), 2 active" out.txt "--from"
expect_rc 0 ctl --lang en alarm list --to 2026-12-05T16:10:00+08:00
has "1 alarm(s), 0 active" out.txt "--to"
expect_rc 0 ctl --lang en alarm list --kind meter_offline
has "no alarm matches" out.txt "empty list not said"

# --json and --csv.
expect_rc 0 ctl --json --config site.yaml --profiles "$profiles" alarm list --active
has '"kind":"alarm1"' out.txt "json kind"
has '"target":{"account":null,"box":4,"bus":"bus1","circuit":1}' out.txt "json target"
has '"raised_at":"2026-12-05T16:30:00+08:00"' out.txt "json time not in the site zone"
has '"cleared_at":null' out.txt "json active"
has '"details":{"balance":"15.00"}' out.txt "json details"
expect_rc 0 ctl --lang en alarm list --csv
[[ $(wc -l < out.txt) == 4 ]] || { cat out.txt >&2; fail "csv lines"; }
has '^"id","kind",kind_code,"target","raised","cleared","acknowledged",details' out.txt "csv header"
has '^1,"box offline",box_offline,"bus1/4","2026-12-05T08:00:00+00:00","2026-12-05T09:00:00+00:00"' \
  out.txt "csv row"
expect_rc 2 ctl alarm list --csv --json

# Chinese kind names and headers.
expect_rc 0 ctl --lang zh_CN alarm list
has "计量箱失联" out.txt "zh_CN box offline"
has "余额报警1" out.txt "zh_CN alarm 1"
has "未恢复" out.txt "zh_CN active"

# Acknowledging: once, by a role that may; refusals change nothing.
count_acks() { "$sqlite" site.db "SELECT count(*) FROM alarms WHERE acknowledged_by IS NOT NULL"; }
log_rows() { "$sqlite" site.db "SELECT count(*) FROM audit WHERE action = 'ack_alarm'"; }
PHIL_SESSION_FILE="$ctl_sessions_root/site.db/cashier" expect_rc 1 "$ctl" --db site.db \
  --lang en alarm ack 2
has "may not ack_alarm" err.txt "cashier's ack not refused by role"
[[ $(count_acks) == 0 ]] || fail "a refused ack changed an alarm"
expect_rc 0 ctl --config site.yaml --profiles "$profiles" --lang en alarm ack 2
has "alarm 2 (balance alarm 1, bus1/4/1) acknowledged by qa-engineer at 20" out.txt \
  "ack not reported"
[[ $(count_acks) == 1 && $(log_rows) == 1 ]] || fail "ack not stored with one log row"
expect_rc 0 ctl --lang en alarm list --kind alarm1
has "qa-engineer" out.txt "list does not show who acknowledged"
PHIL_SESSION_FILE="$ctl_sessions_root/site.db/manager" expect_rc 1 "$ctl" --db site.db \
  --lang en alarm ack 2
has "acknowledged already by qa-engineer" err.txt "second ack not refused"
expect_rc 1 ctl --lang en alarm ack 99
has "no alarm 99" err.txt "unknown id not refused"
[[ $(count_acks) == 1 && $(log_rows) == 1 ]] || fail "a refused ack changed something"
expect_rc 0 ctl --json alarm ack 1
has '"acknowledged_by":"qa-engineer"' out.txt "json ack"

# The offline report (a manager's or an auditor's: report).
mgr() { PHIL_SESSION_FILE="$ctl_sessions_root/site.db/manager" "$ctl" --db site.db "$@"; }
expect_rc 0 mgr --config site.yaml --profiles "$profiles" --lang en alarm offline \
  --from 2026-12-05T15:00:00+08:00 --to 2026-12-05T20:00:00+08:00
has "offline from 2026-12-05T15:00:00+08:00 to 2026-12-05T20:00:00+08:00" out.txt "no period"
has "bus1/4 (box offline): offline 1 time(s), 1 h 0 min in all" out.txt "box total wrong"
has "went offline 2026-12-05T16:00:00+08:00  back 2026-12-05T17:00:00+08:00" out.txt "spell"
hasnt "balance" out.txt "offline report lists other kinds"
expect_rc 0 mgr --json alarm offline --from 2026-12-05T16:30:00+08:00 \
  --to 2026-12-05T20:00:00+08:00
has '"offline_s":1800' out.txt "json total not clipped to the period"
expect_rc 0 mgr --lang en alarm offline --csv --from 2026-12-05T15:00:00+08:00
has '^"box offline",box_offline,"bus1/4","2026-12-05T08:00:00+00:00","2026-12-05T09:00:00+00:00",3600' \
  out.txt "csv offline row"
# As workbooks: the offline report in Chinese (minutes as numbers, a total) and the list.
expect_rc 0 mgr --config site.yaml --profiles "$profiles" --lang zh_CN alarm offline \
  --from 2026-12-05T15:00:00+08:00 --to 2026-12-05T20:00:00+08:00 --xlsx offline.xlsx
expect_rc 0 mgr --config site.yaml --profiles "$profiles" --lang en alarm list --xlsx alarms.xlsx
"$python" - offline.xlsx alarms.xlsx <<'PY' || fail "the alarm workbooks are not as they should be"
import sys
from openpyxl import load_workbook
ws = load_workbook(sys.argv[1]).worksheets[0]
assert ws.title == "offline", ws.title
assert ws["A1"].value == "离线表计与通讯管理机", ws["A1"].value
assert ws["A2"].value.startswith("时段：2026-12-05T15:00:00+08:00"), ws["A2"].value
assert ws.freeze_panes == "A6", ws.freeze_panes
head = [c.value for c in ws[5]]
assert head[-1] == "离线时长(分钟)", head
row = [c.value for c in ws[6]]
assert row[1] == "bus1/4" and row[2] == "2026-12-05T16:00:00+08:00", row
assert row[3] == "2026-12-05T17:00:00+08:00" and row[4] == 60, row
total = [c.value for c in ws[7]]
assert total[0] == "合计" and total[4] == 60, total
ws = load_workbook(sys.argv[2]).worksheets[0]
assert ws["A1"].value == "Alarms", ws["A1"].value
ids = [ws.cell(row=r, column=1).value for r in range(6, ws.max_row + 1)]
assert ids == [1, 2, 3], ids
assert ws["B6"].value == "box offline" and ws["C6"].value == "bus1/4", (ws["B6"].value, ws["C6"].value)
assert ws["F6"].value == "qa-engineer", ws["F6"].value
PY
expect_rc 2 mgr alarm offline --from 2026-12-05T15:00:00+08:00 --csv --xlsx x.xlsx
has "give one of --csv, --json and --xlsx" err.txt "two outputs not refused"
expect_rc 1 mgr alarm list --xlsx no-such-dir/a.xlsx
[[ ! -e no-such-dir ]] || fail "a workbook's missing folder was made"
expect_rc 0 mgr --lang zh_CN alarm offline --from 2026-12-04T15:00:00+08:00 \
  --to 2026-12-05T15:00:00+08:00
has "该时段内没有失联" out.txt "zh_CN empty report"
expect_rc 1 ctl --lang en alarm offline --from 2026-12-05T15:00:00+08:00
has "may not report" err.txt "engineer's report not refused by role"
expect_rc 2 mgr --lang en alarm offline --from 2026-12-05T20:00:00+08:00 \
  --to 2026-12-05T15:00:00+08:00
has "is empty: --from must be before --to" err.txt "empty period not explained"

# The SMS those alarms gave (issue 14 item 4), as the daemon's notifier wrote them: alarm 1's
# to the tenant sent, the mismatch's to an office phone still pending after a failed try.
"$sqlite" site.db "
INSERT INTO notices (alarm, phase, audience, kind, account, phone, language, text, state, reason,
                     created_at, due_at, tries, last_error, sent_at) VALUES
  (2, 'raised', 'tenant', 'alarm1', 'A401', '13800138000', 'zh_CN', 'Wang, balance 15.00', 'sent',
   '', $((at + 1800000)), $((at + 1800000)), 1, '', $((at + 1801000))),
  (3, 'raised', 'office', 'office', '', '13900000000', 'en', 'Alarm: balance mismatch', 'pending',
   '', $((at + 7200000)), $((at + 7260000)), 1, 'answered 500', NULL);"
expect_rc 0 ctl --config site.yaml --profiles "$profiles" --lang en alarm sms
has "13800138000" out.txt "tenant SMS not listed"
has "Wang, balance 15.00" out.txt "SMS text not shown"
has "answered 500" out.txt "pending SMS's last error not shown"
expect_rc 0 ctl --config site.yaml --profiles "$profiles" --lang zh_CN alarm sms --state sent
has "已发送" out.txt "sent state not in Chinese"
hasnt "13900000000" out.txt "--state sent kept a pending SMS"
expect_rc 0 ctl --json alarm sms --account A401
"$python" - out.txt <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["ok"] is True, doc
assert len(doc["rows"]) == 1, doc["rows"]
PY
expect_rc 2 ctl --lang en alarm sms --kind alarm9
has "not an SMS kind" err.txt "bad SMS kind not explained"
expect_rc 2 ctl --lang en alarm sms --state lost
has "not an SMS state" err.txt "bad SMS state not explained"

# Bad arguments: exit 2 with what to write.
expect_rc 2 ctl --lang en alarm list --kind offline
has "not an alarm kind; give one of: alarm1, alarm2" err.txt "bad kind not explained"
expect_rc 2 ctl --lang en alarm list --meter bus1/x
has "is not a meter, box or bus" err.txt "bad target not explained"
expect_rc 2 ctl --lang en alarm list --from yesterday
expect_rc 2 ctl --lang en alarm ack first
has "is not a number" err.txt "bad id not explained"
echo "ctl_alarm_test: OK"
