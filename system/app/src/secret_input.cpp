#include "secret_input.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <phil/common/text.hpp>
#include <phil/domain/operators.hpp>

namespace phil::app {

namespace {

// What a signal handler needs to put the terminal back: set only while echo is off.
// NOLINTBEGIN(cppcoreguidelines-avoid-non-const-global-variables)
volatile std::sig_atomic_t g_restore_fd = -1;
termios g_saved_mode{};
// NOLINTEND(cppcoreguidelines-avoid-non-const-global-variables)

constexpr std::array kSignals{SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};

extern "C" void restore_and_reraise(int sig) {
  const int fd = g_restore_fd;
  if (fd >= 0) {
    (void)tcsetattr(fd, TCSAFLUSH, &g_saved_mode);  // async-signal-safe
    (void)write(fd, "\n", 1);
  }
  (void)std::signal(sig, SIG_DFL);
  (void)raise(sig);
}

/// Echo off on `fd` for its lifetime; the saved mode back on every way out (see above).
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {
    if (tcgetattr(fd, &saved_) != 0) return;
    g_saved_mode = saved_;
    struct sigaction sa {};
    sa.sa_handler = restore_and_reraise;
    sigemptyset(&sa.sa_mask);
    for (std::size_t i = 0; i < kSignals.size(); ++i)
      sigaction(kSignals[i], &sa, &previous_[i]);
    g_restore_fd = fd;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHOE | ECHOK);
    quiet.c_lflag |= ECHONL;  // the Enter key still moves to the next line
    active_ = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) (void)tcsetattr(fd_, TCSAFLUSH, &saved_);
    g_restore_fd = -1;
    for (std::size_t i = 0; i < kSignals.size(); ++i)
      sigaction(kSignals[i], &previous_[i], nullptr);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  int fd_;
  termios saved_{};
  std::array<struct sigaction, kSignals.size()> previous_{};
  bool active_ = false;
};

std::string hex_digest(const std::string& text) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(text.data()),
                     text.size());
  std::array<char, (crypto_hash_sha256_BYTES * 2) + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return std::string(hex.data());
}

std::string mode_text(mode_t mode) {
  std::array<char, 8> out{};
  (void)std::snprintf(out.data(), out.size(), "%04o", static_cast<unsigned>(mode & 07777U));
  return out.data();
}

}  // namespace

bool has_terminal() {
  if (isatty(STDIN_FILENO) == 0) return false;
  const int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return false;
  close(fd);
  return true;
}

std::optional<std::string> read_password_from_terminal(const std::string& prompt) {
  const int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return std::nullopt;
  std::optional<std::string> line;
  {
    EchoOff quiet(fd);
    (void)write(fd, prompt.data(), prompt.size());
    std::string got;
    char c = 0;
    while (true) {
      const ssize_t n = read(fd, &c, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (c == '\n' || c == '\r') {
        line = got;  // a copy: the buffer read into is wiped below
        break;
      }
      got.push_back(c);
    }
    sodium_memzero(got.data(), got.size());
  }
  close(fd);
  return line;
}

Secret read_secret_file(const std::string& path) {
  Secret out;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    out.error = "cannot read the password file " + path + ": " + std::strerror(errno);
    return out;
  }
  if ((st.st_mode & 077U) != 0) {
    out.warning =
        text::format(text::Id::kSecretFileOpen, path, mode_text(st.st_mode), "chmod 600 it");
  }
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    out.error = "cannot read the password file " + path + " (or it is empty)";
    return out;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) {
    out.error = "the first line of the password file " + path + " is empty; put the password there";
    return out;
  }
  out.value = std::move(line);
  return out;
}

std::optional<std::string> secret_from_env(const char* name) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read before any thread
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::string generate_password(const std::string& id) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";  // no 0/O, 1/l/I
  while (true) {
    std::string p;
    for (int i = 0; i < 20; ++i)
      p.push_back(kAlphabet[randombytes_uniform(static_cast<std::uint32_t>(kAlphabet.size()))]);
    if (!domain::check_password(p, id)) return p;
  }
}

std::string session_path(const std::string& session_file, const std::string& db) {
  if (!session_file.empty()) return session_file;
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  std::error_code ec;
  auto abs = std::filesystem::weakly_canonical(db, ec);
  if (ec) abs = std::filesystem::absolute(db);
  const std::string name = "session-" + hex_digest(abs.string()).substr(0, 16);
  if (auto run = secret_from_env("XDG_RUNTIME_DIR")) {
    return (std::filesystem::path(*run) / "prepaid-hil" / name).string();
  }
  if (auto home = secret_from_env("HOME")) {
    return (std::filesystem::path(*home) / ".cache" / "prepaid-hil" / name).string();
  }
  return {};
}

std::string write_token_file(const std::string& path, const std::string& token) {
  const std::filesystem::path p(path);
  if (p.has_parent_path()) {
    const auto dir = p.parent_path();
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {
      std::filesystem::create_directories(dir, ec);
      if (ec) return "cannot create " + dir.string() + ": " + ec.message();
      std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::replace, ec);
    }
  }
  // A new file each time (an old one, whatever its mode, is replaced, never written through).
  (void)unlink(path.c_str());
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot write the session file " + path + ": " + std::strerror(errno);
  const std::string line = token + "\n";
  const bool ok = fchmod(fd, 0600) == 0 &&
                  write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  close(fd);
  if (!ok) {
    (void)unlink(path.c_str());
    return "cannot write the session file " + path;
  }
  return {};
}

Secret read_token_file(const std::string& path) {
  Secret out;
  const int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) {
      out.error = "cannot read the session file " + path + ": " + std::strerror(errno);
    }
    return out;
  }
  struct stat st {};
  const bool stated = fstat(fd, &st) == 0;
  if (!stated || st.st_uid != geteuid()) {
    close(fd);
    out.error = text::format(text::Id::kSecretFileOwner, path);
    return out;
  }
  if ((st.st_mode & 077U) != 0) {
    close(fd);
    out.error = text::format(text::Id::kSecretFileOpen, path, mode_text(st.st_mode),
                             "it is not used (a session file must be 0600); log in again");
    return out;
  }
  std::array<char, 128> buf{};
  const ssize_t n = read(fd, buf.data(), buf.size() - 1);
  close(fd);
  std::string token(buf.data(), n > 0 ? static_cast<std::size_t>(n) : 0U);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r'))
    token.pop_back();
  if (token.empty()) {
    out.error = "the session file " + path + " is empty; log in again";
    return out;
  }
  out.value = std::move(token);
  return out;
}

}  // namespace phil::app
