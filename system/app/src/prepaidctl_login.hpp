#pragma once
// prepaidctl's front door (issue 13 item 3): who runs a verb. A verb's actor comes from a valid
// session (prepaidctl login), else from a password (--password-file, PHIL_PASSWORD, or typed at
// the terminal without echo: a one-shot login, no session written), else the verb is refused
// with how to log in. The verbs of the operators themselves: login, logout, whoami,
// `operator add|passwd|disable|role|list`, and init's first admin. Every rule (who may, the
// password policy, lock-out, expiry) is Operations'.
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <phil/domain/clock.hpp>
#include <phil/service/operations.hpp>

namespace phil::app {

/// The options of the front door (global: every verb takes them).
struct LoginOptions {
  std::string operator_id;  ///< --operator, PHIL_OPERATOR, else $USER
  bool operator_given = false;
  std::string password_file;  ///< --password-file: its first line
  std::string session_file;   ///< --session-file, PHIL_SESSION_FILE (default: session_path)
  std::string password_argv;  ///< --password: refused (a password is never an argument)
};

void add_login_options(CLI::App& cli, LoginOptions& o);

/// After parsing: the operator id from the environment when not given, and the refusal of a
/// password on the command line (a usage error; returns its exit code), else nullopt.
std::optional<int> settle_login_options(CLI::App& cli, LoginOptions& o);

/// Where a verb runs.
struct Front {
  std::string db;
  LoginOptions login;
  bool json = false;
  const domain::Clock& clock;
};

/// Who runs the verb: the session's or a password's operator; else exit_code after printing
/// why (1 refused, 2 usage: e.g. a missing database).
struct Authenticated {
  std::optional<service::Actor> actor;
  std::optional<service::Session> session;  ///< when it came from a session
  int exit_code = 0;
};
Authenticated authenticate(const Front& f);

/// A new password (init's admin, operator add, operator passwd): from --generate-password, a
/// file (`file`), environment variable `env`, typed twice at the terminal, or (when
/// `generate_otherwise` and none of those) generated. nullopt after printing why.
struct NewPassword {
  std::optional<std::string> value;
  bool generated = false;
  int exit_code = 0;
};
NewPassword new_password(const std::string& file, const char* env, bool generate,
                         bool generate_otherwise, const std::string& for_id);

/// `init --admin ID [--name NAME] [--generate-password]`.
struct InitAdmin {
  std::string id;  ///< empty: no admin asked
  std::string name;
  bool generate = false;
  std::string password_file;
};

/// The first admin of database `db` (after init migrated it): adds `a` when the database has no
/// operator, and says so in `j` and `message`; nothing when it has some. Returns the exit code.
int init_first_admin(const std::string& db, const InitAdmin& a, const domain::Clock& clock,
                     nlohmann::json& j, std::string& message);

struct OperatorCommands {
  CLI::App* login = nullptr;
  CLI::App* logout = nullptr;
  CLI::App* whoami = nullptr;
  CLI::App* add = nullptr;
  CLI::App* passwd = nullptr;
  CLI::App* disable = nullptr;
  CLI::App* role = nullptr;
  CLI::App* list = nullptr;
  std::string id;
  std::string name;
  std::string role_name;
  std::string new_password_file;
  bool generate = false;
};

/// Adds login, logout, whoami and `operator add|passwd|disable|role|list`.
std::unique_ptr<OperatorCommands> add_operator_commands(CLI::App& cli);
bool operator_command_parsed(const OperatorCommands& c);
/// True for the verbs that do their own logging in (login, logout).
bool logs_in_itself(const OperatorCommands& c);
/// login and logout.
int run_session_command(const OperatorCommands& c, const Front& f);
/// whoami and the operator verbs, by `a` (authenticate's).
int run_operator_command(const OperatorCommands& c, const Front& f, const Authenticated& a);

}  // namespace phil::app
