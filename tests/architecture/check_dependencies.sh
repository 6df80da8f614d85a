#!/usr/bin/env bash
# Architecture rules of DESIGN.md, checked on the source: sim and system never include each
# other's headers; the console includes none of the system's; system/domain includes only the
# standard library and its own headers (plus the header-only time alias and Expected template in
# common). Exit 1 naming each offending line.
set -uo pipefail
root=${1:?usage: check_dependencies.sh SOURCE_DIR}
cd "$root" || exit 2
status=0

report() {  # $1 = rule, rest = grep output lines
  local rule=$1; shift
  if [[ -n "$*" ]]; then
    echo "architecture rule broken: $rule" >&2
    printf '  %s\n' "$@" >&2
    status=1
  fi
}

mapfile -t bad < <(grep -rnE '#include <phil/(domain|store|meterlink|notify|report|service|views|api)/' sim 2>/dev/null)
report "sim/ must not include system/ headers (they share only profiles/)" "${bad[@]}"

mapfile -t bad < <(grep -rnE '#include <phil/sim/' system 2>/dev/null)
report "system/ must not include sim/ headers (they share only profiles/)" "${bad[@]}"

# Domain: standard headers (no dot, no slash), its own headers, and the time alias only.
mapfile -t bad < <(grep -rnE '#include' system/domain |
  grep -vE '#include <[a-z_]+>' |
  grep -vE '#include <phil/domain/' |
  grep -vE '#include <phil/common/(time|expected)\.hpp>' |
  grep -vE '#include "[a-z_]+\.hpp"')
report "system/domain/ links only the standard library" "${bad[@]}"

# The console talks to prepaid-api over HTTPS only: no header of the system's libraries.
mapfile -t bad < <(grep -rnE '#include <phil/(domain|store|meterlink|notify|report|service|views|api)/' \
  system/console system/app/src/prepaid_console.cpp 2>/dev/null)
report "system/console/ talks to the API only (no store, service or domain)" "${bad[@]}"

# Only bench/ and tests/ may see both sides.
mapfile -t bad < <(grep -rlE '#include <phil/sim/' common system 2>/dev/null)
report "only bench/ and tests/ may include both sides" "${bad[@]}"

[[ $status -eq 0 ]] && echo "architecture: dependency rules hold"
exit $status
