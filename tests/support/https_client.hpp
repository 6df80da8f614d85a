#pragma once
// Test-only (and perf_api's): a blocking HTTPS/1.1 client on one kept-alive Beast connection that
// trusts only the given certificate and checks the server's name, and the request it sends.
#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace phil::test {

/// A request to 127.0.0.1 with the bearer `token` (if any) and a JSON `body` (if any).
inline boost::beast::http::request<boost::beast::http::string_body> api_request(
    boost::beast::http::verb verb, const std::string& target, const std::string& token = "",
    const std::string& body = "") {
  namespace http = boost::beast::http;
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  return req;
}

class TlsClient {
 public:
  using Reply = boost::beast::http::response<boost::beast::http::string_body>;

  /// Connects to 127.0.0.1:`port` and shakes hands; throws boost::system::system_error when the
  /// server cannot be reached or its certificate is not `certificate` for 127.0.0.1.
  TlsClient(const std::string& certificate, unsigned short port)
      : ctx_(boost::asio::ssl::context::tls_client) {
    namespace asio = boost::asio;
    ctx_.load_verify_file(certificate);
    ctx_.set_verify_mode(asio::ssl::verify_peer);
    stream_.emplace(ioc_, ctx_);
    auto& tcp = boost::beast::get_lowest_layer(*stream_);
    tcp.expires_after(std::chrono::seconds(10));
    tcp.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    stream_->set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
    stream_->handshake(asio::ssl::stream_base::client);
  }

  /// Sends `req` and reads its answer, within 10 s.
  Reply send(const boost::beast::http::request<boost::beast::http::string_body>& req) {
    boost::beast::get_lowest_layer(*stream_).expires_after(std::chrono::seconds(10));
    boost::beast::http::write(*stream_, req);
    Reply res;
    boost::beast::http::read(*stream_, buffer_, res);
    return res;
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::ssl::context ctx_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace phil::test
