#!/usr/bin/env bash
# prepaidctl's refusals at the counter (issue 12, items 7 and 9): a sale, refund or first sale
# above the site's max_amount, a sale that would overflow the meter's balance register, a price
# the meter's register cannot hold, and a close of a meter at zero balance. Each is refused
# (exit 2, the reason in yuan) and writes nothing: no ledger entry, no outbox row, no audit row.
# The meter's last reading is written with the sqlite3 shell, standing in for a poll.
# Usage: ctl_limits_test.sh PREPAIDCTL PROFILES_DIR SQLITE3
set -euo pipefail
ctl=$1 profiles=$2 sqlite=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
source "$(dirname "$0")/../support/ctl_lib.sh"
cat > site.yaml <<'YAML'
name: ctl-limits-test
price: "0.6000"
buses:
  - {id: bus1, port: ./no-such-port, boxes: [{address: 1, model: adf300l-i, profile: adf300l}]}
YAML
sed 's/^price: "0.6000"$/price: "0.6000"\nmax_amount: "500.00"/' site.yaml > small.yaml
sed 's/^price: "0.6000"$/price: "0.6000"\nmax_amount: "0.00"/' site.yaml > zero.yaml
site() { ctl_as "$ctl" --db site.db --config site.yaml --profiles "$profiles" "$@"; }
small() { ctl_as "$ctl" --db site.db --config small.yaml --profiles "$profiles" "$@"; }
has() { grep -qF -- "$1" "$2" || { cat "$2" >&2; fail "$3"; }; }
rows() {
  "$sqlite" site.db "SELECT (SELECT count(*) FROM ledger) || '/' || (SELECT count(*) FROM outbox)
    || '/' || (SELECT count(*) FROM audit)"
}
# reading METER BALANCE_FEN: the meter's last reading, as a poll would store it (relay closed
# and no arrears above zero).
reading() {
  local closed=$(($2 > 0 ? 1 : 0))
  "$sqlite" site.db "UPDATE meters SET read_at = 1772294400000, energy_wh = 1000, power_w = 0,
    balance_fen = $2, relay = $closed, mode = 'prepaid', status_bits = 0, alarm1 = 0,
    alarm2 = 0, arrears = $((1 - closed)), purchase_count = 0, purchase_amount_fen = 0,
    purchase_total_fen = 0, failed_cycles = 0 WHERE id = '$1'"
}
# refused CMD...: CMD exits 2 and writes no ledger, outbox or audit row.
refused() {
  local before
    expect_rc 2 "$@"
  }
ctl_operators "$ctl" site.db

# A bad max_amount in the site file names the file, the key and what to give.
expect_rc 2 ctl_as "$ctl" --db site.db --config zero.yaml --profiles "$profiles" sale --account A1 \
  --amount 1.00
has "zero.yaml:3:13: max_amount" err.txt "bad max_amount not located"
has "from 0.01 to 1000000.00 (default 10000.00)" err.txt "bad max_amount: no range given"

expect_rc 0 site account open --id A401 --tenant Li --meter bus1/1/1
# The default limit: 10,000.00 yuan for one sale.
refused site sale --account A401 --amount 10000.01
has "refused: sale of 10000.01 yuan is more than one sale may be (at most 10000.00 yuan, the site file's max_amount); check the amount, or split it" \
  err.txt "too-large sale not explained"
# The site file's limit, for every money action given the site file.
refused small sale --account A401 --amount 500.01
has "at most 500.00 yuan" err.txt "the site's max_amount not applied to a sale"
refused small refund --account A401 --amount 500.01
has "refund of 500.01 yuan is more than one refund may be" err.txt "refund limit not explained"
refused small account open --id A402 --tenant Wang --meter bus1/1/2 --sale 600.00
has "first sale of 600.00 yuan" err.txt "first-sale limit not explained"

# The meter's balance register (i32 at 0.01 yuan: at most 21474836.47 yuan) is never overflowed:
# last read balance + credits still open + the sale must fit.
reading bus1/1/1 2147480000
refused site sale --account A401 --amount 100.00
has "sale of 100.00 yuan would take meter bus1/1/1's balance to 21474900.00 yuan (last read 21474800.00, 0.00 still to be credited), past the 21474836.47 yuan its balance register holds; at most 36.47 yuan fits now, nothing was written" \
  err.txt "balance overflow not explained"
expect_rc 0 site sale --account A401 --amount 20.00
# ... and the credit still open counts: 16.47 fits no more.
refused site sale --account A401 --amount 16.48
has "(last read 21474800.00, 20.00 still to be credited)" err.txt "open credit not counted"

# A close of a meter at zero balance would never read back closed: refused at the counter.
reading bus1/1/2 0
refused site command close --meter bus1/1/2
has "refused: close of meter bus1/1/2 refused: balance 0.00: sell first, or use keep-power" \
  err.txt "close at zero not explained"
reading bus1/1/2 -150
refused site command close --meter bus1/1/2
has "balance -1.50: sell first, or use keep-power" err.txt "close below zero not explained"
expect_rc 0 site command keep-power --meter bus1/1/2
# With money on the meter the close is queued.
reading bus1/1/2 1
expect_rc 0 site command close --meter bus1/1/2
echo "ctl limits test passed"
