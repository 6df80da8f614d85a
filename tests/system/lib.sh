# Shared by the shell tests that run the programs live. A script that sources it defines
#   fail MESSAGE   print MESSAGE (and whatever logs help), exit 1
# which wait_for calls; fail_with_logs is the usual body of it.

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.25 s until it succeeds, else fails.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local i
  for ((i = 0; i < seconds * 4; ++i)); do
    "$@" > /dev/null 2>&1 && return 0
    sleep 0.25
  done
  fail "$what not within $seconds s"
}

# fail_with_logs MESSAGE FILE...: MESSAGE, then the last 30 lines of each FILE that exists; exit 1.
fail_with_logs() {
  local message=$1 f
  shift
  echo "FAIL: $message" >&2
  for f in "$@"; do
    [[ -f $f ]] && { echo "--- $f" >&2; tail -30 "$f" >&2; }
  done
  exit 1
}
