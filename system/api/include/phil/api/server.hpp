#pragma once
// prepaid-api's network side: HTTP/1.1 (Boost.Beast) over TLS (OpenSSL), or plain HTTP on a
// loopback address when asked for. It only moves bytes: each request whole, within the limits
// (config.limits: header and body size, the time to receive it, connections open at once), goes
// to Api::handle on one of the server's threads, and the answer goes back. A request over a
// limit gets its JSON error (413, 431, 400) and the connection closes; a client too slow is cut
// off; nothing reaches Operations in either case.
#include <cstddef>
#include <memory>
#include <optional>

#include <phil/api/api.hpp>
#include <phil/api/config.hpp>
#include <phil/api/tls.hpp>

namespace phil::api {

class Server {
 public:
  /// Binds config.address:config.port (port 0: any free port, see port()). `tls` nullopt serves
  /// plain HTTP, allowed only when config.plain_http is set and the address is loopback. Throws
  /// std::runtime_error saying what and what to do when it cannot listen or load the pair.
  Server(Api& api, ApiConfig config, std::optional<TlsFiles> tls);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// The port it listens on.
  unsigned short port() const;
  /// Serves on config.limits.threads threads; returns at once.
  void start();
  /// Stops accepting, drops the connections and joins the threads. Idempotent.
  void stop();
  /// Connections open now.
  std::size_t connections() const;

  struct Impl;  ///< server.cpp's; public only so that its sessions can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace phil::api
