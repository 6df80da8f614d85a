#include "prepaidctl_login.hpp"

#include <cstdio>
#include <iomanip>
#include <iostream>

#include <unistd.h>

#include <phil/common/text.hpp>
#include <phil/common/time.hpp>

#include "cli_support.hpp"
#include "secret_input.hpp"

namespace phil::app {

namespace {

constexpr const char* kPasswordEnv = "PHIL_PASSWORD";
constexpr const char* kNewPasswordEnv = "PHIL_NEW_PASSWORD";

/// The role's name ("-" for none: authenticate's actors always have one).
std::string role_of(const service::Actor& a) {
  return a.role ? std::string(domain::to_string(*a.role)) : std::string("-");
}

std::string when(TimePoint t) {
  return format_timestamp(t, {});
}

/// The password of a login: --password-file, PHIL_PASSWORD, else typed at the terminal.
/// nullopt: none (`error` empty) or a bad file (`error` set, printed by the caller).
struct LoginPassword {
  std::optional<std::string> value;
  std::string error;
};

LoginPassword login_password(const LoginOptions& o) {
  if (!o.password_file.empty()) {
    auto s = read_secret_file(o.password_file);
    if (!s.warning.empty()) std::fprintf(stderr, "warning: %s\n", s.warning.c_str());
    return {s.value, s.error};
  }
  if (auto env = secret_from_env(kPasswordEnv)) return {env, {}};
  if (has_terminal()) {
    return {read_password_from_terminal("password of " + o.operator_id + ": "), {}};
  }
  return {};
}

int refuse(const std::string& message, bool json) {
  print_failure(message, json);
  return kExitRefused;
}

void print_done(const nlohmann::json& j, const std::string& message, bool json) {
  if (json) {
    std::cout << json_text(j) << "\n";
  } else {
    std::cout << message << "\n";
  }
}

OpenedOperations open_db(const Front& f) {
  return open_operations(f.db, std::nullopt, f.clock, "cannot open the database");
}

std::string state_of(const store::OperatorRecord& op, TimePoint now) {
  if (op.disabled_at) return "disabled";
  if (op.locked_until && now < *op.locked_until) return "locked";
  return "enabled";
}

/// `name` as a role; nullopt after a usage error listing the five.
std::optional<domain::Role> role_arg(const std::string& name) {
  auto role = domain::parse_role(name);
  if (!role) {
    usage_error("unknown role \"" + printable(name) +
                "\"; give admin, manager, cashier, engineer or auditor");
  }
  return role;
}

int list_operators(service::Operations& ops, const service::Actor& actor, const Front& f) {
  const auto all = ops.operators(actor);
  if (!all) return print_refusal(all.error(), f.json);
  const auto now = f.clock.now();
  if (f.json) {
    auto rows = nlohmann::json::array();
    for (const auto& op : all.value()) {
      rows.push_back({{"id", op.id},
                      {"name", op.name},
                      {"role", domain::to_string(op.role)},
                      {"state", state_of(op, now)},
                      {"created_at", when(op.created_at)},
                      {"created_by", op.created_by}});
    }
    std::cout << json_text(nlohmann::json{{"ok", true}, {"operators", rows}}) << "\n";
    return kExitOk;
  }
  std::cout << std::left << std::setw(20) << "ID" << std::setw(24) << "NAME" << std::setw(10)
            << "ROLE" << std::setw(10) << "STATE"
            << "CREATED\n";
  for (const auto& op : all.value()) {
    std::cout << std::left << std::setw(20) << (printable(op.id) + " ") << std::setw(24)
              << (printable(op.name) + " ") << std::setw(10) << domain::to_string(op.role)
              << std::setw(10) << state_of(op, now) << when(op.created_at) << "\n";
  }
  return kExitOk;
}

int whoami(const Authenticated& a, const Front& f) {
  const auto& actor = *a.actor;
  nlohmann::json j{{"ok", true}, {"operator", actor.id}, {"role", role_of(actor)}};
  std::string message = actor.id + " (" + role_of(actor) + ")";
  if (a.session) {
    j["name"] = a.session->name;
    j["session_expires_at"] = when(a.session->expires_at);
    j["session_ends_if_unused_at"] = when(a.session->ends_at);
    message = a.session->actor.id + " (" + a.session->name + "), role " + role_of(actor) +
              "; session until " + when(a.session->expires_at) + ", or " +
              when(a.session->ends_at) + " if unused";
  } else {
    message += "; no session (logged in by password for this command)";
  }
  print_done(j, message, f.json);
  return kExitOk;
}

}  // namespace

void add_login_options(CLI::App& cli, LoginOptions& o) {
  cli.add_option("--operator", o.operator_id,
                 "who logs in (default: PHIL_OPERATOR, else $USER); recorded in the audit log");
  cli.add_option("--password-file", o.password_file,
                 "read the operator's password from the first line of FILE (mode 600); or set "
                 "PHIL_PASSWORD; else it is asked at the terminal");
  cli.add_option("--session-file", o.session_file,
                 "the session token's file (default: PHIL_SESSION_FILE, else "
                 "$XDG_RUNTIME_DIR/prepaid-hil/session-<database>)");
  // Never a password on the command line (the process list shows it): the option exists only
  // to say so.
  cli.add_option("--password", o.password_argv)->group("");
}

std::optional<int> settle_login_options(CLI::App& cli, LoginOptions& o) {
  if (cli.get_option("--password")->count() > 0) {
    return usage_error(
        "a password is never given on the command line (other users can read it in the process "
        "list); use --password-file FILE, the environment variable PHIL_PASSWORD, or type it at "
        "the prompt");
  }
  o.operator_given = cli.get_option("--operator")->count() > 0;
  if (!o.operator_given) {
    if (auto env = secret_from_env("PHIL_OPERATOR")) {
      o.operator_id = *env;
      o.operator_given = true;
    } else if (auto user = secret_from_env("USER")) {
      o.operator_id = *user;
    } else {
      o.operator_id = "operator";
    }
  }
  if (o.session_file.empty()) {
    if (auto env = secret_from_env("PHIL_SESSION_FILE")) o.session_file = *env;
  }
  return std::nullopt;
}

Authenticated authenticate(const Front& f) {
  Authenticated out;
  // A database this user may not write (a view on a read-only copy): a session still works,
  // its use not recorded; a password login, which writes its audit row, cannot.
  const bool writable = access(f.db.c_str(), W_OK) == 0 || access(f.db.c_str(), F_OK) != 0;
  auto opened = open_operations(f.db, std::nullopt, f.clock, "cannot open the database",
                                writable ? Access::kAction : Access::kView);
  if (!opened.ops) {
    out.exit_code = opened.exit_code;
    return out;
  }
  auto& ops = *opened.ops;
  std::string session_problem;
  if (const auto path = session_path(f.login.session_file, f.db); !path.empty()) {
    const auto token = read_token_file(path);
    if (!token.error.empty()) {
      out.exit_code = refuse(token.error, f.json);
      return out;
    }
    if (token.value) {
      auto s = ops.resume_session(*token.value, writable);
      if (s && (!f.login.operator_given || s.value().actor.id == f.login.operator_id)) {
        out.actor = s.value().actor;
        out.session = s.value();
        return out;
      }
      if (!s) session_problem = s.error().message;
    }
  }
  const auto password = login_password(f.login);
  if (!password.error.empty()) {
    out.exit_code = usage_error(password.error);
    return out;
  }
  if (!password.value) {
    out.exit_code =
        refuse(session_problem.empty() ? text::format(text::Id::kNotLoggedIn, f.db)
                                       : session_problem +
                                             "; or give the password with --password-file "
                                             "FILE or PHIL_PASSWORD",
               f.json);
    return out;
  }
  auto actor = ops.login(f.login.operator_id, *password.value);
  if (!actor) {
    out.exit_code = print_refusal(actor.error(), f.json);
    return out;
  }
  out.actor = actor.value();
  return out;
}

NewPassword new_password(const std::string& file, const char* env, bool generate,
                         bool generate_otherwise, const std::string& for_id) {
  NewPassword out;
  if (generate) {
    out.value = generate_password(for_id);
    out.generated = true;
    return out;
  }
  if (!file.empty()) {
    auto s = read_secret_file(file);
    if (!s.warning.empty()) std::fprintf(stderr, "warning: %s\n", s.warning.c_str());
    if (!s.value) out.exit_code = usage_error(s.error);
    out.value = s.value;
    return out;
  }
  if (auto v = secret_from_env(env)) {
    out.value = v;
    return out;
  }
  if (has_terminal()) {
    auto first = read_password_from_terminal("new password of " + for_id + ": ");
    auto second = read_password_from_terminal("the same again: ");
    if (!first || !second) {
      out.exit_code = usage_error("no password was typed; nothing was changed");
    } else if (*first != *second) {
      out.exit_code = usage_error(text::format(text::Id::kPasswordsDiffer));
    } else {
      out.value = first;
    }
    return out;
  }
  if (generate_otherwise) {
    out.value = generate_password(for_id);
    out.generated = true;
    return out;
  }
  out.exit_code = usage_error(std::string("no new password: give --new-password-file FILE, set ") +
                              env + ", use --generate-password, or run it at a terminal");
  return out;
}

int init_first_admin(const std::string& db, const InitAdmin& a, const domain::Clock& clock,
                     nlohmann::json& j, std::string& message) {
  auto ops = service::Operations::open(db, clock, std::nullopt, store::Checkpoints::kAtCommit,
                                       store::OpenMode::kExisting);
  if (ops->has_operators()) {
    if (!a.id.empty()) message += "\nit has operators already: no admin was added";
    j["admin_added"] = false;
    return kExitOk;
  }
  if (a.id.empty()) {
    message += "\nit has no operator yet: add the first admin with prepaidctl init --admin ID";
    j["admin_added"] = false;
    return kExitOk;
  }
  auto pw = new_password(a.password_file, kPasswordEnv, a.generate, true, a.id);
  if (!pw.value) return pw.exit_code;
  const auto r =
      ops->add_first_admin({a.id, a.name.empty() ? a.id : a.name, domain::Role::kAdmin, *pw.value});
  if (!r) return print_refusal(r.error(), json_output());
  message += "\nadded the first admin " + a.id;
  j["admin_added"] = true;
  j["admin"] = a.id;
  if (pw.generated) {
    j["generated_password"] = *pw.value;
    message += "\n" + text::format(text::Id::kGeneratedPassword, a.id, *pw.value);
  }
  return kExitOk;
}

std::unique_ptr<OperatorCommands> add_operator_commands(CLI::App& cli) {
  auto c = std::make_unique<OperatorCommands>();
  c->login = cli.add_subcommand(
      "login", "check the operator's password once and keep a session (8 h, 30 min idle)");
  c->logout = cli.add_subcommand("logout", "end the session and delete its file");
  c->whoami = cli.add_subcommand("whoami", "the logged-in operator, their role and session");
  auto* op = cli.add_subcommand("operator", "operators (admin)")->require_subcommand(1);
  c->add = op->add_subcommand("add", "add an operator");
  c->add->add_option("--id", c->id, "what they log in with")->required();
  c->add->add_option("--name", c->name, "display name")->required();
  c->add->add_option("--role", c->role_name, "admin, manager, cashier, engineer or auditor")
      ->required();
  for (auto* sub : {c->add, op->add_subcommand("passwd",
                                               "set a new password (own or, admin, "
                                               "another's)")}) {
    sub->add_option("--new-password-file", c->new_password_file,
                    "the new password: first line of FILE (or PHIL_NEW_PASSWORD; else asked "
                    "twice at the terminal)");
    sub->add_flag("--generate-password", c->generate, "generate a strong one and print it once");
  }
  c->passwd = op->get_subcommand("passwd");
  c->passwd->add_option("--id", c->id, "whose (default: one's own)");
  c->disable = op->add_subcommand("disable", "disable an operator for good");
  c->disable->add_option("--id", c->id, "who")->required();
  c->role = op->add_subcommand("role", "give an operator another role");
  c->role->add_option("--id", c->id, "who")->required();
  c->role->add_option("--role", c->role_name, "admin, manager, cashier, engineer or auditor")
      ->required();
  c->list = op->add_subcommand("list", "every operator, their role and state");
  return c;
}

bool operator_command_parsed(const OperatorCommands& c) {
  for (const auto* s : {c.login, c.logout, c.whoami, c.add, c.passwd, c.disable, c.role, c.list})
    if (s->parsed()) return true;
  return false;
}

bool logs_in_itself(const OperatorCommands& c) {
  return c.login->parsed() || c.logout->parsed();
}

int run_session_command(const OperatorCommands& c, const Front& f) {
  const auto path = session_path(f.login.session_file, f.db);
  if (path.empty()) {
    return usage_error(
        "no place for the session file: set XDG_RUNTIME_DIR or HOME, or give --session-file");
  }
  auto opened = open_db(f);
  if (!opened.ops) return opened.exit_code;
  auto& ops = *opened.ops;
  if (c.logout->parsed()) {
    const auto token = read_token_file(path);
    if (!token.error.empty()) return refuse(token.error, f.json);
    if (!token.value) {
      print_done({{"ok", true}, {"message", "not logged in"}}, "not logged in", f.json);
      return kExitOk;
    }
    ops.end_session(*token.value);
    (void)unlink(path.c_str());
    print_done({{"ok", true}, {"message", "logged out"}}, "logged out", f.json);
    return kExitOk;
  }
  const auto password = login_password(f.login);
  if (!password.error.empty()) return usage_error(password.error);
  if (!password.value) {
    return usage_error(
        "no password: type it at a terminal, or give --password-file FILE or PHIL_PASSWORD");
  }
  const auto s = ops.start_session(f.login.operator_id, *password.value);
  if (!s) return print_refusal(s.error(), f.json);
  if (auto error = write_token_file(path, s.value().token); !error.empty()) {
    ops.end_session(s.value().token);
    return refuse(error, f.json);
  }
  const auto& session = s.value().session;
  const std::string role = role_of(session.actor);
  print_done({{"ok", true},
              {"operator", session.actor.id},
              {"role", role},
              {"session_file", path},
              {"session_expires_at", when(session.expires_at)}},
             "logged in as " + session.actor.id + " (" + role + ") until " +
                 when(session.expires_at) + " (30 minutes unused end it sooner)",
             f.json);
  return kExitOk;
}

int run_operator_command(const OperatorCommands& c, const Front& f, const Authenticated& a) {
  if (c.whoami->parsed()) return whoami(a, f);
  auto opened = open_db(f);
  if (!opened.ops) return opened.exit_code;
  auto& ops = *opened.ops;
  const auto& actor = *a.actor;
  if (c.list->parsed()) return list_operators(ops, actor, f);
  if (c.disable->parsed()) {
    const auto r = ops.disable_operator(actor, c.id);
    if (!r) return print_refusal(r.error(), f.json);
    const auto m = "disabled operator " + c.id + "; their sessions are ended";
    print_done({{"ok", true}, {"message", m}}, m, f.json);
    return kExitOk;
  }
  if (c.role->parsed()) {
    const auto role = role_arg(c.role_name);
    if (!role) return kExitUsage;
    const auto r = ops.set_role(actor, c.id, *role);
    if (!r) return print_refusal(r.error(), f.json);
    const auto m = "operator " + c.id + " is now " + c.role_name + "; their sessions are ended";
    print_done({{"ok", true}, {"message", m}}, m, f.json);
    return kExitOk;
  }
  const bool add = c.add->parsed();
  const std::string id = add || !c.id.empty() ? c.id : actor.id;
  std::optional<domain::Role> role;
  if (add) {
    role = role_arg(c.role_name);
    if (!role) return kExitUsage;
  }
  auto pw = new_password(c.new_password_file, kNewPasswordEnv, c.generate, false, id);
  if (!pw.value) return pw.exit_code;
  const auto r = add ? ops.add_operator(actor, {id, c.name, *role, *pw.value})
                     : ops.set_password(actor, id, *pw.value);
  if (!r) return print_refusal(r.error(), f.json);
  std::string m = add ? "added operator " + id + " (" + c.role_name + ")"
                      : "new password for " + id + "; their sessions are ended";
  nlohmann::json j{{"ok", true}, {"operator", id}};
  if (pw.generated) {
    j["generated_password"] = *pw.value;
    m += "\n" + text::format(text::Id::kGeneratedPassword, id, *pw.value);
  }
  j["message"] = add ? "added" : "password set";
  print_done(j, m, f.json);
  return kExitOk;
}

}  // namespace phil::app
