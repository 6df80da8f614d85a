#include <algorithm>
#include <string>

#include <phil/domain/permissions.hpp>

namespace phil::domain {

namespace {

constexpr std::array<std::string_view, kActionCount> kActionNames{
    "register_site",   "import_site",   "open_account",   "close_account",    "sale",
    "refund",          "reversal",      "replace_meter",  "move_meter",       "confirm_box",
    "add_tariff",      "assign_tariff", "command",        "read_now",         "query",
    "report",          "shift_report",  "approve_refund", "manage_operators", "read_log",
    "rebuild_reports", "ack_alarm"};

constexpr std::array<std::string_view, kRoleCount> kRoleNames{"admin", "manager", "cashier",
                                                              "engineer", "auditor"};

template <typename E, std::size_t N>
std::optional<E> parse(const std::array<std::string_view, N>& names, std::string_view s) {
  const auto* it = std::find(names.begin(), names.end(), s);
  if (it == names.end()) return std::nullopt;
  return static_cast<E>(it - names.begin());
}

}  // namespace

bool permits(Role role, Action action) {
  return std::any_of(kPermissions.begin(), kPermissions.end(),
                     [&](const Permission& p) { return p.role == role && p.action == action; });
}

std::vector<Role> roles_for(Action action) {
  std::vector<Role> out;
  for (std::size_t r = 0; r < kRoleCount; ++r) {
    const auto role = static_cast<Role>(r);
    if (permits(role, action)) out.push_back(role);
  }
  return out;
}

std::string_view to_string(Action a) {
  const auto i = static_cast<std::size_t>(a);
  return i < kActionNames.size() ? kActionNames[i] : "?";
}

std::optional<Action> parse_action(std::string_view s) {
  return parse<Action>(kActionNames, s);
}

std::string_view to_string(Role r) {
  const auto i = static_cast<std::size_t>(r);
  return i < kRoleNames.size() ? kRoleNames[i] : "?";
}

std::optional<Role> parse_role(std::string_view s) {
  return parse<Role>(kRoleNames, s);
}

std::string permission_matrix_markdown() {
  std::string out = "| action |";
  std::string rule = "|---|";
  for (const auto role : kRoleNames) {
    out.append(" ").append(role).append(" |");
    rule += "---|";
  }
  out += "\n" + rule + "\n";
  for (std::size_t a = 0; a < kActionCount; ++a) {
    out.append("| `").append(kActionNames[a]).append("` |");
    for (std::size_t r = 0; r < kRoleCount; ++r)
      out += permits(static_cast<Role>(r), static_cast<Action>(a)) ? " yes |" : " |";
    out += "\n";
  }
  return out;
}

}  // namespace phil::domain
