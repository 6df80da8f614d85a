#pragma once
// prepaidctl's secrets (issue 13 item 3): passwords typed at the terminal without echo, read from
// a file or the environment (never from the command line), and the session token's file. No
// business rule here: Operations decides who may log in.
#include <optional>
#include <string>

namespace phil::app {

/// True if prepaidctl may ask at the terminal: its standard input is one and /dev/tty opens.
bool has_terminal();

/// Asks `prompt` on /dev/tty and reads one line with echo off. The terminal's mode is restored
/// on every way out: the line read, an error, and a signal (ctrl-C, ctrl-\, hang-up, kill),
/// after which the signal takes its usual course. nullopt without a terminal or at end of input.
std::optional<std::string> read_password_from_terminal(const std::string& prompt);

/// A secret read from a file or the environment, or why not.
struct Secret {
  std::optional<std::string> value;
  std::string error;    ///< set when value is not: the message to print (a usage error)
  std::string warning;  ///< a file others may read: printed on stderr, the secret still used
};

/// The first line of `path` (without its line break). A file that group or others may read is
/// used with a warning saying how to close it (chmod 600); one that cannot be read, or an empty
/// first line, is an error.
Secret read_secret_file(const std::string& path);

/// The value of environment variable `name`, if set and not empty.
std::optional<std::string> secret_from_env(const char* name);

/// A strong random password (20 characters of an alphabet without look-alikes: about 115 bits)
/// that domain::check_password accepts for operator `id`.
std::string generate_password(const std::string& id);

/// The session file of database `db`: `session_file` if given, else
/// $XDG_RUNTIME_DIR/prepaid-hil/session-<hash of db's absolute path>, else
/// $HOME/.cache/prepaid-hil/session-<...>; empty if neither variable is set.
std::string session_path(const std::string& session_file, const std::string& db);

/// Writes `token` to `path` (mode 0600, replacing a file there; its directory made 0700 if
/// missing). Returns the error message, empty on success.
std::string write_token_file(const std::string& path, const std::string& token);

/// The token in `path`. Not found: value nullopt, error empty. A file that is not the user's, or
/// that group or others may read or write (not 0600), is refused: value nullopt, error set.
Secret read_token_file(const std::string& path);

}  // namespace phil::app
