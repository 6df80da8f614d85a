# Shared by the prepaidctl shell tests (source it): fail MESSAGE, and expect_rc WANT CMD...
# which runs CMD with its stdout in out.txt and stderr in err.txt and fails unless it exits WANT;
# has / hasnt PATTERN FILE MESSAGE: FILE has (not) a line matching PATTERN (grep), else fail.
fail() { echo "FAIL: $*" >&2; exit 1; }
has() { grep -q -- "$1" "$2" || { cat "$2" >&2; fail "$3"; }; }
hasnt() { ! grep -q -- "$1" "$2" || { cat "$2" >&2; fail "$3"; }; }
expect_rc() {
  local want=$1; shift
  local rc=0
  "$@" > out.txt 2> err.txt || rc=$?
  [[ $rc == "$want" ]] || { cat out.txt err.txt >&2; fail "$* exited $rc, expected $want"; }
}

# Logging in (issue 13 item 3): every prepaidctl verb but init needs a logged-in operator.
# ctl_operators CTL DB makes database DB (init, if missing) with one operator a role, qa-admin,
# qa-manager, qa-cashier, qa-engineer and qa-auditor (password $ctl_password, given through the
# environment as a script does), each logged in once with a session file of its own under
# .sessions/DB/. ctl_as CTL ARG... then runs `CTL ARG...` with the session of the role its verb
# needs (ctl_role), found from the --db in ARG.
ctl_password=qa-counter-secret-2026
ctl_sessions_root=""
ctl_operators() {
  local ctl=$1 db=$2
  [[ -n $ctl_sessions_root ]] || ctl_sessions_root=$PWD/.sessions
  local dir="$ctl_sessions_root/$(basename "$db")"
  mkdir -p "$dir" && chmod 700 "$ctl_sessions_root" "$dir"
  PHIL_PASSWORD=$ctl_password "$ctl" --db "$db" init --admin qa-admin > /dev/null ||
    fail "prepaidctl init --admin on $db"
  PHIL_PASSWORD=$ctl_password "$ctl" --db "$db" --operator qa-admin --session-file "$dir/admin" \
    login > /dev/null || fail "qa-admin could not log in to $db"
  local role
  for role in manager cashier engineer auditor; do
    PHIL_NEW_PASSWORD=$ctl_password "$ctl" --db "$db" --session-file "$dir/admin" operator add \
      --id "qa-$role" --name "QA $role" --role "$role" > /dev/null || fail "operator add qa-$role"
    PHIL_PASSWORD=$ctl_password "$ctl" --db "$db" --operator "qa-$role" \
      --session-file "$dir/$role" login > /dev/null || fail "qa-$role could not log in to $db"
  done
}
# ctl_role ARG...: the role a prepaidctl command line's verb needs (the permission table,
# docs/operators.md): the counter's verbs a cashier's, tariffs a manager's, meters, boxes,
# commands and the site an engineer's, operators an admin's; look-ups an auditor's; reports a
# manager's (a shift report a cashier's).
ctl_role() {
  local verb="" sub="" a
  for a in "$@"; do
    case $a in
      -*) ;;
      *) if [[ -z $verb ]]; then
           case $a in
             account|sale|refund|reversal|meter|box|site|tariff|command|read-now|ledger|log|operator|whoami|status|report) verb=$a ;;
           esac
         elif [[ -z $sub ]]; then sub=$a; fi ;;
    esac
  done
  case "$verb $sub" in
    "account show"*|"ledger "*|"log "*|"whoami "*|"command status"*) echo auditor ;;
    "account "*|"sale "*|"refund "*|"reversal "*|"report shift"*) echo cashier ;;
    "report "*) echo manager ;;
    "tariff "*) echo manager ;;
    "operator "*) echo admin ;;
    *) echo engineer ;;
  esac
}
ctl_as() {
  local db="" prev="" a
  for a in "${@:2}"; do
    [[ $prev == --db ]] && db=$a
    prev=$a
  done
  PHIL_SESSION_FILE="$ctl_sessions_root/$(basename "$db")/$(ctl_role "${@:2}")" "$@"
}
