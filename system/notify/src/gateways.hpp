#pragma once
// The gateway backends (gateway.hpp), made by make_gateway.
#include <phil/notify/gateway.hpp>

namespace phil::notify::detail {

/// Appends one JSON object per line: {"id", "to", "kind", "text"}.
class FileGateway final : public Gateway {
 public:
  explicit FileGateway(std::string path) : path_(std::move(path)) {}
  SendResult send(const Sms& sms) override;
  std::string describe() const override { return "file " + path_; }

 private:
  std::string path_;
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
