#include <array>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gateways.hpp"

namespace phil::notify::detail {

namespace {

/// Closes the descriptor (and so drops its lock) on every way out.
struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

bool FileGateway::scan(int fd, const struct stat& st) {
  if (st.st_ino != inode_ || st.st_size < scanned_) {  // rotated or truncated: read it anew
    inode_ = st.st_ino;
    scanned_ = 0;
    ids_.clear();
  }
  std::string tail;
  std::array<char, 65536> buf{};
  for (off_t at = scanned_; at < st.st_size;) {
    const auto n = ::pread(fd, buf.data(), buf.size(), at);
    if (n <= 0) return false;
    tail.append(buf.data(), static_cast<std::size_t>(n));
    at += n;
  }
  std::size_t start = 0;
  for (auto end = tail.find('\n'); end != std::string::npos; end = tail.find('\n', start)) {
    const auto j =
        nlohmann::json::parse(tail.begin() + static_cast<std::ptrdiff_t>(start),
                              tail.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
    if (j.is_object() && j.contains("id") && j["id"].is_string()) {
      ids_.insert(j["id"].get<std::string>());
    }
    start = end + 1;
  }
  // A line without its end (a crash in the middle of an append) is read again next time.
  scanned_ += static_cast<off_t>(start);
  return true;
}

SendResult FileGateway::send(const Sms& sms) {
  const std::scoped_lock guard(mutex_);
  const Fd f(::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (f.fd < 0) {
    return SendError{SendError::Kind::kIo, "cannot open " + path_ + ": " + std::strerror(errno) +
                                               "; check the folder and its permissions"};
  }
  // The look for the id and the append are one step against any other writer of the file.
  struct stat st {};
  if (::flock(f.fd, LOCK_EX) != 0 || ::fstat(f.fd, &st) != 0 || !scan(f.fd, st)) {
    return SendError{SendError::Kind::kIo, "cannot read " + path_ + ": " + std::strerror(errno) +
                                               "; check the file and its permissions"};
  }
  // Delivered by an earlier try whose success was never recorded (a crash between the append
  // and the outbox's commit): delivered once, so success without a second line.
  if (ids_.contains(sms.id)) return {};
  const bool torn = scanned_ < st.st_size;  // a torn last line: start ours on a line of its own
  const auto line =
      std::string(torn ? "\n" : "") +
      nlohmann::json{{"id", sms.id}, {"to", sms.to}, {"kind", sms.kind}, {"text", sms.text}}
          .dump() +
      "\n";
  // O_APPEND with one write: lines of concurrent writers do not interleave.
  const auto written = ::write(f.fd, line.data(), line.size());
  const int write_errno = errno;
  const bool synced = ::fsync(f.fd) == 0;
  if (written != static_cast<ssize_t>(line.size()) || !synced) {
    return SendError{SendError::Kind::kIo,
                     "cannot write " + path_ + ": " + std::strerror(write_errno)};
  }
  return {};
}

}  // namespace phil::notify::detail
