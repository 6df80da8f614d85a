#include <algorithm>
#include <string>

#include <phil/domain/operators.hpp>

namespace phil::domain {

std::optional<std::string> check_password(std::string_view password, std::string_view id) {
  // Characters, not bytes: a CJK character is one, as a person counts it.
  const auto chars =
      static_cast<std::size_t>(std::count_if(password.begin(), password.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
      }));
  if (chars < kMinPasswordChars) {
    return "the password has " + std::to_string(chars) + " characters; use at least " +
           std::to_string(kMinPasswordChars) + " (a few words are easier to remember)";
  }
  if (password.size() > kMaxPasswordBytes) {
    return "the password is longer than " + std::to_string(kMaxPasswordBytes) + " bytes";
  }
  if (std::all_of(password.begin(), password.end(), [&](char c) { return c == password[0]; })) {
    return std::string("the password is one character repeated; choose another");
  }
  if (!id.empty() && password.find(id) != std::string_view::npos) {
    return "the password contains the operator id \"" + std::string(id) + "\"; choose another";
  }
  return std::nullopt;
}

std::string_view to_string(LoginOutcome o) {
  switch (o) {
    case LoginOutcome::kOk:
      return "ok";
    case LoginOutcome::kBadPassword:
      return "bad_password";
    case LoginOutcome::kLockedNow:
      return "locked_now";
    case LoginOutcome::kLocked:
      return "locked";
    case LoginOutcome::kDisabled:
      return "disabled";
  }
  return "?";
}

}  // namespace phil::domain
