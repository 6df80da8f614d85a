#pragma once
// The live feed (GET /api/events) for the board and the alarms: one long response of server-sent
// events, decoded by SseParser. Reconnects after a drop (2 s later) with Last-Event-ID, so no
// event the server still keeps is missed; a "reset" from the server (or a first connect) asks the
// pages to reload what they show.
#include <memory>

#include <QtCore/QJsonObject>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QTimer>

#include <phil/console/sse.hpp>

class QNetworkReply;

namespace phil::console {

class ApiClient;

class FeedClient : public QObject {
  Q_OBJECT
 public:
  explicit FeedClient(ApiClient& api, QObject* parent = nullptr);
  ~FeedClient() override;

  void start();
  void stop();
  bool connected() const { return !reply_.isNull(); }

 signals:
  /// A meter's board row as GET /api/status gives it.
  void meterChanged(const QJsonObject& row);
  void meterRemoved(const QString& meter);
  /// An alarm as GET /api/alarms gives it (raised, acknowledged or cleared).
  void alarmChanged(const QJsonObject& alarm);
  /// Reload the board and the alarms (first connect, or the server lost our place).
  void reloadNeeded();
  /// The server ended the stream for the session (log in again).
  void ended(const QString& message);
  void connectionChanged(bool connected);

 private:
  void open();
  void read();
  void closed();
  void dispatch(const SseEvent& e);

  ApiClient& api_;
  QPointer<QNetworkReply> reply_;
  std::unique_ptr<SseParser> parser_;
  std::string last_id_;
  QTimer retry_;
  bool running_ = false;
};

}  // namespace phil::console
