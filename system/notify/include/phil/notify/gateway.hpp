#pragma once
// The way an SMS leaves the site (issue 14 item 4). One narrow interface, one backend per way
// out, chosen in the site file (`notifications: gateway:`):
//   http     a JSON POST to a configured URL with a token header (the common shape of SMS
//            providers' HTTP APIs), over TLS for https:// (Boost.Beast + OpenSSL; the peer's
//            certificate and host name are verified against the system's CAs or `ca_file`);
//   command  runs a program with the message on stdin (and PHIL_SMS_* in its environment);
//   file     appends one JSON line per message to a file, for the bench and demos.
// A send is at least once: a reply lost after the provider took the message is retried. Every
// message carries its notice id as an idempotency key (HTTP header `Idempotency-Key`, the JSON
// field "id", PHIL_SMS_ID) so a provider or program that honours it makes it exactly once. The
// file gateway honours it itself: an id already in the file is not written again.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <phil/common/expected.hpp>
#include <phil/common/time.hpp>

namespace phil::notify {

/// One message to send.
struct Sms {
  std::string id;  ///< the idempotency key: the same for every try of one notice
  std::string to;  ///< the phone number as stored
  std::string text;
  std::string kind;  ///< "alarm1", "alarm2", "arrears", "restore", "office"
};

/// Why a send did not succeed; every kind is retried by the caller (with backoff).
struct SendError {
  enum class Kind : std::uint8_t {
    kRefused,  ///< the gateway answered, but not with success (HTTP non-2xx, exit code != 0)
    kTimeout,  ///< no complete answer in time (the message may have gone out)
    kIo,       ///< could not connect, TLS failed, the connection broke, the file cannot be written
  };
  Kind kind = Kind::kIo;
  std::string message;  ///< what, where (URL, program, file) and what was answered
};

using SendResult = Expected<void, SendError>;

class Gateway {
 public:
  virtual ~Gateway() = default;
  /// Sends `sms`; blocks at most the gateway's timeout. Never throws for a failure of the
  /// peer: returns it.
  virtual SendResult send(const Sms& sms) = 0;
  /// "http https://sms.example.com/send", "command /usr/local/bin/sms", "file /var/log/sms".
  virtual std::string describe() const = 0;
};

/// How the site file configures a gateway.
struct GatewaySpec {
  enum class Kind : std::uint8_t { kHttp, kCommand, kFile };
  Kind kind = Kind::kFile;
  // http
  std::string url;  ///< http://HOST[:PORT]/PATH or https://...
  std::string token_header = "Authorization";
  std::string token;    ///< sent as the header's value ("" sends no header)
  std::string ca_file;  ///< "" = the system's certificate store
  // command
  std::vector<std::string> argv;  ///< program and its arguments
  // file
  std::string path;
  Millis timeout{10'000};  ///< http and command: the whole send
};

/// The gateway `spec` describes. Throws std::invalid_argument for a spec that cannot work (a URL
/// that is not http(s)://HOST[:PORT]/PATH, an empty program or path), naming what to fix.
std::unique_ptr<Gateway> make_gateway(const GatewaySpec& spec);

/// A URL's parts, as the HTTP gateway uses them.
struct Url {
  bool tls = false;
  std::string host;
  std::string port;    ///< "443" / "80" when the URL names none
  std::string target;  ///< the path and query, "/" at least
};
/// nullopt unless `url` is http(s)://HOST[:PORT][/PATH]; a port is 1..65535.
std::optional<Url> parse_url(std::string_view url);

}  // namespace phil::notify
