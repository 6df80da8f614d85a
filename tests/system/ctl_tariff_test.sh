#!/usr/bin/env bash
# prepaidctl's tariffs as an operator runs them: tariff add (single price, TOU with tiers, a new
# version), tariff assign (site default, one meter), tariff list (table and --json), refusals
# (exit 1 with the reason, nothing stored) and bad arguments (exit 2).
# Usage: ctl_tariff_test.sh PREPAIDCTL PROFILES_DIR
set -euo pipefail
ctl=$1 profiles=$2
source "$(dirname "$0")/support/ctl_lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > site.yaml <<'YAML'
name: ctl-tariff-test
price: "0.6000"
buses:
  - {id: bus1, port: ./no-such-port, boxes: [{address: 1, model: adf300l-i, profile: adf300l}]}
YAML
ctl() { "$ctl" --db site.db --operator qa "$@"; }
site() { "$ctl" --db site.db --config site.yaml --profiles "$profiles" --operator qa "$@"; }

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
cp out.txt before.json

# Refusals: exit 1, the reason, nothing stored.
expect_rc 1 ctl tariff add standard --from 2026-06-01T00:00:00+08:00 --price 0.7000
grep -q "must take effect after its latest one" err.txt || fail "old version not explained"
expect_rc 1 ctl tariff add standard --from 2026-08-01T00:00:00Z --price 0.7000
grep -q "same UTC offset" err.txt || fail "other offset not explained"
expect_rc 1 ctl tariff add bad --from 2026-03-01T00:00:00+08:00 --rates 1,1,1,1 --periods 00:30=flat
grep -q "00:00" err.txt || fail "period table not explained"
expect_rc 1 ctl tariff add bad --from 2026-03-01T00:00:00+08:00 --price 0.6 \
  --tiers 0=0,100=0.1 --tier-period monthly --reset-day 31
grep -q "reset day" err.txt || fail "reset day not explained"
expect_rc 1 ctl --json tariff assign nosuch --site
grep -q '"ok":false' out.txt || fail "json refusal"
expect_rc 0 ctl --json tariff list
cmp -s out.txt before.json || fail "a refusal changed the tariffs"

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
echo "ctl tariff test passed"
