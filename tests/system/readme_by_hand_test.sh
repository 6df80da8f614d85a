#!/usr/bin/env bash
# The README's "Running the parts by hand" runs exactly as written: this test reads the block from
# README.md and runs its commands (with this build's binaries standing in for build/release),
# then checks what a newcomer would look at: the first sale confirmed on its meter.
# Usage: readme_by_hand_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
work=$(mktemp -d)
cleanup() {
  # The block ends with `kill %2 %1`; stop whatever it started if it failed before that.
  pkill -P $$ 2> /dev/null || true
  for p in $(jobs -p 2> /dev/null); do kill "$p" 2> /dev/null || true; done
  [[ -n "${keep:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [[ -f "$work/run.log" ]] && tail -n 40 "$work/run.log" >&2; exit 1; }

# The block, continuation lines joined.
block=$(awk '/^## Running the parts by hand/{s=1} s&&/^```sh/{b=1;next} b&&/^```/{exit} b' "$src/README.md" |
  sed -e ':a' -e '/\\$/N; s/\\\n//; ta')
[[ -n "$block" ]] || fail "no sh block under 'Running the parts by hand' in README.md"
grep -q "prepaidctl --db site.db init" <<< "$block" || fail "the block lost its init step"

# The folder the block starts in: the repository's layout, with this build as build/release.
mkdir -p "$work/build"
ln -s "$build" "$work/build/release"
for d in sim system profiles; do ln -s "$src/$d" "$work/$d"; done

# Run it as written, but: no cmake (this build is the one under test); the fixed `sleep` becomes
# a bounded wait for the credit (a loaded CI machine may need longer than a person does). The
# block's background programs are the block shell's children, not this script's: its closing
# kill runs as written and is waited for, and a trap stops them if the block fails before it
# (they were left running after every test run before).
script="$work/block.sh"
{
  echo "set -euo pipefail"
  echo 'trap '"'"'kill $(jobs -p) 2> /dev/null || true'"'"' EXIT'
  while IFS= read -r line; do
    case "$line" in
      cmake\ *) ;;
      sleep\ *)
        cat << 'WAIT'
for _ in $(seq 1 120); do
  ../build/release/system/app/prepaidctl --db site.db meter show bus1/1/1 2> /dev/null | grep -q confirmed && break
  sleep 0.5
done
WAIT
        ;;
      kill\ *)
        echo "$line"
        echo "wait || true"
        echo "echo 'block done'"
        ;;
      *) echo "$line" ;;
    esac
  done <<< "$block"
} > "$script"
(cd "$work" && bash "$script") > "$work/run.log" 2>&1 || fail "the README block failed"
grep -q "block done" "$work/run.log" || fail "the README block did not run to its end"

# What the newcomer looks at: the sale's credit confirmed on its meter, the fleet answering.
grep -Eq "credit 20.00 confirmed" "$work/run.log" || fail "the first sale's credit was not confirmed"
grep -Eq "^relay +closed" "$work/run.log" || fail "meter show does not show the relay closed"
# The fleet's own view (`ctl show`): circuit 1 of box 1 started with 20.00 and holds the credit
# too, counted as its second purchase.
grep -Eq "^  balance +(40.00|39.9[0-9]) yuan$" "$work/run.log" ||
  fail "the meter in the fleet does not hold the credit"
grep -Eq "^  purchase_total +20.00 yuan$" "$work/run.log" ||
  fail "the fleet's show does not count the credit"
echo "README by-hand test passed"
