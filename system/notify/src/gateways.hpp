#pragma once
// The gateway backends (gateway.hpp), made by make_gateway.
#include <mutex>
#include <set>
#include <string>

#include <sys/stat.h>
#include <sys/types.h>

#include <phil/notify/gateway.hpp>

namespace phil::notify::detail {

/// Appends one JSON object per line: {"id", "to", "kind", "text"}, exactly once per id: a
/// message whose id a line of the file already has (an earlier try that was written but never
/// recorded as sent) is success without a second line. The ids are read once and then only
/// what was appended since (by anyone: the file is locked around the look and the append).
class FileGateway final : public Gateway {
 public:
  explicit FileGateway(std::string path) : path_(std::move(path)) {}
  SendResult send(const Sms& sms) override;
  std::string describe() const override { return "file " + path_; }

 private:
  /// Adds the ids of the complete lines after scanned_ (all of them for a new or rotated file)
  /// and moves scanned_ to the end of the last one. False if the file cannot be read.
  bool scan(int fd, const struct stat& st);

  std::string path_;
  std::mutex mutex_;
  ino_t inode_ = 0;
  off_t scanned_ = 0;
  std::set<std::string> ids_;
};

/// Runs argv[0] with argv[1..], the text on stdin, PHIL_SMS_ID, PHIL_SMS_TO and PHIL_SMS_KIND in
/// the environment; exit 0 within the timeout is success (else killed, a timeout).
class CommandGateway final : public Gateway {
 public:
  CommandGateway(std::vector<std::string> argv, Millis timeout)
      : argv_(std::move(argv)), timeout_(timeout) {}
  SendResult send(const Sms& sms) override;
  std::string describe() const override { return "command " + argv_.front(); }

 private:
  std::vector<std::string> argv_;
  Millis timeout_;
};

/// POSTs {"id", "to", "text", "kind"} as JSON to the URL with the token header and
/// `Idempotency-Key: id`; any 2xx answer is success. One connection per message: a site sends a
/// few SMS a day, and a fresh connection has no state to go stale.
class HttpGateway final : public Gateway {
 public:
  explicit HttpGateway(const GatewaySpec& spec);
  SendResult send(const Sms& sms) override;
  std::string describe() const override { return "http " + spec_.url; }

 private:
  GatewaySpec spec_;
  Url url_;
};

}  // namespace phil::notify::detail
