# shellcheck shell=bash
# Shared by the shell tests that run the programs live. A script that sources it defines
#   fail MESSAGE   print MESSAGE (and whatever logs help), exit 1
# which wait_for and start_fleet call; fail_with_logs is the usual body of it.

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

# start_fleet SIM PROFILES BUSES [ARG...] < FLEET_YAML: the virtual fleet of FLEET_YAML (stdin,
# kept as fleet.yaml) served by SIM (adf300-sim) from the test's work folder, the current one,
# which is also its run dir (ptys under vbus/, the control socket adf300-sim.ctl); its stdout in
# sim.out, its stderr in sim.err, the ARGs (e.g. --speed) after its own. Sets sim_pid and waits
# (60 s at most) for its BUS lines, one for each of the BUSES buses. SIM must be an absolute
# path, as the test has changed folders by now; so is PROFILES, for the same reason.
start_fleet() {
  local profiles=$2 buses=$3
  fleet_sim=$1 fleet_run_dir=$PWD
  shift 3
  [[ $fleet_sim == /* && $profiles == /* ]] ||
    fail "start_fleet: $fleet_sim and $profiles must be absolute paths"
  cat > fleet.yaml
  "$fleet_sim" --fleet fleet.yaml --profiles "$profiles" --run-dir "$fleet_run_dir" "$@" \
    < /dev/null > sim.out 2> sim.err &
  # shellcheck disable=SC2034  # the sourcing test's: its cleanup kills it
  sim_pid=$!
  wait_for 60 "adf300-sim's BUS lines ($buses)" fleet_has_bus_lines "$buses"
}

# fleet_has_bus_lines N: the fleet has printed N BUS lines (one a bus, once it serves it).
fleet_has_bus_lines() { [[ $(grep -c '^BUS ' sim.out) -ge $1 ]]; }

# fleet ARG...: `adf300-sim ctl ARG...` on the control socket of the fleet start_fleet started.
fleet() { "$fleet_sim" ctl --control "$fleet_run_dir/adf300-sim.ctl" "$@"; }
