#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <phil/api/server.hpp>
#include <phil/common/text.hpp>

namespace phil::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// Sessions point back here with a plain pointer: the io_context, which holds every pending
// handler (and so every session), is destroyed first in ~Impl, while the rest still lives.
struct Server::Impl {
  Api& api;
  ApiConfig config;
  std::unique_ptr<asio::io_context> ioc = std::make_unique<asio::io_context>();
  std::optional<ssl::context> tls;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::atomic<std::size_t> active{0};
  std::mutex mutex;  ///< guards paused and stopped
  bool paused = false;
  bool stopped = false;

  Impl(Api& a, ApiConfig c) : api(a), config(std::move(c)) {
    acceptor.emplace(asio::make_strand(*ioc));
  }
  ~Impl() {
    acceptor.reset();
    ioc.reset();  // drops the sessions still pending; each calls ended()
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void accept();
  void ended();
};

namespace {

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  template <class... Args>
  Session(Server::Impl* server, tcp::socket socket, Args&&... args)
      : server_(server), stream_(std::move(socket), std::forward<Args>(args)...) {
    beast::error_code ec;
    const auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    peer_ = ec ? "unknown" : ep.address().to_string();
  }

  ~Session() { server_->ended(); }

  void run() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(server_->config.limits.request_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->read();
                              });
    } else {
      read();
    }
  }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->config.limits.max_header));
    parser_->body_limit(server_->config.limits.max_body);
    // One deadline for the whole request: a client trickling bytes (slowloris) is cut off.
    beast::get_lowest_layer(stream_).expires_after(server_->config.limits.request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    const auto& limits = server_->config.limits;
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::eof ||
        ec == asio::ssl::error::stream_truncated) {
      return close();
    }
    if (ec == http::error::body_limit) {
      return reject("too_large", text::format(text::Id::kApiBodyTooLarge, limits.max_body));
    }
    if (ec == http::error::header_limit) {
      return reject("header_too_large",
                    text::format(text::Id::kApiHeaderTooLarge, limits.max_header));
    }
    if (ec) return reject("invalid", text::format(text::Id::kApiBadHttp, ec.message()));
    const auto& msg = parser_->get();
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& f : msg)
      req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    req.body = msg.body();
    req.peer = peer_;
    req.tls = kTls;
    auto res = server_->api.handle(req);
    if (res.stream && msg.method() != http::verb::head) {
      return write_stream(std::move(res), msg.version());
    }
    write(std::move(res), msg.keep_alive(), msg.version(), msg.method() == http::verb::head);
  }

  /// An answer that stays open: its header and body, without a length (the body ends when the
  /// connection closes), then what its stream gives each interval.
  void write_stream(Response r, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version);
    res->set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers)
      res->insert(name, value);
    res->keep_alive(false);
    res->body() = std::move(r.body);
    events_ = std::move(r.stream);
    beast::get_lowest_layer(stream_).expires_after(server_->config.limits.request_timeout);
    auto sr = std::make_shared<http::response_serializer<http::string_body>>(*res);
    http::async_write(
        stream_, *sr,
        [self = this->shared_from_this(), res, sr](beast::error_code ec, std::size_t) {
          if (ec) return;
          self->timer_.emplace(self->stream_.get_executor());
          self->wait_events();
        });
  }

  void wait_events() {
    // No deadline while it waits: the stream is quiet on purpose; each write has one.
    beast::get_lowest_layer(stream_).expires_never();
    timer_->expires_after(events_->interval());
    timer_->async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->next_events();
    });
  }

  void next_events() {
    auto text = events_->next();
    if (!text) return close();
    if (text->empty()) return wait_events();
    auto out = std::make_shared<std::string>(std::move(*text));
    beast::get_lowest_layer(stream_).expires_after(server_->config.limits.request_timeout);
    asio::async_write(stream_, asio::buffer(*out),
                      [self = this->shared_from_this(), out](beast::error_code ec, std::size_t) {
                        if (ec) return;  // the client went (or took too long): the session ends
                        self->wait_events();
                      });
  }

  /// A request the server itself refuses: its JSON error, and the connection closes.
  void reject(std::string_view code, const std::string& message) {
    const text::LanguageScope lang(parser_ ? language_of(header_of("Accept-Language"))
                                           : text::Lang::kZhCN);
    auto res = error_response(code, message);
    for (auto& h : security_headers(kTls))
      res.headers.push_back(std::move(h));
    write(std::move(res), false, 11, false);
  }

  std::optional<std::string_view> header_of(std::string_view name) const {
    const auto& msg = parser_->get();
    const auto it = msg.find(beast::string_view(name.data(), name.size()));
    if (it == msg.end()) return std::nullopt;
    return std::string_view(it->value().data(), it->value().size());
  }

  void write(Response r, bool keep_alive, unsigned version, bool head) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version);
    res->set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers)
      res->insert(name, value);
    res->keep_alive(keep_alive);
    res->body() = head ? std::string() : std::move(r.body);
    res->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(server_->config.limits.request_timeout);
    http::async_write(
        stream_, *res,
        [self = this->shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
          if (ec) return;
          if (keep_alive) {
            self->read();
          } else {
            self->close();
          }
        });
  }

  void close() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Server::Impl* server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string peer_;
  std::shared_ptr<EventStream> events_;      ///< an answer that stays open (live feed)
  std::optional<asio::steady_timer> timer_;  ///< its next look
};

}  // namespace

void Server::Impl::accept() {
  acceptor->async_accept(
      asio::make_strand(*ioc), [self = this](beast::error_code ec, tcp::socket s) {
        if (ec == asio::error::operation_aborted) return;
        if (!ec) {
          ++self->active;
          if (self->tls) {
            std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(self, std::move(s),
                                                                            *self->tls)
                ->run();
          } else {
            std::make_shared<Session<beast::tcp_stream>>(self, std::move(s))->run();
          }
        }
        {
          // At the bound, stop taking connections: the kernel's queue holds the next ones
          // until one here closes.
          const std::lock_guard lock(self->mutex);
          if (self->stopped) return;
          if (self->active >= self->config.limits.max_connections) {
            self->paused = true;
            return;
          }
        }
        self->accept();
      });
}

void Server::Impl::ended() {
  --active;
  const std::lock_guard lock(mutex);
  if (paused && !stopped && active < config.limits.max_connections) {
    paused = false;
    asio::post(acceptor->get_executor(), [self = this] { self->accept(); });
  }
}

Server::Server(Api& api, ApiConfig config, std::optional<TlsFiles> tls_files)
    : impl_(std::make_unique<Impl>(api, std::move(config))) {
  auto& c = impl_->config;
  if (!tls_files && !(c.plain_http && loopback_address(c.address))) {
    throw std::runtime_error("plain HTTP on " + c.address +
                             " refused: serve TLS, or listen on a loopback address with "
                             "plain_http: true");
  }
  if (tls_files) {
    impl_->tls.emplace(ssl::context::tls_server);
    auto& ctx = *impl_->tls;
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::single_dh_use);
    beast::error_code ec;
    ctx.use_certificate_chain_file(tls_files->certificate, ec);
    if (ec) {
      throw std::runtime_error("cannot load the certificate " + tls_files->certificate + ": " +
                               ec.message());
    }
    ctx.use_private_key_file(tls_files->key, ssl::context::pem, ec);
    if (ec) {
      throw std::runtime_error("cannot load the key " + tls_files->key + ": " + ec.message() +
                               " (is it the certificate's key, in PEM?)");
    }
  }
  beast::error_code ec;
  const tcp::endpoint ep(asio::ip::make_address(c.address, ec), c.port);
  if (ec) throw std::runtime_error("listen address " + c.address + ": " + ec.message());
  auto& a = *impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + c.address + ":" + std::to_string(c.port) + ": " +
                             ec.message() +
                             " (another program on that port? change listen in the API config)");
  }
}

Server::~Server() {
  stop();
}

unsigned short Server::port() const {
  return impl_->acceptor->local_endpoint().port();
}

void Server::start() {
  impl_->accept();
  const int n = std::max(1, impl_->config.limits.threads);
  for (int i = 0; i < n; ++i)
    impl_->threads.emplace_back([impl = impl_.get()] { impl->ioc->run(); });
}

void Server::stop() {
  {
    const std::lock_guard lock(impl_->mutex);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  impl_->ioc->stop();
  for (auto& t : impl_->threads)
    t.join();
  impl_->threads.clear();
}

std::size_t Server::connections() const {
  return impl_->active;
}

}  // namespace phil::api
