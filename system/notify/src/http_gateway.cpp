// The HTTP(S) gateway on Boost.Beast's client: one exchange per message (resolve, connect, TLS
// handshake, POST, read the answer) as a chain of asynchronous steps under one deadline, on an
// io_context of its own, so a provider that hangs costs at most the timeout and never blocks
// anything but its caller. (Callbacks, not coroutines: Boost 1.74's Asio has no coroutine
// support under clang, which the fuzz build and clang-tidy use.)
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include "gateways.hpp"

namespace phil::notify::detail {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

/// How an exchange ended: the answer, or the error and the step it happened in.
struct Outcome {
  std::optional<Response> response;
  beast::error_code error;
  std::string step;
};

/// One POST over `Stream` (beast::tcp_stream or ssl_stream of it): each step starts the next
/// from its completion handler; `done` is set once, by the last step or the first error.
template <class Stream>
class Exchange : public std::enable_shared_from_this<Exchange<Stream>> {
 public:
  Exchange(Stream stream, tcp::resolver& resolver, const Url& url, const Request& req, Outcome& out)
      : stream_(std::move(stream)), resolver_(resolver), url_(url), req_(req), out_(out) {}

  void start(std::chrono::steady_clock::time_point deadline) {
    beast::get_lowest_layer(stream_).expires_at(deadline);
    resolver_.async_resolve(
        url_.host, url_.port,
        [self = this->shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
          if (self->failed(ec, "resolve")) return;
          beast::get_lowest_layer(self->stream_)
              .async_connect(r, [self](beast::error_code ec2, const tcp::endpoint&) {
                if (self->failed(ec2, "connect")) return;
                self->handshake();
              });
        });
  }

 private:
  bool failed(beast::error_code ec, const char* step) {
    if (!ec) return false;
    out_.error = ec;
    out_.step = step;
    return true;
  }

  void handshake() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      write();
    } else {
      stream_.async_handshake(ssl::stream_base::client,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (self->failed(ec, "TLS handshake")) return;
                                self->write();
                              });
    }
  }

  void write() {
    http::async_write(stream_, req_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (self->failed(ec, "send")) return;
                        self->read();
                      });
  }

  void read() {
    parser_.body_limit(std::uint64_t{64} *
                       1024);  // an SMS provider's answer is small; a huge one is an error
    http::async_read(stream_, buffer_, parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       if (self->failed(ec, "read the answer")) return;
                       self->out_.response = self->parser_.release();
                       // The answer is in: how the peer closes changes nothing.
                       beast::error_code ignored;
                       beast::get_lowest_layer(self->stream_)
                           .socket()
                           .shutdown(tcp::socket::shutdown_both, ignored);
                     });
  }

  Stream stream_;
  tcp::resolver& resolver_;
  const Url& url_;
  const Request& req_;
  Outcome& out_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
};

}  // namespace

HttpGateway::HttpGateway(const GatewaySpec& spec) : spec_(spec) {
  auto url = parse_url(spec.url);
  if (!url) {
    throw std::invalid_argument("the http gateway's url \"" + spec.url +
                                "\" is not http(s)://HOST[:PORT][/PATH]; e.g. "
                                "https://sms.example.com/v1/send");
  }
  url_ = std::move(*url);
}

SendResult HttpGateway::send(const Sms& sms) {
  Request req{http::verb::post, url_.target, 11};
  const bool default_port = url_.port == (url_.tls ? "443" : "80");
  req.set(http::field::host, default_port ? url_.host : url_.host + ":" + url_.port);
  req.set(http::field::user_agent, "prepaid-hil");
  req.set(http::field::content_type, "application/json");
  req.set("Idempotency-Key", sms.id);
  if (!spec_.token.empty()) req.set(spec_.token_header, spec_.token);
  req.body() =
      nlohmann::json{{"id", sms.id}, {"to", sms.to}, {"text", sms.text}, {"kind", sms.kind}}.dump();
  req.prepare_payload();

  // Declared in the order they must outlive each other: the exchange (held by the pending
  // handlers, destroyed with the io_context) writes to `out` and uses the TLS context.
  Outcome out;
  std::optional<ssl::context> tls;
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  const auto deadline = std::chrono::steady_clock::now() + spec_.timeout;
  if (url_.tls) {
    tls.emplace(ssl::context::tls_client);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    beast::error_code ec;
    if (spec_.ca_file.empty()) {
      tls->set_default_verify_paths(ec);
    } else {
      tls->load_verify_file(spec_.ca_file, ec);
    }
    if (ec) {
      return SendError{SendError::Kind::kIo,
                       "http gateway " + spec_.url + ": cannot load the certificates " +
                           (spec_.ca_file.empty() ? "of the system" : spec_.ca_file) + ": " +
                           ec.message()};
    }
    tls->set_verify_mode(ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, *tls);
    // SNI, so a provider behind a shared front end picks the right certificate
    // (SSL_set_tlsext_host_name is a macro with a C cast; the call it stands for).
    SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(url_.host.c_str()));
    stream.set_verify_callback(ssl::host_name_verification(url_.host));
    std::make_shared<Exchange<beast::ssl_stream<beast::tcp_stream>>>(std::move(stream), resolver,
                                                                     url_, req, out)
        ->start(deadline);
  } else {
    std::make_shared<Exchange<beast::tcp_stream>>(beast::tcp_stream(ioc), resolver, url_, req, out)
        ->start(deadline);
  }
  // The resolver is not covered by the stream's deadline: the loop is, with a little slack.
  ioc.run_for(spec_.timeout + std::chrono::milliseconds(500));
  const auto where = "http gateway " + spec_.url;
  if (!out.response) {
    if (!out.error || out.error == beast::error::timeout) {
      return SendError{SendError::Kind::kTimeout, where + ": no answer within " +
                                                      format_duration(spec_.timeout) +
                                                      "; the message may have gone out"};
    }
    return SendError{SendError::Kind::kIo, where + ": " + out.step + ": " + out.error.message()};
  }
  const auto& response = out.response;
  const auto code = response->result_int();
  if (code >= 200 && code < 300) return {};
  auto body = response->body();
  if (body.size() > 200) body = body.substr(0, 200) + "...";
  return SendError{SendError::Kind::kRefused, where + " answered " + std::to_string(code) + " " +
                                                  std::string(response->reason()) +
                                                  (body.empty() ? "" : ": " + body)};
}

}  // namespace phil::notify::detail
