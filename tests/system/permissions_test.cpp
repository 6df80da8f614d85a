// Roles as data (issue 13 item 2): the permission table, walked role by role and action by
// action against the matrix the issue asks for, written out here independently of the table;
// and the docs print the table as it is (docs/operators.md).
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include <phil/domain/permissions.hpp>

namespace phil::domain {
namespace {

/// What each role may do, by name: the list, not the table under test.
const std::map<std::string, std::set<std::string>>& expected() {
  static const std::map<std::string, std::set<std::string>> kExpected{
      {"admin",
       {"manage_operators", "register_site", "import_site", "confirm_box", "query", "read_log",
        "rebuild_reports", "ack_alarm"}},
      {"manager",
       {"add_tariff", "assign_tariff", "report", "approve_refund", "query", "read_log",
        "rebuild_reports", "ack_alarm"}},
      {"cashier",
       {"open_account", "close_account", "sale", "refund", "reversal", "shift_report", "query"}},
      {"engineer",
       {"command", "read_now", "import_site", "register_site", "replace_meter", "move_meter",
        "confirm_box", "query", "ack_alarm"}},
      {"auditor", {"query", "report", "read_log"}},
  };
  return kExpected;
}

TEST(Permissions, EveryRoleMayDoExactlyItsActions) {
  int walked = 0;
  for (std::size_t r = 0; r < kRoleCount; ++r) {
    const auto role = static_cast<Role>(r);
    const auto& mine = expected().at(std::string(to_string(role)));
    for (std::size_t a = 0; a < kActionCount; ++a) {
      const auto action = static_cast<Action>(a);
      const auto name = std::string(to_string(action));
      EXPECT_EQ(permits(role, action), mine.contains(name)) << to_string(role) << " " << name;
      ++walked;
    }
  }
  EXPECT_EQ(walked, 110);  // 5 roles x 22 actions
}

TEST(Permissions, EveryActionHasARoleAndTheRolesThatMayDoItAreListed) {
  for (std::size_t a = 0; a < kActionCount; ++a) {
    const auto action = static_cast<Action>(a);
    const auto roles = roles_for(action);
    EXPECT_FALSE(roles.empty()) << to_string(action) << " nobody may do";
    for (const auto role : roles)
      EXPECT_TRUE(permits(role, action));
  }
  EXPECT_EQ(roles_for(Action::kSale), std::vector<Role>{Role::kCashier});
  EXPECT_EQ(roles_for(Action::kConfirmBox), (std::vector<Role>{Role::kAdmin, Role::kEngineer}));
  EXPECT_EQ(roles_for(Action::kAckAlarm),
            (std::vector<Role>{Role::kAdmin, Role::kManager, Role::kEngineer}));
}

TEST(Permissions, NamesRoundTripAndUnknownOnesAreNone) {
  for (std::size_t a = 0; a < kActionCount; ++a)
    EXPECT_EQ(parse_action(to_string(static_cast<Action>(a))), static_cast<Action>(a));
  for (std::size_t r = 0; r < kRoleCount; ++r)
    EXPECT_EQ(parse_role(to_string(static_cast<Role>(r))), static_cast<Role>(r));
  EXPECT_FALSE(parse_role("root"));
  EXPECT_FALSE(parse_role("Admin"));
  EXPECT_FALSE(parse_action(""));
  EXPECT_EQ(to_string(static_cast<Action>(kActionCount)), "?");
}

TEST(Permissions, TheDocsPrintTheTableAsItIs) {
  std::ifstream in(PHIL_SOURCE_DIR "/docs/operators.md");
  ASSERT_TRUE(in) << "docs/operators.md is missing";
  std::stringstream text;
  text << in.rdbuf();
  const auto matrix = permission_matrix_markdown();
  EXPECT_NE(text.str().find(matrix), std::string::npos)
      << "docs/operators.md does not hold the permission table as the code has it; paste:\n"
      << matrix;
  EXPECT_NE(matrix.find("| `sale` | | | yes | | |"), std::string::npos) << matrix;
}

}  // namespace
}  // namespace phil::domain
