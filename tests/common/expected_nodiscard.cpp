// Compiled by CTest, not linked: with PHIL_DROP the result of a call is dropped, which must not
// compile under -Werror because Expected is [[nodiscard]]; without it, the same file compiles (so
// the failing case fails for that reason only).
#include <phil/common/expected.hpp>

namespace {
phil::Expected<int, const char*> answer() {
  return 42;
}
}  // namespace

int main() {
#ifdef PHIL_DROP
  answer();
#else
  return answer().ok() ? 0 : 1;
#endif
}
