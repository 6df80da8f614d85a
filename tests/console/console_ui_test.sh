#!/usr/bin/env bash
# The console against a live stack: script/console --no-console brings up the seed site on
# loopback (the virtual fleet, prepaidd, prepaid-api over TLS, demo operators), then the QTest
# binary runs the console offscreen against it. Everything started here is stopped by pid.
# Usage: console_ui_test.sh SOURCE_DIR BUILD_DIR CONSOLE_UI_TEST
set -euo pipefail
source_dir=$1 build=$2 test_bin=$3
work=$(mktemp -d /tmp/phil-console-ui.XXXXXX)
stack_pid=""
cleanup() {
  if [[ -n $stack_pid ]]; then
    kill -TERM "$stack_pid" 2> /dev/null || true
    for _ in $(seq 80); do kill -0 "$stack_pid" 2> /dev/null || break; sleep 0.25; done
    kill -KILL "$stack_pid" 2> /dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
"$source_dir/script/console" --build-dir "$build" --work "$work/site" --no-console \
  > "$work/console.out" 2>&1 &
stack_pid=$!
for _ in $(seq 480); do
  [[ -f $work/site/ready ]] && break
  kill -0 "$stack_pid" 2> /dev/null || { cat "$work/console.out" >&2; echo "FAIL: script/console stopped" >&2; exit 1; }
  sleep 0.25
done
[[ -f $work/site/ready ]] || { cat "$work/console.out" >&2; echo "FAIL: the stack was not up within 120 s" >&2; exit 1; }
set -a
# shellcheck disable=SC1091
source "$work/site/console.env"
set +a
mkdir -p "${PHIL_SCREENSHOTS:-$work/screenshots}"
rc=0
"$test_bin" || rc=$?
if [[ $rc != 0 ]]; then
  for f in daemon.log api.log sim.err; do echo "--- $f" >&2; tail -20 "$work/site/$f" >&2; done
fi
exit $rc
