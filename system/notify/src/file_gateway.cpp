#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "gateways.hpp"

namespace phil::notify::detail {

SendResult FileGateway::send(const Sms& sms) {
  const auto line =
      nlohmann::json{{"id", sms.id}, {"to", sms.to}, {"kind", sms.kind}, {"text", sms.text}}
          .dump() +
      "\n";
  // O_APPEND with one write: lines of concurrent writers do not interleave.
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    return SendError{SendError::Kind::kIo, "cannot open " + path_ + ": " + std::strerror(errno) +
                                               "; check the folder and its permissions"};
  }
  const auto written = ::write(fd, line.data(), line.size());
  const int write_errno = errno;
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (written != static_cast<ssize_t>(line.size()) || !synced) {
    return SendError{SendError::Kind::kIo,
                     "cannot write " + path_ + ": " + std::strerror(write_errno)};
  }
  return {};
}

}  // namespace phil::notify::detail
