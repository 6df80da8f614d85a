#!/usr/bin/env bash
# Plain energy meters at the counter (issue 14 item 6) as an operator meets them through
# prepaidctl: the site import marks a box of an energy-only model from the device profiles and
# refuses an account on it; the board shows it as an energy meter even without the site file;
# a site-wide tariff change queues prices to the prepaid meters and nothing to it; a command or a
# batch member for it is refused with the reason, and nothing is queued for it.
# Usage: ctl_energy_meter_test.sh PREPAIDCTL PROFILES_DIR SQLITE3
set -euo pipefail
ctl=$1 profiles=$2 sqlite=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > model.yaml <<'YAML'
site: {name: ctl-energy-test}
buildings:
  - id: b1
    floors: [{number: 4, rooms: ["401"]}]
buses:
  - id: bus1
    boxes:
      - {address: 4, model: adf300l-i, floor: 4, meters: [{circuit: 1, room: "401"}]}
      - {address: 21, model: em-1p, floor: 4, meters: [{circuit: 1}]}
accounts:
  - {id: A401, tenant: Wang, room: "401", meters: [bus1/4/1]}
YAML
cat > site.yaml <<'YAML'
name: ctl-energy-test
utc_offset: "+08:00"
buses:
  - {id: bus1, port: ./no-such-port, boxes: [{address: 4, model: adf300l-i, profile: adf300l},
                                             {address: 21, model: em-1p, profile: energy-meter}]}
YAML
source "$(dirname "$0")/../support/ctl_lib.sh"
ctl_operators "$ctl" site.db
ctl() { ctl_as "$ctl" --db site.db --profiles "$profiles" --lang en "$@"; }
outbox() { "$sqlite" site.db "SELECT count(*) FROM outbox WHERE meter = '$1'"; }

# An account on the energy meter is refused, and the import with it writes nothing.
sed 's|meters: \[bus1/4/1\]}|meters: [bus1/4/1]}\n  - {id: S1, tenant: stairs, meters: [bus1/21/1]}|' \
  model.yaml > with-account.yaml
expect_rc 2 ctl site import with-account.yaml
has "account S1: account open refused: meter bus1/21/1 is an energy meter (model em-1p)" err.txt \
  "no refusal of an account on an energy meter"
[[ $("$sqlite" site.db "SELECT count(*) FROM meters") == 0 ]] || fail "a refused import wrote meters"

expect_rc 0 ctl site import model.yaml
[[ $("$sqlite" site.db "SELECT id, metering_only FROM meters ORDER BY id" | tr '\n' ' ') == \
   "bus1/21/1|1 bus1/4/1|0 " ]] || fail "the import did not mark the energy meter"

# The board, without the site file: the store's mark shows it as an energy meter.
expect_rc 0 ctl status
has "bus1/21/1 .*energy meter" out.txt "the energy meter not shown as such"
has "2 meters: normal 2  alarm 1 0  alarm 2 0  arrears 0  not opened 0  offline 0" out.txt \
  "the energy meter counted as not opened"
expect_rc 0 ctl --json status
python3 - out.txt <<'PY' || fail "status --json: the energy meter not marked"
import json, sys
rows = [r for b in json.load(open(sys.argv[1]))["buildings"] for f in b["floors"]
        for x in f["boxes"] for r in x["meters"]]
stairs = [r for r in rows if r["meter"] == "bus1/21/1"]
assert len(stairs) == 1 and stairs[0]["energy_meter"] is True, stairs
assert stairs[0]["balance"] is None, stairs
PY

# A site-wide tariff: a price for the flat's meter, nothing for the energy meter.
ctl_as "$ctl" --db site.db tariff add standard --from 2026-03-01T00:00:00+08:00 --price 0.6000 \
  > /dev/null || fail "tariff add"
ctl_as "$ctl" --db site.db tariff assign standard --site > /dev/null || fail "tariff assign"
[[ $(outbox bus1/4/1) -ge 1 ]] || fail "no price queued to the prepaid meter"
[[ $(outbox bus1/21/1) == 0 ]] || fail "a command was queued to the energy meter"

# A command to it is refused; a batch over the site refuses it as a member.
expect_rc 2 ctl --config site.yaml command trip --meter bus1/21/1
has "mode command for bus1/21/1 refused: it is an energy meter (model em-1p)" err.txt \
  "no refusal of a command to an energy meter"
expect_rc 0 ctl --config site.yaml command trip --all --yes
has "trip queued for 12 meters, 1 refused" out.txt "the batch did not refuse the energy meter"
[[ $(outbox bus1/21/1) == 0 ]] || fail "a command was queued to the energy meter"
echo "ctl_energy_meter_test: ok"
