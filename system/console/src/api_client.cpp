#include <memory>
#include <utility>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>
#include <QtNetwork/QSslConfiguration>

#include <phil/console/api_client.hpp>

namespace phil::console {

SessionInfo session_from_json(const QJsonObject& j) {
  SessionInfo s;
  s.operator_id = j.value("operator").toString();
  s.name = j.value("name").toString(s.operator_id);
  s.role = j.value("role").toString();
  for (const auto& a : j.value("may").toArray())
    s.may.insert(a.toString());
  const auto limits = j.value("limits").toObject();
  s.max_amount = limits.value("max_amount").toString();
  s.confirm_above = limits.value("confirm_above").toString();
  return s;
}

ApiClient::ApiClient(QUrl base, QObject* parent)
    : QObject(parent), base_(std::move(base)), net_(new QNetworkAccessManager(this)) {
  // The API speaks HTTP/1.1 (Beast); no HTTP/2 negotiation, no cookies: the token is the session.
  net_->setCookieJar(nullptr);
}

void ApiClient::addCaCertificates(const QList<QSslCertificate>& certs) {
  auto conf = QSslConfiguration::defaultConfiguration();
  conf.addCaCertificates(certs);
  QSslConfiguration::setDefaultConfiguration(conf);
}

QNetworkRequest ApiClient::request(const QString& path) const {
  QNetworkRequest r(base_.resolved(QUrl(path)));
  r.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
  r.setRawHeader("Accept-Language", language_.toUtf8());
  if (!token_.isEmpty()) r.setRawHeader("Authorization", "Bearer " + token_);
  r.setTransferTimeout(timeout_ms_);
  return r;
}

void ApiClient::login(const QString& id, const QString& password, Callback done) {
  QJsonObject body{{"id", id}, {"password", password}};
  Call c{"POST",
         "/api/session",
         QJsonDocument(body).toJson(QJsonDocument::Compact),
         {},
         false,
         [this, done = std::move(done)](const ApiReply& r) {
           if (r.ok()) {
             token_ = r.json.value("token").toString().toUtf8();
             session_ = session_from_json(r.json);
             expired_ = false;
             emit loggedIn();
             auto kept = std::move(kept_);
             kept_.clear();
             for (auto& k : kept)
               send(std::move(k));
           }
           done(r);
         }};
  send(std::move(c));
}

void ApiClient::logout() {
  if (token_.isEmpty()) return;
  auto* reply = net_->deleteResource(request("/api/session"));
  connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
  token_.clear();
  session_ = {};
}

void ApiClient::get(const QString& path, QObject* context, Callback done) {
  send({"GET", path, {}, context, context != nullptr, std::move(done)});
}

void ApiClient::post(const QString& path, const QJsonObject& body, QObject* context,
                     Callback done) {
  send({"POST", path, QJsonDocument(body).toJson(QJsonDocument::Compact), context,
        context != nullptr, std::move(done)});
}

void ApiClient::getAll(const QString& path, QObject* context, ListCallback done) {
  getPage(std::make_shared<Paging>(Paging{path, {}, std::move(done), context, context != nullptr}));
}

// Each page's callback holds the paging state; a call dropped (its context gone) frees it.
void ApiClient::getPage(const std::shared_ptr<Paging>& state) {
  const auto sep = state->path.contains('?') ? '&' : '?';
  const auto path =
      QStringLiteral("%1%2offset=%3&limit=1000").arg(state->path).arg(sep).arg(state->items.size());
  QObject* context = state->has_context ? state->context.data() : nullptr;
  if (state->has_context && context == nullptr) return;
  get(path, context, [this, state](const ApiReply& r) {
    if (!r.ok()) {
      state->done({}, r);
      return;
    }
    const auto page = r.json.value("items").toArray();
    for (const auto& i : page)
      state->items.append(i);
    if (page.isEmpty() || state->items.size() >= r.json.value("total").toInteger()) {
      state->done(state->items, r);
      return;
    }
    getPage(state);
  });
}

void ApiClient::download(const QString& path, QObject* context, Callback done) {
  get(path, context, std::move(done));
}

void ApiClient::send(Call call) {
  auto req = request(call.path);
  QNetworkReply* reply = nullptr;
  if (call.method == "POST") {
    req.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
    reply = net_->post(req, call.body);
  } else {
    reply = net_->sendCustomRequest(req, call.method);
  }
  connect(reply, &QNetworkReply::finished, this,
          [this, reply, call = std::move(call)]() mutable { finished(reply, std::move(call)); });
}

void ApiClient::finished(QNetworkReply* reply, Call call) {
  reply->deleteLater();
  ApiReply r;
  r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
  r.body = reply->readAll();
  const auto doc = QJsonDocument::fromJson(r.body);
  if (doc.isObject()) r.json = doc.object();
  if (r.status == 0) {
    r.error = tr("No answer from %1: %2").arg(base_.toString(), reply->errorString());
  } else if (!r.ok()) {
    r.error = r.json.value("error").toObject().value("message").toString(
        tr("The server answered %1").arg(r.status));
  }
  // A 401 of a logged-in session (not of a login itself): keep the call for after the login.
  if (r.status == 401 && (!token_.isEmpty() || expired_) && call.path != "/api/session") {
    token_.clear();
    kept_.push_back(std::move(call));
    if (!expired_) {
      expired_ = true;
      emit sessionExpired();
    }
    return;
  }
  if (call.has_context && call.context.isNull()) return;
  if (call.done) call.done(r);
}

}  // namespace phil::console
