#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gateways.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere

namespace phil::notify::detail {

namespace {

/// The last line of what the program wrote, for the error (at most 300 bytes).
std::string last_line(std::string out) {
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
    out.pop_back();
  if (const auto nl = out.rfind('\n'); nl != std::string::npos) out = out.substr(nl + 1);
  if (out.size() > 300) out = out.substr(out.size() - 300);
  return out;
}

/// Writes `text` to `fd` without a SIGPIPE reaching the process when the reader has gone: the
/// signal is blocked in this thread only and a pending one taken back, so no other thread's
/// disposition changes.
void write_quietly(int fd, const std::string& text) {
  sigset_t pipe_set;
  sigset_t old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  const auto n = ::write(fd, text.data(), text.size());
  if (n < 0 && errno == EPIPE) {
    const timespec zero{0, 0};
    (void)sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

struct Pipe {
  std::array<int, 2> fd{-1, -1};
  bool open() { return ::pipe2(fd.data(), O_CLOEXEC) == 0; }
  void close_end(std::size_t i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
  ~Pipe() {
    close_end(0);
    close_end(1);
  }
};

}  // namespace

SendResult CommandGateway::send(const Sms& sms) {
  const auto& program = argv_.front();
  Pipe in;
  Pipe out;
  if (!in.open() || !out.open()) {
    return SendError{SendError::Kind::kIo,
                     "cannot run " + program + ": pipe: " + std::strerror(errno)};
  }
  // The environment is built before fork: the child only calls async-signal-safe functions.
  std::vector<std::string> env_text;
  env_text.reserve(64);
  env_text.insert(env_text.end(),
                  {"PHIL_SMS_ID=" + sms.id, "PHIL_SMS_TO=" + sms.to, "PHIL_SMS_KIND=" + sms.kind});
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view v(*e);
    if (!v.starts_with("PHIL_SMS_")) env_text.emplace_back(v);
  }
  std::vector<char*> env;
  env.reserve(env_text.size() + 1);
  for (auto& e : env_text)
    env.push_back(e.data());
  env.push_back(nullptr);
  std::vector<std::string> args = argv_;
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) {
    return SendError{SendError::Kind::kIo,
                     "cannot run " + program + ": fork: " + std::strerror(errno)};
  }
  if (pid == 0) {
    ::dup2(in.fd[0], STDIN_FILENO);
    ::dup2(out.fd[1], STDOUT_FILENO);
    ::dup2(out.fd[1], STDERR_FILENO);
    ::execve(argv[0], argv.data(), env.data());
    const char msg[] = "cannot execute the program\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  in.close_end(0);
  out.close_end(1);
  // The message is short (an SMS); a pipe takes 64 KiB without blocking. A program that does
  // not read its stdin gets EPIPE here, which is its business: its exit status decides.
  write_quietly(in.fd[1], sms.text);
  in.close_end(1);

  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  std::string output;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out.fd[0], POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    std::array<char, 4096> buf{};
    const auto n = ::read(out.fd[0], buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the program closed its output (normally: it exited)
    if (output.size() < std::size_t{64} * 1024)
      output.append(buf.data(), static_cast<std::size_t>(n));
  }
  int status = 0;
  if (timed_out) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return SendError{SendError::Kind::kTimeout,
                     program + " did not finish within " + format_duration(timeout_) +
                         " and was killed; the message may have gone out"};
  }
  // Output closed: the program ends now; wait for it, still within the deadline.
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) {
      return SendError{SendError::Kind::kIo, program + ": waitpid: " + std::strerror(errno)};
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return SendError{
          SendError::Kind::kTimeout,
          program + " did not exit within " + format_duration(timeout_) + " and was killed"};
    }
    ::usleep(10'000);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  const auto said = last_line(std::move(output));
  const auto how = WIFEXITED(status) ? "exited with " + std::to_string(WEXITSTATUS(status))
                                     : "was killed by signal " + std::to_string(WTERMSIG(status));
  return SendError{SendError::Kind::kRefused,
                   program + " " + how + (said.empty() ? "" : ": " + said)};
}

}  // namespace phil::notify::detail
