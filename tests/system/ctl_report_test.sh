#!/usr/bin/env bash
# prepaidctl report (issue 14 item 5) as the office meets it: a month's sales equal to the
# ledger's sum, in a table, CSV, JSON and an Excel workbook opened with openpyxl (money as real
# numbers with format 0.00, the header row frozen, the title, period and made-at on top, Chinese
# headers with --lang zh_CN); the roll-ups rebuilt from readings written with sqlite3 (a poll
# stood in for) and the energy report from them; the daily report with the system log's chain
# head as `log verify` prints it; a cashier's own shift report and another's refused; bad
# arguments exit 2.
# Usage: ctl_report_test.sh PREPAIDCTL PROFILES_DIR SQLITE3 PYTHON3
set -euo pipefail
ctl=$1 profiles=$2 sqlite=$3 python=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > model.yaml <<'YAML'
site: {name: ctl-report-test}
buildings:
  - id: b1
    floors: [{number: 4, rooms: ["401", "402"]}]
buses:
  - id: bus1
    boxes:
      - {address: 4, model: adf300l-i, building: b1, floor: 4,
         meters: [{circuit: 1, room: "401"}, {circuit: 2, room: "402"}]}
accounts:
  - {id: A401, tenant: Wang, room: "401", meters: [bus1/4/1]}
  - {id: A402, tenant: Li, room: "402", meters: [bus1/4/2]}
YAML
cat > site.yaml <<'YAML'
name: ctl-report-test
utc_offset: "+08:00"
buses:
  - {id: bus1, port: ./no-such-port, boxes: [{address: 4, model: adf300l-i, profile: adf300l}]}
YAML
source "$(dirname "$0")/../support/ctl_lib.sh"
ctl_operators "$ctl" site.db
ctl() { ctl_as "$ctl" --db site.db "$@"; }
expect_rc 0 ctl site import model.yaml
expect_rc 0 ctl --config site.yaml --profiles "$profiles" sale --account A401 --amount 20.00
expect_rc 0 ctl --config site.yaml --profiles "$profiles" sale --account A401 --amount 12.34
expect_rc 0 ctl --config site.yaml --profiles "$profiles" sale --account A402 --amount 7.50
month=(--from 2020-01-01T00:00:00+08:00 --to 2100-01-01T00:00:00+08:00)
ledger_sales=$("$sqlite" site.db "SELECT printf('%.2f', sum(amount_fen) / 100.0) FROM ledger
  WHERE kind = 'sale'")
[[ $ledger_sales == 39.84 ]] || fail "ledger holds $ledger_sales of sales"

# The table, CSV and JSON of the sales agree with the ledger.
expect_rc 0 ctl --config site.yaml --profiles "$profiles" --lang en report sales "${month[@]}" \
  --by year
has "^Sales" out.txt "no title"
has "^period: 2020-01-01T00:00:00+08:00 to 2100-01-01T00:00:00+08:00" out.txt "no period"
has "^made at: " out.txt "no made-at"
has "^total .* $ledger_sales " out.txt "total is not the ledger's"
expect_rc 0 ctl --lang en report sales "${month[@]}" --by-cashier --csv
has '^"period","cashier","sales","refunds","reversals","pending","net","entries"$' out.txt \
  "CSV header"
has "\"qa-cashier\",$ledger_sales,0.00,0.00,0.00,$ledger_sales,3$" out.txt "CSV row"
expect_rc 0 ctl --json report sales "${month[@]}"
"$python" -c 'import json,sys; j=json.load(open("out.txt")); assert j["totals"][1] == sys.argv[1], j' \
  "$ledger_sales" || fail "JSON totals"

# The workbook, in Chinese: real numbers formatted 0.00, the header frozen, the head on top.
expect_rc 0 ctl --config site.yaml --profiles "$profiles" --lang zh_CN report sales \
  "${month[@]}" --by year --xlsx sales.xlsx
[[ -s sales.xlsx ]] || fail "no workbook"
"$python" - sales.xlsx "$ledger_sales" <<'PY' || fail "the sales workbook is not as it should be"
import sys
from decimal import Decimal
from openpyxl import load_workbook
wb = load_workbook(sys.argv[1])
ws = wb.worksheets[0]
assert ws.title == "sales", ws.title
assert ws["A1"].value == "售电报表", ws["A1"].value
assert ws["A2"].value.startswith("时段：2020-01-01T00:00:00+08:00"), ws["A2"].value
assert ws["A3"].value.startswith("制表时间："), ws["A3"].value
assert ws.freeze_panes == "A6", ws.freeze_panes
assert [c.value for c in ws[5]][:3] == ["时段", "售电(元)", "退电(元)"], [c.value for c in ws[5]]
row = [c for c in ws[6]]
assert isinstance(row[1].value, float), row[1].value
assert row[1].number_format == "0.00", row[1].number_format
assert Decimal(str(row[1].value)).quantize(Decimal("0.01")) == Decimal(sys.argv[2]), row[1].value
total = [c.value for c in ws[7]]
assert total[0] == "合计", total
PY

# The roll-ups rebuilt from readings (2026-12-05 local: 10.00 kWh on bus1/4/1 across 12:00), and
# the energy report of that day by floor, with its workbook.
"$sqlite" site.db "
INSERT INTO readings (at, meter, energy_wh, power_w, balance_fen, relay, mode, status_bits,
  purchase_count, purchase_total_fen) VALUES
  (1796443200000, 'bus1/4/1', 100000, 0, 0, 1, 'prepaid', 0, 0, 0),
  (1796457600000, 'bus1/4/1', 110000, 0, 0, 1, 'prepaid', 0, 0, 0),
  (1796443200000, 'bus1/4/2', 5000, 0, 0, 1, 'prepaid', 0, 0, 0),
  (1796457600000, 'bus1/4/2', 5250, 0, 0, 1, 'prepaid', 0, 0, 0);"
expect_rc 1 ctl_as "$ctl" --db site.db --session-file "$ctl_sessions_root/site.db/cashier" \
  report rebuild
expect_rc 0 ctl --config site.yaml --profiles "$profiles" --lang en report rebuild
has "rebuilt from 4 readings" out.txt "rebuild output"
day=(--from 2026-12-05T00:00:00+08:00 --to 2026-12-06T00:00:00+08:00)
expect_rc 0 ctl --config site.yaml --profiles "$profiles" --lang en --json report energy \
  "${day[@]}" --group floor
"$python" -c '
import json; j = json.load(open("out.txt"))
assert j["rows"] == [["2026-12-05", "b1/4", "0.000", "0.000", "10.250", "0.000", "10.250", "0.00"]], j["rows"]
' || fail "energy by floor: $(cat out.txt)"
expect_rc 0 ctl --config site.yaml --profiles "$profiles" --lang zh_CN report energy "${day[@]}" \
  --group meter --xlsx energy.xlsx
"$python" - energy.xlsx <<'PY' || fail "the energy workbook is not as it should be"
import sys
from openpyxl import load_workbook
ws = load_workbook(sys.argv[1]).worksheets[0]
assert ws["A1"].value.startswith("用电量报表"), ws["A1"].value
assert [c.value for c in ws[5]][6] == "电量(kWh)", [c.value for c in ws[5]]
assert ws["G6"].value == 10.0 and ws["G6"].number_format == "0.000", (ws["G6"].value, ws["G6"].number_format)
assert ws["B6"].value == "bus1/4/1", ws["B6"].value
PY

# The daily report carries the chain head as `log verify` prints it.
expect_rc 0 ctl --lang en log verify
head_hash=$(grep -o '[0-9a-f]\{64\}' out.txt | head -1)
[[ -n $head_hash ]] || { cat out.txt; fail "log verify printed no hash"; }
expect_rc 0 ctl --config site.yaml --profiles "$profiles" --lang en report daily --day 2026-12-05
has "system log head: hash *$head_hash" out.txt "daily report without the chain head"
has "energy used *10.250" out.txt "daily energy"

# The readings export and a statement.
expect_rc 0 ctl --lang en report readings --csv
has '^"bus1/4/1","b1","4","401","A401","Wang",' out.txt "readings export row"
expect_rc 0 ctl --config site.yaml --profiles "$profiles" --lang en report statement \
  --account A401 "${month[@]}" --xlsx statement.xlsx
"$python" -c '
from openpyxl import load_workbook
wb = load_workbook("statement.xlsx"); assert [w.title for w in wb.worksheets] == ["statement", "use"], wb.sheetnames
' || fail "statement workbook sheets"

# A cashier's own shift report; another's is refused.
expect_rc 0 ctl --lang en report shift "${month[@]}"
has "^Shift report of qa-cashier" out.txt "shift title"
has "^total .* 39.84 " out.txt "shift total"
expect_rc 1 ctl --lang en report shift "${month[@]}" --cashier someone-else
has "only their own shift report" err.txt "refusal not explained"

# Bad arguments: what, where, what to do; exit 2.
expect_rc 2 ctl --lang en report sales --from yesterday --to 2100-01-01T00:00:00+08:00
has '--from "yesterday" is not a time' err.txt "bad --from"
expect_rc 2 ctl --lang en report sales "${month[@]}" --by week
has '--by "week" is not one of day, month, year' err.txt "bad --by"
expect_rc 2 ctl --lang en report energy "${day[@]}" --group street
has '--group "street" is not one of' err.txt "bad --group"
expect_rc 2 ctl --lang en report sales --from 2026-12-06T00:00:00+08:00 \
  --to 2026-12-05T00:00:00+08:00
has "period is empty" err.txt "empty period"
expect_rc 2 ctl --lang en report daily --day 2026-02-30
expect_rc 2 ctl --lang en report sales "${month[@]}" --csv --xlsx x.xlsx
[[ ! -e x.xlsx ]] || fail "a workbook written despite the usage error"
echo "ctl_report_test: ok"
