#!/usr/bin/env bash
# prepaidctl init as an operator runs it: creates the database (schema current), says so again
# without changing anything, migrates an older database (made with the sqlite3 shell from the
# first migration of the store's schema.cpp, where the shell is installed), refuses a path it
# cannot create, a file that is no database and a newer database (exit 1, file untouched); and
# prepaidctl's usage errors exit 2 with CLI11's message (not CLI11's own exit codes).
# Usage: ctl_init_test.sh PREPAIDCTL SCHEMA_CPP [SQLITE3]
set -euo pipefail
ctl=$1 schema=$2 sqlite=${3:-}
source "$(dirname "$0")/../support/ctl_lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# A new database: created at this build's schema version.
expect_rc 0 "$ctl" --db site.db --json init
grep -q '"action":"created"' out.txt || { cat out.txt; fail "init did not say created"; }
version=$(sed -n 's/.*"schema_version":\([0-9][0-9]*\).*/\1/p' out.txt)
[[ -n $version && $version -ge 1 ]] || { cat out.txt; fail "no schema version in $(cat out.txt)"; }
[[ -s site.db ]] || fail "init created no database file"
grep -q '"admin_added":false' out.txt || { cat out.txt; fail "init without --admin added one"; }
ctl_operators "$ctl" site.db  # its first admin (init --admin) and an operator a role
expect_rc 0 ctl_as "$ctl" --db site.db tariff list  # the schema is there: the store reads it
grep -q "no tariff stored" out.txt || fail "the new database is not usable"
# Again: already current, nothing changed.
expect_rc 0 "$ctl" --db site.db init
grep -q "site.db is already at schema version $version; nothing to do" out.txt ||
  { cat out.txt; fail "second init not idempotent"; }
expect_rc 0 "$ctl" --db site.db --json init
grep -q "\"action\":\"current\".*\"from_version\":$version," out.txt || { cat out.txt; fail "json"; }
expect_rc 0 "$ctl" --db new.db init
grep -q "^created new.db with schema version $version$" out.txt || { cat out.txt; fail "text"; }

# A path it cannot create, a directory, a file that is no database: exit 1, a reason, no change.
expect_rc 1 "$ctl" --db no-such-dir/site.db init
grep -q "no-such-dir/site.db" err.txt || { cat err.txt; fail "bad path not named"; }
[[ ! -e no-such-dir ]] || fail "init created a folder"
expect_rc 1 "$ctl" --db . init
grep -q "not a file" err.txt || { cat err.txt; fail "directory not explained"; }
echo "notes, not a database" > notes.txt
cp notes.txt notes.orig
expect_rc 1 "$ctl" --db notes.txt init
grep -q "not a database" err.txt || { cat err.txt; fail "foreign file not explained"; }
cmp -s notes.txt notes.orig || fail "init changed a file that is not a database"

if [[ -n $sqlite && -x $sqlite ]]; then
  # An older database: the first migration only, then init migrates it to the current version.
  sed -n '/kV1 = R"sql(/,/)sql";/p' "$schema" | sed '1d;$d' > v1.sql
  grep -qi "create table" v1.sql || fail "cannot find the first migration in $schema"
  "$sqlite" old.db < v1.sql
  "$sqlite" old.db "PRAGMA user_version = 1"
  expect_rc 0 "$ctl" --db old.db init
  if [[ $version -gt 1 ]]; then
    grep -q "^migrated old.db from schema version 1 to $version$" out.txt ||
      { cat out.txt; fail "migration not reported"; }
  fi
  [[ $("$sqlite" old.db "PRAGMA user_version") == "$version" ]] || fail "old.db not migrated"
  expect_rc 0 "$ctl" --db old.db init
  grep -q "already at schema version $version" out.txt || fail "migrated database not current"
  # A database of a newer build: refused, left as it is.
  "$sqlite" new.db "PRAGMA user_version = $((version + 1))"
  expect_rc 1 "$ctl" --db new.db init
  grep -q "newer" err.txt || { cat err.txt; fail "newer database not explained"; }
  [[ $("$sqlite" new.db "PRAGMA user_version") == "$((version + 1))" ]] || fail "new.db changed"
else
  echo "sqlite3 shell not given: migration cases skipped"
fi

# Usage errors anywhere in prepaidctl: CLI11's message, exit 2 (CLI11's own codes are 1xx).
expect_rc 2 "$ctl" --db site.db --no-such-flag init
grep -q "not expected: --no-such-flag" err.txt || { cat err.txt; fail "unknown flag message"; }
expect_rc 2 "$ctl" init
grep -q -- "--db is required" err.txt || { cat err.txt; fail "missing --db message"; }
expect_rc 2 "$ctl" --db site.db
grep -q "subcommand is required" err.txt || { cat err.txt; fail "missing verb message"; }
expect_rc 2 "$ctl" --db site.db account open --tenant Li
grep -q -- "--id is required" err.txt || { cat err.txt; fail "missing option message"; }
expect_rc 2 "$ctl" --db site.db refund --account A1 --amount
expect_rc 2 "$ctl" --db site.db ledger frobnicate
expect_rc 0 "$ctl" --help
grep -q "init" out.txt || fail "help does not list init"
echo "ctl init test passed"
