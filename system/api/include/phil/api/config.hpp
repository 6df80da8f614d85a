#pragma once
// prepaid-api's configuration file (strict YAML: unknown keys, wrong types and values out of
// range are errors with file:line:col). Every key is optional:
//
//   listen: 0.0.0.0:8443          # address:port; a host name is not accepted
//   tls:
//     certificate: /etc/prepaid/api.crt   # PEM; with `key`. Without both, a self-signed pair is
//     key: /etc/prepaid/api.key           # made on first start in `generated_dir`
//     generated_dir: /var/lib/prepaid/api-tls
//   plain_http: false             # true only with a loopback listen address (tests, a proxy)
//   session_lifetime: 8h          # at most 8h (domain::kSessionLifetime)
//   allowed_origins: [https://office.example]   # browser pages of other origins may call
//   limits:
//     max_body: 65536             # bytes of a request body
//     max_header: 8192            # bytes of the request line and header fields
//     request_timeout: 10s        # to receive a whole request, or the next on a kept-alive
//                                 # connection (slow clients are cut off)
//     max_connections: 256        # open at once; more wait in the kernel's queue
//     login_per_minute: 10        # login attempts from one address
//     threads: 2                  # threads serving connections
//     max_streams: 32             # live feeds (GET /api/events) open at once; 0: none
//   feed_interval: 2s             # how often the live feed looks at the board and the alarms
//   static_dir: /usr/share/prepaid/www   # the tenant page's files (default: the installed ones)
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace phil::api {

struct Limits {
  std::size_t max_body = std::size_t{64} * 1024;
  std::size_t max_header = std::size_t{8} * 1024;
  std::chrono::milliseconds request_timeout{10'000};
  std::size_t max_connections = 256;
  int login_per_minute = 10;
  int threads = 2;
  std::size_t max_streams = 32;
};

struct ApiConfig {
  std::string address = "127.0.0.1";
  unsigned short port = 8443;
  std::optional<std::string> certificate;  ///< PEM file; set with `key`
  std::optional<std::string> key;
  std::string generated_dir;  ///< where a self-signed pair is kept; "" -> beside the database
  bool plain_http = false;    ///< loopback addresses only (checked by load and by the server)
  std::chrono::milliseconds session_lifetime{8 * 3'600'000};
  std::vector<std::string> allowed_origins;
  Limits limits;
  std::chrono::milliseconds feed_interval{2'000};
  std::string static_dir;  ///< "" -> no static files
  /// A sale, refund or opening sale above this (fen) asks the operator to confirm it again in
  /// the console (key `confirm_above`, yuan; default 1000.00). The site's max_amount is the
  /// hard limit; this one only asks. Both reach the console in /api/whoami's "limits".
  std::int64_t confirm_above_fen = 100'000;
};

/// True for 127.0.0.0/8 and ::1.
bool loopback_address(const std::string& address);

/// Reads the file. Throws yaml::ConfigError naming file:line:col and the key for anything
/// wrong, including plain_http on an address that is not loopback.
ApiConfig load_api_config(const std::string& path);
/// The same from text (`name` stands for the file in messages).
ApiConfig parse_api_config(const std::string& text, const std::string& name);

}  // namespace phil::api
