#pragma once
// Who may do what (operators issue, #13): the actions an operator asks of the system, the five
// roles, and the one permission table between them. The table is data (kPermissions); the
// service checks it once per call (service::Operations::begin) and the docs print it
// (permission_matrix_markdown), so no role rule lives anywhere else. Pure.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phil::domain {

/// What an actor asks the system to do: the unit of the role check.
enum class Action : std::uint8_t {
  kRegisterSite,     ///< the daemon's site file: meters and their billing modes
  kImportSite,       ///< a site model (buildings, rooms, meters, accounts)
  kOpenAccount,      ///< 开户
  kCloseAccount,     ///< 销户
  kSale,             ///< 售电
  kRefund,           ///< 退电
  kReversal,         ///< 冲正
  kReplaceMeter,     ///< 换表, also completing an on-site swap
  kMoveMeter,        ///< a meter into another account
  kConfirmBox,       ///< a box that reported another model than the site file
  kAddTariff,        ///< a tariff version
  kAssignTariff,     ///< a tariff to the site or a meter
  kCommand,          ///< a remote command (trip, close, keep power, prices, thresholds, clock)
  kReadNow,          ///< an on-demand read
  kQuery,            ///< any read: accounts, meters, ledger, events, commands, tariffs
  kReport,           ///< the office's reports (daily, monthly, arrears)
  kShiftReport,      ///< an operator's own shift report (交班)
  kApproveRefund,    ///< approving a refund above the site's approval limit
  kManageOperators,  ///< operators: add, disable, reset a password, change a role
  kReadLog,          ///< the system log (audit) and its verification
  kRebuildReports,   ///< the reports' daily roll-ups rebuilt from the readings and the ledger
  kAckAlarm,         ///< acknowledging an alarm (issue 14 item 3)
};
inline constexpr std::size_t kActionCount = 22;

enum class Role : std::uint8_t {
  kAdmin,     ///< operators and site
  kManager,   ///< tariffs, reports, approving large refunds
  kCashier,   ///< accounts and money at the counter, their own shift report
  kEngineer,  ///< remote commands, site import, commissioning
  kAuditor,   ///< read-only, with reports and the log
};
inline constexpr std::size_t kRoleCount = 5;

struct Permission {
  Role role;
  Action action;
};

/// The permission table: a role may do exactly the actions listed for it.
inline constexpr std::array kPermissions{
    // admin: operators and the site
    Permission{Role::kAdmin, Action::kManageOperators},
    Permission{Role::kAdmin, Action::kRegisterSite},
    Permission{Role::kAdmin, Action::kImportSite},
    Permission{Role::kAdmin, Action::kConfirmBox},
    Permission{Role::kAdmin, Action::kQuery},
    Permission{Role::kAdmin, Action::kReadLog},
    Permission{Role::kAdmin, Action::kRebuildReports},
    Permission{Role::kAdmin, Action::kAckAlarm},
    // manager: tariffs, reports, approvals
    Permission{Role::kManager, Action::kAddTariff},
    Permission{Role::kManager, Action::kAssignTariff},
    Permission{Role::kManager, Action::kReport},
    Permission{Role::kManager, Action::kApproveRefund},
    Permission{Role::kManager, Action::kQuery},
    Permission{Role::kManager, Action::kReadLog},
    Permission{Role::kManager, Action::kRebuildReports},
    Permission{Role::kManager, Action::kAckAlarm},
    // cashier: the counter
    Permission{Role::kCashier, Action::kOpenAccount},
    Permission{Role::kCashier, Action::kCloseAccount},
    Permission{Role::kCashier, Action::kSale},
    Permission{Role::kCashier, Action::kRefund},
    Permission{Role::kCashier, Action::kReversal},
    Permission{Role::kCashier, Action::kShiftReport},
    Permission{Role::kCashier, Action::kQuery},
    // engineer: the field
    Permission{Role::kEngineer, Action::kCommand},
    Permission{Role::kEngineer, Action::kReadNow},
    Permission{Role::kEngineer, Action::kImportSite},
    Permission{Role::kEngineer, Action::kRegisterSite},
    Permission{Role::kEngineer, Action::kReplaceMeter},
    Permission{Role::kEngineer, Action::kMoveMeter},
    Permission{Role::kEngineer, Action::kConfirmBox},
    Permission{Role::kEngineer, Action::kQuery},
    Permission{Role::kEngineer, Action::kAckAlarm},
    // auditor: reads
    Permission{Role::kAuditor, Action::kQuery},
    Permission{Role::kAuditor, Action::kReport},
    Permission{Role::kAuditor, Action::kReadLog},
};

/// The role may do the action (kPermissions has the pair).
bool permits(Role role, Action action);
/// The roles that may do the action, in the order of Role; empty for none.
std::vector<Role> roles_for(Action action);

/// "sale", "read_now", ... (as the log and messages name them).
std::string_view to_string(Action a);
std::optional<Action> parse_action(std::string_view s);
/// "admin", "manager", "cashier", "engineer", "auditor".
std::string_view to_string(Role r);
std::optional<Role> parse_role(std::string_view s);

/// The table as a Markdown table, actions by rows and roles by columns ("yes" or blank), as
/// docs/operators.md prints it (a test keeps the two equal).
std::string permission_matrix_markdown();

}  // namespace phil::domain
