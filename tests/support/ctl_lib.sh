# Shared by the prepaidctl shell tests (source it): fail MESSAGE, and expect_rc WANT CMD...
# which runs CMD with its stdout in out.txt and stderr in err.txt and fails unless it exits WANT.
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() {
  local want=$1; shift
  local rc=0
  "$@" > out.txt 2> err.txt || rc=$?
  [[ $rc == "$want" ]] || { cat out.txt err.txt >&2; fail "$* exited $rc, expected $want"; }
}
