#include <QtCore/QJsonDocument>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>

#include <phil/console/api_client.hpp>
#include <phil/console/feed_client.hpp>

namespace phil::console {

FeedClient::FeedClient(ApiClient& api, QObject* parent) : QObject(parent), api_(api) {
  retry_.setSingleShot(true);
  retry_.setInterval(2'000);
  connect(&retry_, &QTimer::timeout, this, &FeedClient::open);
  // A new session opens the stream again (the old one ended with its token).
  connect(&api_, &ApiClient::loggedIn, this, [this] {
    if (running_ && reply_.isNull()) open();
  });
}

FeedClient::~FeedClient() {
  stop();
}

void FeedClient::start() {
  running_ = true;
  if (reply_.isNull()) open();
}

void FeedClient::stop() {
  running_ = false;
  retry_.stop();
  if (auto* r = reply_.data()) {
    reply_.clear();
    r->disconnect(this);
    r->abort();
    r->deleteLater();
  }
}

void FeedClient::open() {
  if (!running_ || !api_.signedIn()) return;
  auto req = api_.request(QStringLiteral("/api/events"));
  req.setTransferTimeout(0);  // a stream: the server's keep-alive comments show it is alive
  req.setRawHeader("Accept", "text/event-stream");
  if (!last_id_.empty()) req.setRawHeader("Last-Event-ID", QByteArray::fromStdString(last_id_));
  parser_ = std::make_unique<SseParser>();
  reply_ = api_.network()->get(req);
  connect(reply_, &QNetworkReply::readyRead, this, &FeedClient::read);
  connect(reply_, &QNetworkReply::finished, this, &FeedClient::closed);
  emit connectionChanged(true);
  if (last_id_.empty()) emit reloadNeeded();
}

void FeedClient::read() {
  if (reply_.isNull()) return;
  const auto bytes = reply_->readAll();
  for (const auto& e :
       parser_->feed(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())))) {
    dispatch(e);
  }
  if (!parser_->last_id().empty()) last_id_ = parser_->last_id();
  if (parser_->failed()) reply_->abort();  // finished() follows: reconnect
}

void FeedClient::closed() {
  auto* r = reply_.data();
  reply_.clear();
  if (r) r->deleteLater();
  emit connectionChanged(false);
  if (running_) retry_.start();
}

void FeedClient::dispatch(const SseEvent& e) {
  const auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(e.data));
  const auto j = doc.object();
  if (e.type == "meter") {
    emit meterChanged(j);
  } else if (e.type == "meter_removed") {
    emit meterRemoved(j.value("meter").toString());
  } else if (e.type == "alarm") {
    emit alarmChanged(j);
  } else if (e.type == "reset") {
    emit reloadNeeded();
  } else if (e.type == "end") {
    last_id_.clear();
    emit ended(j.value("message").toString());
  }
}

}  // namespace phil::console
