#pragma once
// The console's one way to the system: prepaid-api over HTTPS (QNetworkAccessManager). Never the
// database: the console runs on any office PC. Every call is asynchronous; its callback runs on
// the GUI thread, and not at all once `context` is gone.
//
// Sessions: login() keeps the bearer token. A call answered 401 while logged in means the session
// ended (expired, or logged out elsewhere): the call is kept, sessionExpired() is emitted once,
// and the kept calls are sent again, in order, after the next successful login() — what the
// operator was doing goes on where it stopped.
#include <functional>
#include <memory>
#include <vector>

#include <QtCore/QByteArray>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QSet>
#include <QtCore/QString>
#include <QtCore/QUrl>
#include <QtNetwork/QSslCertificate>

class QNetworkAccessManager;
class QNetworkReply;
class QNetworkRequest;

namespace phil::console {

struct ApiReply {
  int status = 0;    ///< HTTP status; 0 when no answer came (network, TLS, timeout)
  QJsonObject json;  ///< the body as JSON (empty for a download or a body that is not JSON)
  QByteArray body;   ///< the raw body (a download's file)
  QString error;     ///< what went wrong, for people: the API's message, or the network's
  bool ok() const { return status >= 200 && status < 300; }
};

/// The operator's session as the API describes it (POST /api/session, GET /api/whoami).
struct SessionInfo {
  QString operator_id;
  QString name;
  QString role;
  QSet<QString> may;      ///< the actions the role may do ("sale", "command", ...)
  QString max_amount;     ///< yuan: a sale or refund above it is refused by the server
  QString confirm_above;  ///< yuan: above it the console asks again
};

class ApiClient : public QObject {
  Q_OBJECT
 public:
  using Callback = std::function<void(const ApiReply&)>;

  /// `base` is the API's root, e.g. https://127.0.0.1:8443.
  explicit ApiClient(QUrl base, QObject* parent = nullptr);

  /// Trust these certificates besides the system's (the API's self-signed one, from its
  /// generated folder, or the site's CA).
  void addCaCertificates(const QList<QSslCertificate>& certs);
  /// The language of the API's messages and reports ("zh-CN" or "en").
  void setLanguage(const QString& language) { language_ = language; }
  /// A call without an answer after this long fails with status 0.
  void setTimeout(int ms) { timeout_ms_ = ms; }

  /// POST /api/session. On success keeps the token and the session, emits loggedIn() and sends
  /// the calls kept since a 401.
  void login(const QString& id, const QString& password, Callback done);
  /// DELETE /api/session; forgets the token.
  void logout();

  void get(const QString& path, QObject* context, Callback done);
  void post(const QString& path, const QJsonObject& body, QObject* context, Callback done);
  /// Every item of a paged list (the API gives at most 1,000 a page): GETs `path` page by page
  /// (offset, limit=1000) and calls `done` once with all the items and the last page's reply
  /// (the first failure's reply, with no items, if a page fails).
  using ListCallback = std::function<void(const QJsonArray& items, const ApiReply& last)>;
  void getAll(const QString& path, QObject* context, ListCallback done);
  /// A GET whose body is a file (a report as xlsx or CSV): ApiReply::body.
  void download(const QString& path, QObject* context, Callback done);

  bool signedIn() const { return !token_.isEmpty(); }
  const SessionInfo& session() const { return session_; }
  bool may(const QString& action) const { return session_.may.contains(action); }
  QUrl base() const { return base_; }
  QByteArray token() const { return token_; }
  QString language() const { return language_; }
  QNetworkAccessManager* network() const { return net_; }
  /// A request to `path` with the session's headers (the live feed opens its own stream).
  QNetworkRequest request(const QString& path) const;

 signals:
  void loggedIn();
  void sessionExpired();

 private:
  struct Call {
    QByteArray method;
    QString path;
    QByteArray body;
    QPointer<QObject> context;
    bool has_context = false;
    Callback done;
  };
  struct Paging {
    QString path;
    QJsonArray items;
    ListCallback done;
    QPointer<QObject> context;
    bool has_context = false;
  };
  void send(Call call);
  void finished(QNetworkReply* reply, Call call);
  void getPage(const std::shared_ptr<Paging>& state);

  QUrl base_;
  QNetworkAccessManager* net_;
  QByteArray token_;
  SessionInfo session_;
  QString language_ = QStringLiteral("zh-CN");
  int timeout_ms_ = 30'000;
  std::vector<Call> kept_;  ///< answered 401: sent again after the next login
  bool expired_ = false;
};

/// The session fields of a login or whoami answer.
SessionInfo session_from_json(const QJsonObject& j);

}  // namespace phil::console
