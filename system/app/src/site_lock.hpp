#pragma once
// One daemon per site. Two prepaidd on one database would both poll and both deliver; two on one
// serial line would garble each other's frames. The daemon therefore holds, while it runs:
//   - an exclusive lock (flock) on "<database>.lock", a file that names the holder's pid;
//   - an exclusive lock (flock) on each of its local serial ports (a device that cannot be
//     opened is left to the bus, which reports it).
// The kernel releases them when the process ends however it ends (kill -9 included), so a lock
// left by a dead daemon never blocks a start. Serial servers and gateways (TCP) are not locked:
// they serve several clients by design.
#include <string>
#include <variant>
#include <vector>

#include <phil/service/system.hpp>

namespace phil::app {

class SiteLock {
 public:
  /// Takes every lock of the site, or none: on a refusal, the message says which database or
  /// port is held, by which pid if known, and what to do.
  static std::variant<SiteLock, std::string> acquire(const std::string& db_path,
                                                     const service::SiteConfig& site);
  SiteLock(SiteLock&& other) noexcept;
  SiteLock& operator=(SiteLock&&) = delete;
  SiteLock(const SiteLock&) = delete;
  SiteLock& operator=(const SiteLock&) = delete;
  ~SiteLock();

 private:
  SiteLock() = default;
  std::vector<int> fds_;
  std::string lock_file_;
};

}  // namespace phil::app
