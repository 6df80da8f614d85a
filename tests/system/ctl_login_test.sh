#!/usr/bin/env bash
# prepaidctl logging in (issue 13 item 3), as an operator and a script do it: init's first admin
# (a generated password printed once), a password typed at a real terminal (a pty) not echoed and
# the terminal's mode back after ctrl-C, never a password argument, the session file (0600 in a
# 0700 folder; refused when others may read it), logout, the refusals (wrong password, unknown,
# disabled, not logged in) with only their log rows written, the role refusal naming the role,
# and the operator verbs: add, role, passwd and disable end the operator's sessions; list, whoami.
# Usage: ctl_login_test.sh PREPAIDCTL SQLITE3
set -euo pipefail
ctl=$1 sqlite=$2
source "$(dirname "$0")/../support/ctl_lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export XDG_RUNTIME_DIR=$work/run  # the default session folder, inside the test
unset PHIL_PASSWORD PHIL_NEW_PASSWORD PHIL_OPERATOR PHIL_SESSION_FILE
audit() { "$sqlite" site.db "SELECT count(*) FROM audit"; }
rows() { "$sqlite" site.db "SELECT (SELECT count(*) FROM operators) || '/' || (SELECT count(*)
  FROM sessions) || '/' || (SELECT count(*) FROM ledger) || '/' || (SELECT count(*) FROM accounts)"; }

# init without a terminal and without a password: a strong one is generated and printed once.
expect_rc 0 "$ctl" --db site.db init --admin boss --name "Wang Boss" < /dev/null
has "added the first admin boss" out.txt "first admin not reported"
password=$(sed -n 's/^password of boss (shown once; keep it safe): //p' out.txt)
[[ ${#password} -ge 20 ]] || { cat out.txt; fail "no generated password printed"; }
expect_rc 0 "$ctl" --db site.db init --admin other
has "it has operators already: no admin was added" out.txt "second admin added"
hasnt "shown once" out.txt "a password printed again"
[[ $("$sqlite" site.db "SELECT count(*) FROM operators") == 1 ]] || fail "second init added one"
expect_rc 0 "$ctl" --db gen.db --json init --admin root --generate-password
grep -q '"generated_password":"[^"]\{20\}"' out.txt || { cat out.txt; fail "--json: no password"; }

# A password is never an argument: there is no such option, and the refusal says what to use.
expect_rc 2 "$ctl" --db site.db --operator boss --password "$password" whoami
has "never given on the command line" err.txt "--password not explained"
has "PHIL_PASSWORD" err.txt "--password: no way given"

# Not logged in, no password, no terminal: refused, saying how to log in.
expect_rc 1 "$ctl" --db site.db --operator boss whoami < /dev/null
has "not logged in to site.db: run prepaidctl login" err.txt "not-logged-in message"

# A password file: its first line; one others may read is used, with a warning.
printf '%s\nsecond line\n' "$password" > pw.txt && chmod 0644 pw.txt
expect_rc 0 "$ctl" --db site.db --operator boss --password-file pw.txt whoami
has "may be read by others (mode 0644)" err.txt "an open password file not warned about"
has "no session" out.txt "a password login wrote a session"
chmod 0600 pw.txt
expect_rc 0 "$ctl" --db site.db --operator boss --password-file pw.txt whoami
[[ ! -s err.txt ]] || { cat err.txt; fail "a 0600 password file warned about"; }

# Login: a session file 0600 in a 0700 folder; verbs then need no password.
expect_rc 0 env PHIL_PASSWORD="$password" "$ctl" --db site.db --operator boss login
session=$(ls "$XDG_RUNTIME_DIR"/prepaid-hil/session-*)
[[ $(stat -c %a "$session") == 600 ]] || fail "session file mode $(stat -c %a "$session")"
[[ $(stat -c %a "$XDG_RUNTIME_DIR/prepaid-hil") == 700 ]] || fail "session folder not 0700"
grep -q "$(cat "$session")" <<< "$("$sqlite" site.db "SELECT token_hash FROM sessions")" &&
  fail "the database holds the token itself"
expect_rc 0 "$ctl" --db site.db --json whoami
has '"operator":"boss"' out.txt "whoami: operator"
has '"role":"admin"' out.txt "whoami: role"
has '"name":"Wang Boss"' out.txt "whoami: name"
has '"session_expires_at"' out.txt "whoami: expiry"
# A session file others may read is refused (and not used), as is one of another user.
chmod 0644 "$session"
expect_rc 1 "$ctl" --db site.db whoami
has "may be read by others (mode 0644)" err.txt "an open session file used"
chmod 0600 "$session"
if [[ $EUID == 0 ]]; then
  chown 65534 "$session"
  expect_rc 1 "$ctl" --db site.db whoami
  has "belongs to another user" err.txt "another user's session file used"
  chown 0 "$session"
fi

# The operators: add (the new password from the environment), list, a role refused by name.
export PHIL_NEW_PASSWORD=counter-pass-2026
expect_rc 0 "$ctl" --db site.db operator add --id li --name "Li Na" --role cashier
expect_rc 0 "$ctl" --db site.db operator add --id wu --name Wu --role cashier
expect_rc 2 "$ctl" --db site.db operator add --id zz --name Zz --role janitor
unset PHIL_NEW_PASSWORD
expect_rc 0 "$ctl" --db site.db operator list
has "^li  *Li Na  *cashier  *enabled" out.txt "operator list"
expect_rc 0 "$ctl" --db site.db --json operator list
has '"id":"wu"' out.txt "operator list --json"
export PHIL_PASSWORD=counter-pass-2026
li() { "$ctl" --db site.db --operator li --session-file "$work/li.session" "$@"; }
expect_rc 0 li login
expect_rc 0 li tariff list  # a look-up: any role
expect_rc 1 li operator list
has "li (cashier) may not manage_operators: that needs the role admin" err.txt \
  "the role refusal does not name the role"
# Wrong password, unknown operator: refused alike, only their login row written.
before=$(rows) before_audit=$(audit)
expect_rc 1 env PHIL_PASSWORD=wrong-password-1 "$ctl" --db site.db --operator wu \
  --session-file "$work/wu.session" login
has "operator wu is unknown or the password is wrong" err.txt "wrong password message"
expect_rc 1 env PHIL_PASSWORD=wrong-password-1 "$ctl" --db site.db --operator ghost \
  --session-file "$work/ghost.session" whoami
has "operator ghost is unknown or the password is wrong" err.txt "unknown operator message"
[[ $(rows) == "$before" ]] || fail "a refused login changed $(rows), was $before"
[[ $(audit) == $((before_audit + 2)) ]] || fail "a refused login wrote not exactly its row"
[[ ! -e wu.session && ! -e ghost.session ]] || fail "a refused login wrote a session file"

# A role change, a new password and a disable each end the operator's sessions.
unset PHIL_PASSWORD
expect_rc 0 li whoami
expect_rc 0 "$ctl" --db site.db operator role --id li --role manager
expect_rc 1 li whoami < /dev/null
has "has ended (revoked)" err.txt "a role change left the session"
expect_rc 0 env PHIL_PASSWORD=counter-pass-2026 "$ctl" --db site.db --operator li \
  --session-file "$work/li.session" login
expect_rc 0 li --json whoami
has '"role":"manager"' out.txt "the new role not the table's"
expect_rc 0 env PHIL_NEW_PASSWORD=another-pass-2026 "$ctl" --db site.db operator passwd --id li
expect_rc 1 li whoami < /dev/null
has "has ended (revoked)" err.txt "a new password left the session"
expect_rc 0 env PHIL_PASSWORD=another-pass-2026 "$ctl" --db site.db --operator li \
  --session-file "$work/li.session" login
expect_rc 0 "$ctl" --db site.db operator disable --id li
expect_rc 1 li whoami < /dev/null
has "has ended (revoked)" err.txt "a disable left the session"
expect_rc 1 env PHIL_PASSWORD=another-pass-2026 "$ctl" --db site.db --operator li whoami
has "operator li is disabled" err.txt "a disabled operator logged in"
# Nobody changes their own role or disables themselves.
expect_rc 1 "$ctl" --db site.db operator role --id boss --role manager
expect_rc 1 "$ctl" --db site.db operator disable --id boss

# Logout: the session revoked in the database and its file gone; then not logged in.
expect_rc 0 "$ctl" --db site.db logout
[[ ! -e $session ]] || fail "logout left the session file"
[[ $("$sqlite" site.db "SELECT count(*) FROM sessions WHERE operator = 'boss' AND revoked_at IS
  NULL") == 0 ]] || fail "logout left the session open"
expect_rc 1 "$ctl" --db site.db whoami < /dev/null
has "not logged in" err.txt "logged out but still in"

# A database failure at the front door is a failure (exit 1, said), not a crash.
cp site.db broken.db && "$sqlite" broken.db "DROP TABLE sessions"
expect_rc 1 env PHIL_PASSWORD="$password" "$ctl" --db broken.db --operator boss \
  --session-file "$work/broken.session" login
has "failed: " err.txt "a database failure at login not reported"

# A real terminal: the password typed is not echoed, and ctrl-C at the prompt leaves the
# terminal's mode as it was (echo on).
python3 - "$ctl" "$password" << 'PY' || fail "pty test failed"
import os, pty, subprocess, sys, termios, time, fcntl
ctl, password = sys.argv[1], sys.argv[2]

def run(send, env_extra):
    master, slave = pty.openpty()
    def child():
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    env = dict(os.environ, **env_extra)
    p = subprocess.Popen([ctl, "--db", "site.db", "--operator", "boss", "--session-file",
                          "tty.session", "login"], stdin=slave, stdout=slave, stderr=slave,
                         preexec_fn=child, env=env, close_fds=True)
    out = b""
    deadline = time.time() + 30
    while b"password of boss: " not in out and time.time() < deadline:
        out += os.read(master, 1024)
    assert b"password of boss: " in out, out
    time.sleep(0.2)  # echo is switched off before the prompt is written
    os.write(master, send)
    p.wait(timeout=60)
    os.set_blocking(master, False)
    try:
        while True:
            chunk = os.read(master, 4096)
            if not chunk:
                break
            out += chunk
    except (BlockingIOError, OSError):
        pass
    mode = termios.tcgetattr(slave)
    os.close(master)
    os.close(slave)
    return p.returncode, out, mode

rc, out, mode = run(password.encode() + b"\n", {})
assert rc == 0, (rc, out)
assert password.encode() not in out, out
assert b"logged in as boss" in out, out
assert mode[3] & termios.ECHO, "echo not restored"
rc, out, mode = run(b"\x03", {})
assert rc != 0, (rc, out)
assert mode[3] & termios.ECHO, "echo left off after ctrl-C"
PY
[[ $(stat -c %a tty.session) == 600 ]] || fail "the terminal's login wrote no 0600 session"
echo "ctl login test passed"
