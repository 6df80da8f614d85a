#!/usr/bin/env bash
# prepaidctl's tariffs as an operator runs them: tariff add (single price, TOU with tiers, a new
# version), tariff assign (site default, one meter), tariff list (table and --json), refusals
# (exit 1 with the reason, nothing stored) and bad arguments or tariffs (exit 2); command price
# as the meter's own tariff (issue 12.4); tariff add
# --file (the YAML form stores exactly what the flag form does; a bad file: exit 2, file:line,
# nothing stored).
# Usage: ctl_tariff_test.sh PREPAIDCTL PROFILES_DIR
set -euo pipefail
ctl=$1 profiles=$2
source "$(dirname "$0")/../support/ctl_lib.sh"
example=$(cd "$(dirname "$0")/../../system/app/examples" && pwd)/tariff-residential-tou-tiered.yaml
[[ -f $example ]] || fail "example tariff file $example missing"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > site.yaml <<'YAML'
name: ctl-tariff-test
price: "0.6000"
buses:
  - {id: bus1, port: ./no-such-port, boxes: [{address: 1, model: adf300l-i, profile: adf300l}]}
YAML
ctl() { ctl_as "$ctl" --db site.db "$@"; }
site() { ctl_as "$ctl" --db site.db --config site.yaml --profiles "$profiles" "$@"; }
for db in site.db flags.db file.db; do ctl_operators "$ctl" $db; done  # only init creates

expect_rc 0 ctl tariff list
grep -q "no tariff stored" out.txt || fail "empty list not explained"
expect_rc 0 ctl tariff add standard --from 2026-03-01T00:00:00+08:00 --price 0.6000
grep -q "tariff standard: version from 2026-03-01T00:00:00+08:00 added" out.txt || fail "add output"
expect_rc 0 ctl tariff add tou --from 2026-03-01T00:00:00+08:00 --rates 1.2000,0.9000,0.6000,0.3000 \
  --periods 00:00=valley,08:00=peak,11:00=sharp,13:00=flat,22:00=valley \
  --tiers 0=0,200=0.0500,400=0.3000 --tier-period monthly --reset-day 5
expect_rc 0 ctl tariff add standard --from 2026-07-01T00:00:00+08:00 --price 0.6500
# The meter is known once the site's meters are registered (--config).
expect_rc 1 ctl tariff assign tou --meter bus1/1/1
grep -q "not configured" err.txt || fail "unknown meter not explained"
expect_rc 0 site tariff assign tou --meter bus1/1/1
expect_rc 0 ctl tariff assign standard --site
grep -q "tariff standard assigned to the site" out.txt || fail "assign output"
grep -Eq "^standard +2026-07-01T00:00:00\+08:00 +0\.6500 .*; site$" out.txt || { cat out.txt; fail "table"; }
grep -Eq "^tou .*22:00=valley; monthly from day 5: .*; bus1/1/1$" out.txt || { cat out.txt; fail "table"; }
expect_rc 0 ctl --json tariff list
grep -q '"name":"tou"' out.txt || fail "json list"
grep -q '"meters":\["bus1/1/1"\]' out.txt || fail "json meters"
grep -q '"target":"bus1/1/1"}\]' out.txt || fail "json assignment history"
grep -q '"from_wh":200000,"surcharge":500' out.txt || fail "json tiers"
# meter show: the tariff in force for the meter (its own, else the site's) against the price
# table read back from the meter (none yet); a tiered tariff has no table on the meter.
expect_rc 0 ctl meter show bus1/1/2
grep -Eq "^tariff +standard \(site\): sharp 0\.6500, peak 0\.6500, flat 0\.6500, valley 0\.6500 yuan/kWh$" \
  out.txt || { cat out.txt; fail "meter show: the site's tariff"; }
grep -q "^on meter    not known yet (no price download read back)" out.txt ||
  { cat out.txt; fail "meter show: prices on the meter not known"; }
expect_rc 0 ctl meter show bus1/1/1
grep -Eq "^tariff +tou: tiered" out.txt || { cat out.txt; fail "meter show: a tiered tariff"; }
expect_rc 0 ctl --json meter show bus1/1/2
grep -q '"prices_state": "unknown"' out.txt || { cat out.txt; fail "meter show --json: prices_state"; }
grep -q '"tariff": "standard"' out.txt || { cat out.txt; fail "meter show --json: tariff"; }
# An assignment taking effect later (next year's first day, whenever the test runs): kept as
# history next to the current one.
later="$(( $(date -u +%Y) + 1 ))-01-01T00:00:00+08:00"
expect_rc 0 ctl tariff assign standard --meter bus1/1/1 --from "$later"
grep -q "tariff standard assigned to meter bus1/1/1 from $later" out.txt ||
  fail "assign --from output"
expect_rc 0 ctl --json tariff list
grep -q "\"from\":\"$later\",\"target\":\"bus1/1/1\"" out.txt ||
  { cat out.txt; fail "json: the later assignment"; }
cp out.txt before.json

# Refusals: exit 1, the reason, nothing stored.
expect_rc 1 ctl tariff assign tou --meter bus1/1/1 --from 2026-03-01T00:00:00+08:00
grep -qi "past" err.txt || { cat err.txt; fail "an assignment in the past not explained"; }
expect_rc 1 ctl tariff add standard --from 2026-06-01T00:00:00+08:00 --price 0.7000
grep -q "must take effect after its latest one" err.txt || fail "old version not explained"
expect_rc 1 ctl tariff add standard --from 2026-08-01T00:00:00Z --price 0.7000
grep -q "same UTC offset" err.txt || fail "other offset not explained"
# A tariff that is wrong as typed is bad input (exit 2), like a bad flag.
expect_rc 2 ctl tariff add bad --from 2026-03-01T00:00:00+08:00 --rates 1,1,1,1 --periods 00:30=flat
grep -q "00:00" err.txt || fail "period table not explained"
expect_rc 2 ctl tariff add bad --from 2026-03-01T00:00:00+08:00 --price 0.6 \
  --tiers 0=0,100=0.1 --tier-period monthly --reset-day 31
grep -q "reset day" err.txt || fail "reset day not explained"
expect_rc 1 ctl --json tariff assign nosuch --site
grep -q '"ok":false' out.txt || fail "json refusal"
# A price typed by hand for a meter whose own assignment takes effect later would be overridden
# then: refused, nothing stored.
expect_rc 1 site command price --meter bus1/1/1 --flat 0.8000
grep -q "assign a tariff instead" err.txt || { cat err.txt; fail "hand price refusal"; }
expect_rc 0 ctl --json tariff list
cmp -s out.txt before.json || fail "a refusal changed the tariffs"

# command price typed by hand is the meter's own tariff "manual METER" from now on (issue 12.4):
# system and meter never part silently.
expect_rc 0 site command price --meter bus1/1/2 --flat 0.8000 --peak 0.9000
grep -q "^price command #[0-9]* for bus1/1/2 queued (sharp=8000 peak=9000 flat=8000 valley=8000)" \
  out.txt || { cat out.txt; fail "command price output"; }
grep -q "its own tariff is now manual bus1/1/2" out.txt || { cat out.txt; fail "command price: tariff"; }
expect_rc 0 ctl tariff list
grep -Eq "^manual bus1/1/2 +[0-9-]+T[0-9:]+\+08:00 +0\.8000 +0\.9000 +0\.8000 +0\.8000 .*; bus1/1/2$" out.txt ||
  { cat out.txt; fail "command price: the manual tariff in the list"; }
expect_rc 0 ctl meter show bus1/1/2
grep -Eq "^tariff +manual bus1/1/2: sharp 0\.8000, peak 0\.9000, flat 0\.8000, valley 0\.8000 yuan/kWh$" \
  out.txt || { cat out.txt; fail "meter show: the hand-typed price as the meter's tariff"; }
expect_rc 0 site --json command price --meter bus1/1/2 --flat 0.8000 --peak 0.9000
grep -q '"tariff":"manual bus1/1/2"' out.txt || { cat out.txt; fail "command price --json"; }
expect_rc 0 ctl --json tariff list
grep -o '"name":"manual bus1/1/2"' out.txt > /dev/null || fail "json: manual tariff"
[[ $(grep -o '"target":"bus1/1/2"' out.txt | wc -l) == 1 ]] ||
  { cat out.txt; fail "the same price again made another assignment"; }
cp out.txt before.json

# Bad arguments: exit 2.
expect_rc 2 ctl tariff add x --from yesterday --price 0.6
grep -q "is not a time" err.txt || fail "bad time not explained"
expect_rc 2 ctl tariff add x --from 2026-03-01T00:00:00+08:00
grep -q "either --price" err.txt || fail "missing price not explained"
expect_rc 2 ctl tariff add x --from 2026-03-01T00:00:00+08:00 --price 0.6 --rates 1,1,1,1
expect_rc 2 ctl tariff add x --from 2026-03-01T00:00:00+08:00 --price 0.60001
expect_rc 2 ctl tariff add x --from 2026-03-01T00:00:00+08:00 --rates 1,1,1 --periods 00:00=flat
expect_rc 2 ctl tariff add x --from 2026-03-01T00:00:00+08:00 --rates 1,1,1,1 --periods 00:00=cheap
expect_rc 2 ctl tariff add x --from 2026-03-01T00:00:00+08:00 --price 0.6 --tiers 0=0
grep -q "go together" err.txt || fail "tiers without period not explained"
expect_rc 2 ctl tariff assign standard
expect_rc 2 ctl tariff assign standard --site --meter bus1/1/1
expect_rc 2 ctl tariff assign standard --meter bus1-1-1
grep -q "is not a meter id" err.txt || fail "bad meter id not explained"
expect_rc 2 ctl tariff assign standard --site --from tomorrow
grep -q "is not a time with its offset" err.txt || fail "bad --from not explained"

# tariff add --file: the example file stores exactly what the equivalent flags store.
expect_rc 0 ctl_as "$ctl" --db flags.db tariff add residential --from 2026-03-01T00:00:00+08:00 \
  --rates 1.2000,0.9000,0.6000,0.3000 \
  --periods 00:00=valley,08:00=peak,11:00=sharp,13:00=flat,22:00=valley \
  --tiers 0=0,200=0.0500,400=0.3000 --tier-period monthly --reset-day 5
expect_rc 0 ctl_as "$ctl" --db file.db tariff add --file "$example"
grep -q "tariff residential: version from 2026-03-01T00:00:00+08:00 added" out.txt ||
  fail "add --file output"
same_tariffs() {  # same_tariffs A.db B.db: their `tariff list --json` are identical
  ctl_as "$ctl" --db "$1" --json tariff list > a.json
  ctl_as "$ctl" --db "$2" --json tariff list > b.json
  grep -q '"versions":\[{' a.json || { cat a.json; fail "$1 holds no tariff version"; }
  cmp -s a.json b.json || { cat a.json b.json; fail "$1 and $2 hold different tariffs"; }
}
same_tariffs flags.db file.db
# A single price written as a bare number, and yearly tiers: later versions of the same tariff.
cat > single.yaml <<'YAML'
name: residential
from: 2026-07-01T00:00:00+08:00
price: 0.65
tiers:
  period: yearly
  reset_month: 7
  reset_day: 3
  steps: [{from_kwh: 0, surcharge: 0}, {from_kwh: 2400.5, surcharge: "0.1000"}]
YAML
expect_rc 0 ctl_as "$ctl" --db flags.db tariff add residential --from 2026-07-01T00:00:00+08:00 \
  --price 0.6500 --tiers 0=0,2400.500=0.1 --tier-period yearly --reset-month 7 --reset-day 3
expect_rc 0 ctl_as "$ctl" --db file.db tariff add --file single.yaml
same_tariffs flags.db file.db
cat > untiered.yaml <<'YAML'
name: flat
from: 2026-03-01T00:00:00+08:00
rates: {sharp: 1, peak: "0.9", flat: "0.6000", valley: 0.3}
periods: {"00:00": flat, 08:00: peak}
tiers: {period: none}
YAML
expect_rc 0 ctl_as "$ctl" --db flags.db tariff add flat --from 2026-03-01T00:00:00+08:00 \
  --rates 1,0.9,0.6,0.3 --periods 00:00=flat,08:00=peak
expect_rc 0 ctl_as "$ctl" --db file.db tariff add --file untiered.yaml
same_tariffs flags.db file.db
cp b.json before.json

# A bad file: exit 2, the file, line and key, what to do; nothing stored (nor a database created).
bad_file() {  # bad_file EXPECTED-TEXT YAML: the add is refused with EXPECTED-TEXT on stderr
  printf '%s\n' "$2" > bad.yaml
  expect_rc 2 ctl_as "$ctl" --db file.db tariff add --file bad.yaml
  grep -q -- "$1" err.txt || { cat err.txt; fail "bad file: \"$1\" not said for: $2"; }
}
head='name: x
from: 2026-03-01T00:00:00+08:00'
bad_file 'bad.yaml:3:1: colour: unknown key "colour"; allowed here: name, from, price' \
  "$head
colour: blue
price: \"0.6\""
bad_file 'bad.yaml:3:8: price: invalid value "0.60001"; expected a decimal number with at most 4' \
  "$head
price: 0.60001"
bad_file 'bad.yaml:3:8: price: a price must be 0 .. 1000.0000 yuan/kWh' "$head
price: \"-1\""
bad_file 'bad.yaml:3:8: rates: expected a map, got a list' "$head
rates: [1, 1, 1, 1]
periods: {\"00:00\": flat}"
bad_file 'rates: missing required key "valley"' "$head
rates: {sharp: 1, peak: 1, flat: 1}
periods: {\"00:00\": flat}"
bad_file 'bad.yaml:4:35: periods.08:00: invalid value "cheap"; expected one of: sharp, peak' \
  "$head
rates: {sharp: 1, peak: 1, flat: 1, valley: 1}
periods: {\"00:00\": flat, \"08:00\": cheap}"
bad_file 'periods.8h: "8h" is not a start time HH:MM' "$head
rates: {sharp: 1, peak: 1, flat: 1, valley: 1}
periods: {\"00:00\": flat, 8h: peak}"
bad_file 'bad.yaml:4:10: periods: the daily period table must start at 00:00' "$head
rates: {sharp: 1, peak: 1, flat: 1, valley: 1}
periods: {\"00:30\": flat}"
bad_file 'tiers.reset_day: value 31 is out of range \[1, 28\]' "$head
price: 1
tiers: {period: monthly, reset_day: 31, steps: [{from_kwh: 0, surcharge: 0}]}"
bad_file 'tiers.reset_month: reset_month applies to a yearly tier period only' "$head
price: 1
tiers: {period: monthly, reset_month: 2, steps: [{from_kwh: 0, surcharge: 0}]}"
bad_file 'tiers.period: invalid value "weekly"; expected one of: monthly, yearly, none' "$head
price: 1
tiers: {period: weekly}"
bad_file 'tiers.steps: a tiered tariff needs its first tier from 0 kWh' "$head
price: 1
tiers: {period: monthly, steps: [{from_kwh: 100, surcharge: 0}]}"
bad_file 'from: invalid value "yesterday"; expected a timestamp with offset' 'name: x
from: yesterday
price: 1'
bad_file 'give either price (one price) or rates' "$head"
bad_file 'bad.yaml: expected a map, got nothing' ''
expect_rc 2 ctl_as "$ctl" --db file.db tariff add --file no-such.yaml
grep -q 'no-such.yaml: cannot read the file' err.txt || fail "missing file not explained"
expect_rc 2 ctl_as "$ctl" --db file.db --json tariff add --file "$example" --price 1
grep -q -- "\"error\":\"--file excludes --price" out.txt || { cat out.txt err.txt; fail "--file with flags not refused (as JSON, under --json)"; }
printf 'name: x\nfrom: 2026-03-01T00:00:00+08:00\nprice: 1\nextra: 1\n' > bad.yaml
expect_rc 2 ctl_as "$ctl" --db file.db --json tariff add --file bad.yaml
grep -q '"error":"tariff file error: bad.yaml:4:1: extra: unknown key.*"ok":false' out.txt || { cat out.txt; fail "json error"; }
expect_rc 2 ctl_as "$ctl" --db fresh.db tariff add --file bad.yaml
[[ ! -e fresh.db ]] || fail "a bad tariff file created a database"
expect_rc 0 ctl_as "$ctl" --db file.db --json tariff list
cmp -s out.txt before.json || fail "a bad tariff file changed the tariffs"
echo "ctl tariff test passed"
