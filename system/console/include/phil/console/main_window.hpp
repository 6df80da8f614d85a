#pragma once
// The console's window: the pages as tabs (those the role may use), the operator and the feed's
// state in the status bar, the language menu. A session that ends asks for the password again in
// a dialog over the window, so nothing typed on a page is lost.
#include <memory>

#include <QtCore/QPointer>
#include <QtCore/QTimer>
#include <QtWidgets/QDialog>
#include <QtWidgets/QMainWindow>

class QLabel;
class QLineEdit;
class QTabWidget;
class QTranslator;

namespace phil::console {

class ApiClient;
class BoardModel;
class FeedClient;
class BoardPage;
class CounterPage;
class AlarmsPage;
class ReportsPage;
class AdminPage;
class BenchPanel;
class MeterPage;

/// Installs the console's catalogue for `language` ("zh_CN" or "en") in the application, in
/// place of the one before. English is the source text: no catalogue.
void install_language(const QString& language);
/// zh_CN on a Chinese system locale, else en.
QString default_language();

class LoginDialog : public QDialog {
  Q_OBJECT
 public:
  /// `id` prefilled; `locked` keeps it (a session that ended: the same operator signs in again).
  LoginDialog(ApiClient& api, const QString& id, bool locked, QWidget* parent = nullptr);
  void setPassword(const QString& password);
  /// Sends the login; the dialog accepts on success, shows the server's message otherwise.
  void submit();
  QString error() const;

 private:
  ApiClient& api_;
  QLineEdit* id_;
  QLineEdit* password_;
  QLabel* error_;
};

struct ConsoleOptions {
  QString fleet_sim;             ///< adf300-sim, for the bench panel ("" hides it)
  QString fleet_control;         ///< its control socket
  int board_reload_ms = 60'000;  ///< balances and readings (the feed gives state changes)
};

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  MainWindow(ApiClient& api, ConsoleOptions options, QWidget* parent = nullptr);
  ~MainWindow() override;

  BoardModel& board() { return *board_; }
  BoardPage* boardPage() const { return board_page_; }
  CounterPage* counterPage() const { return counter_page_; }
  AlarmsPage* alarmsPage() const { return alarms_page_; }
  ReportsPage* reportsPage() const { return reports_page_; }
  AdminPage* adminPage() const { return admin_page_; }
  MeterPage* meterPage() const { return meter_page_; }
  QTabWidget* tabs() const { return tabs_; }
  FeedClient& feed() { return *feed_; }
  /// Reloads the board (GET /api/status, every meter).
  void reloadBoard();
  /// Switches the language: the pages are made again in it, the board reloads.
  void setLanguage(const QString& language);
  QString language() const { return language_; }

 signals:
  void boardLoaded(int meters);

 private:
  void build();
  void sessionExpired();

  ApiClient& api_;
  ConsoleOptions options_;
  std::unique_ptr<BoardModel> board_;
  std::unique_ptr<FeedClient> feed_;
  QTabWidget* tabs_ = nullptr;
  BoardPage* board_page_ = nullptr;
  CounterPage* counter_page_ = nullptr;
  AlarmsPage* alarms_page_ = nullptr;
  ReportsPage* reports_page_ = nullptr;
  AdminPage* admin_page_ = nullptr;
  MeterPage* meter_page_ = nullptr;
  QLabel* who_ = nullptr;
  QLabel* feed_state_ = nullptr;
  QTimer reload_;
  QString language_;
  QPointer<LoginDialog> login_;
};

}  // namespace phil::console
