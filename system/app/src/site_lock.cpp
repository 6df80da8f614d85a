#include "site_lock.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace phil::app {

namespace {

std::string read_pid(const std::string& path) {
  std::ifstream in(path);
  std::string pid;
  std::getline(in, pid);
  return pid.empty() ? std::string("unknown") : pid;
}

}  // namespace

std::variant<SiteLock, std::string> SiteLock::acquire(const std::string& db_path,
                                                      const service::SiteConfig& site) {
  SiteLock lock;
  lock.lock_file_ = db_path + ".lock";
  const int fd = ::open(lock.lock_file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return "cannot create the lock file " + lock.lock_file_ + ": " + std::strerror(errno) +
           ". Check that its folder is writable";
  }
  lock.fds_.push_back(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    return "database " + db_path + " is already served by another prepaidd (pid " +
           read_pid(lock.lock_file_) + ", per " + lock.lock_file_ +
           "). Stop that one first; one daemon serves a site";
  }
  // The pid is for people reading the refusal; the lock itself is the flock.
  const auto pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    return "cannot write the lock file " + lock.lock_file_ + ": " + std::strerror(errno);
  }
  for (const auto& bus : site.buses) {
    if (bus.transport != service::Transport::kRtu) continue;
    const int port = ::open(bus.port.c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (port < 0) continue;  // missing or not permitted: the bus reports it when it opens
    lock.fds_.push_back(port);
    if (::flock(port, LOCK_EX | LOCK_NB) != 0) {
      return "bus " + bus.id + ": serial port " + bus.port +
             " is held by another process (another prepaidd on a different database?). Stop it "
             "first; two masters on one line garble each other's frames";
    }
  }
  return lock;
}

SiteLock::SiteLock(SiteLock&& other) noexcept
    : fds_(std::move(other.fds_)), lock_file_(std::move(other.lock_file_)) {
  other.fds_.clear();
}

SiteLock::~SiteLock() {
  for (const int fd : fds_)
    ::close(fd);  // releases the flocks; the lock file stays (removing it would race a starter)
}

}  // namespace phil::app
