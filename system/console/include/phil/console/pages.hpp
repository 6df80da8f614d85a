#pragma once
// The console's pages. Each talks to the API through the one ApiClient and holds no business
// rule: what a role may do comes from the session (ApiClient::may), amounts and refusals from the
// server. Widgets tests reach are named (objectName) so a test finds them as a person would.
#include <functional>
#include <memory>

#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QMap>
#include <QtCore/QPersistentModelIndex>
#include <QtCore/QPointF>
#include <QtCore/QPointer>
#include <QtCore/QTimer>
#include <QtGui/QStandardItemModel>
#include <QtWidgets/QWidget>

class QCheckBox;
class QComboBox;
class QDateEdit;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QListWidget;

class QChartView;

namespace phil::console {

class ApiClient;
struct ApiReply;
class BoardModel;
class BoardFilter;
class BoardView;

/// 状态 — the board: buildings, floors, boxes and circuits as tiles in the six colours, a legend
/// with counts, filters and search, live updates, selection and batch commands.
class BoardPage : public QWidget {
  Q_OBJECT
 public:
  BoardPage(ApiClient& api, BoardModel& model, QWidget* parent = nullptr);

  BoardView* view() const { return view_; }
  BoardFilter* filter() const { return filter_; }
  /// The legend's count of a state as shown.
  int shownCount(const QString& status) const;
  /// The batch command chosen for the selected meters, previewed: the preview's table model.
  QStandardItemModel* previewModel() { return &preview_; }
  /// Previews `command` on the selection (POST /api/batches/preview); `done` when it is there.
  void preview(const QString& command);
  /// Sends the previewed batch (POST /api/batches) and follows its progress on the tiles.
  void sendPreviewed();
  qint64 lastBatch() const { return batch_; }

 signals:
  void meterActivated(const QString& meter);
  void previewReady(bool ok, const QString& message);
  void batchSent(qint64 batch);
  void batchProgress(int confirmed, int pending, int failed);

 private:
  void updateCounts();
  void askPreview();
  void followBatch();

  ApiClient& api_;
  BoardModel& model_;
  BoardFilter* filter_;
  BoardView* view_;
  QLineEdit* search_;
  QComboBox* floor_;
  QComboBox* command_;
  QPushButton* send_;
  QLabel* selection_;
  std::vector<std::pair<QString, QCheckBox*>> legend_;
  QStandardItemModel preview_;
  QString previewed_command_;
  QStringList previewed_meters_;
  qint64 batch_ = 0;
  QTimer follow_;
};

/// 售电 — the counter: find an account, sell, refund, reverse, each pending until the meter
/// confirms; a receipt as PDF; open and close accounts.
class CounterPage : public QWidget {
  Q_OBJECT
 public:
  CounterPage(ApiClient& api, BoardModel& board, QWidget* parent = nullptr);

  /// Looks the account up (GET /api/accounts/ID) and shows it.
  void showAccount(const QString& id);
  /// A sale of `amount` yuan to the account shown; asks again above the server's confirm_above.
  void sell(const QString& amount);
  void refund(const QString& amount);
  /// Writes the receipt of the last confirmed sale to `pdf` (QPrinter); false without one.
  bool printReceipt(const QString& pdf) const;
  /// The state of the last sale: "", "pending", "confirmed", "failed".
  QString lastSaleState() const { return last_.state; }
  QString accountId() const { return account_.value("account").toString(); }
  QStandardItemModel* transactions() { return &transactions_; }
  /// The shown account's ledger, newest first; its last column is the system log entry.
  QStandardItemModel* ledger() { return &ledger_; }
  /// The last sale's receipt lines (label, value), as printReceipt prints them.
  QList<QPair<QString, QString>> receiptLines() const;

 signals:
  void accountShown(bool found);
  void saleStateChanged(const QString& state);
  void message(const QString& text);

 private:
  struct Sale {
    QString account, tenant, room, amount, balance, operator_id, at, state, meter;
    qint64 command = 0, seq = 0, log_entry = 0;
    /// Its state cell in the transactions table: rows inserted above it (a refund, a reversal)
    /// while it is pending do not move the update to another row.
    QPersistentModelIndex state_cell;
  };
  void find();
  void follow();
  void openAccount();
  void closeAccount();
  void reversal();
  bool confirmAmount(const QString& what, const QString& amount);
  /// A sale or refund: the amount checked (and confirmed above the server's confirm_above),
  /// POSTed to the account's `route`; `done(account, yuan, reply)` on success, the server's
  /// refusal shown otherwise.
  void moneyCall(const QString& what, const QString& route, const QString& amount,
                 const std::function<void(const QString&, const QString&, const ApiReply&)>& done);
  void setBusy(bool busy);

  ApiClient& api_;
  BoardModel& board_;
  QJsonObject account_;
  QLineEdit* find_;
  QListWidget* matches_;
  QLabel* details_;
  QLineEdit* amount_;
  QPushButton* sale_;
  QPushButton* refund_;
  QPushButton* reversal_;
  QPushButton* receipt_;
  QTableView* ledger_view_;
  QStandardItemModel ledger_;
  QStandardItemModel transactions_;
  Sale last_;
  QTimer follow_;
  int follow_rounds_ = 0;
};

/// 报警 — the realtime alarms, a cue for new ones, acknowledgement, history.
class AlarmsPage : public QWidget {
  Q_OBJECT
 public:
  explicit AlarmsPage(ApiClient& api, QWidget* parent = nullptr);
  void reload();
  /// An alarm from the feed: added or updated; a new active one cues.
  void alarmChanged(const QJsonObject& alarm);
  QStandardItemModel* model() { return &model_; }
  int activeCount() const;

 signals:
  void newAlarm(const QJsonObject& alarm);
  void activeCountChanged(int count);

 private:
  void upsert(const QJsonObject& a);
  void ack();

  ApiClient& api_;
  QStandardItemModel model_;
  QTableView* table_;
  QCheckBox* history_;
  QCheckBox* sound_;
  QLabel* banner_;
  QTimer banner_timer_;
};

/// 报表 — each report of the API, with its chart where one helps, and an Excel export.
class ReportsPage : public QWidget {
  Q_OBJECT
 public:
  explicit ReportsPage(ApiClient& api, QWidget* parent = nullptr);
  /// Runs the report chosen (kind: sales, energy, daily, offline, readings, shift).
  void run();
  /// Downloads the report as xlsx to `path`; `done(ok)`.
  void exportXlsx(const QString& path);
  void setKind(const QString& kind);
  void setPeriod(const QDate& from, const QDate& to);
  QStandardItemModel* table() { return &table_; }
  /// The chart's series totals (name -> sum of its values), as plotted.
  QMap<QString, double> seriesTotals() const { return totals_; }
  QChartView* chartView() const { return chart_; }

 signals:
  void reportReady(bool ok, const QString& message);
  void exported(bool ok, const QString& path);

 private:
  QString query(const QString& format) const;
  void plot(const QJsonObject& report);

  ApiClient& api_;
  QComboBox* kind_;
  QComboBox* by_;
  QComboBox* group_;
  QDateEdit* from_;
  QDateEdit* to_;
  QLabel* title_;
  QTableView* view_;
  QStandardItemModel table_;
  QChartView* chart_;
  QMap<QString, double> totals_;
};

/// 电表与账户 — one meter or one account over the last 30 days: its state; daily energy as bars
/// with the time-of-use rates stacked (the energy report's rows of the meter, or the account's
/// statement use); the account's balance over time (the statement's balance after each entry);
/// a meter's commands and events. Opened from the board (a double-click on a tile) or by typing
/// a meter or an account.
class MeterPage : public QWidget {
  Q_OBJECT
 public:
  explicit MeterPage(ApiClient& api, QWidget* parent = nullptr);
  /// Shows meter `id` ("bus1/4/1"); loaded() when every answer is in.
  void showMeter(const QString& id);
  /// Shows account `id`; loaded() when its statement is in.
  void showAccount(const QString& id);
  QChartView* energyChart() const { return energy_; }
  QChartView* balanceChart() const { return balance_; }
  /// Each rate's kWh summed over the days, as plotted.
  QMap<QString, double> energyTotals() const { return energy_totals_; }
  /// The balance line's points (ms since the epoch, yuan), as plotted.
  QList<QPointF> balancePoints() const { return balance_points_; }
  QStandardItemModel* commands() { return &commands_; }
  QStandardItemModel* events() { return &events_; }

 signals:
  void loaded(bool ok, const QString& message);

 private:
  void clear();
  /// GET `path`; `use` on success; loaded() once the last pending call is answered.
  void call(const QString& path, const std::function<void(const ApiReply&)>& use);
  void plotEnergy(const QJsonObject& report, const QString& group);
  void plotBalance(const QJsonValue& entries_report);

  ApiClient& api_;
  QLineEdit* find_;
  QLabel* title_;
  QChartView* energy_;
  QChartView* balance_;
  QStandardItemModel commands_;
  QStandardItemModel events_;
  QMap<QString, double> energy_totals_;
  QList<QPointF> balance_points_;
  int pending_ = 0;
  int generation_ = 0;  // a new show makes the answers of the one before stale
  QString failed_;
};

/// 管理 — operators and roles, tariffs, and the system log with its chain check.
class AdminPage : public QWidget {
  Q_OBJECT
 public:
  explicit AdminPage(ApiClient& api, QWidget* parent = nullptr);
  void reload();
  void verifyChain();
  QStandardItemModel* operators() { return &operators_; }
  QStandardItemModel* log() { return &log_; }

 signals:
  void chainChecked(bool intact, const QString& text);

 private:
  void addOperator();
  void changeRole();
  void disableOperator();

  ApiClient& api_;
  QStandardItemModel operators_;
  QStandardItemModel tariffs_;
  QStandardItemModel log_;
  QTableView* operators_view_;
  QLabel* chain_;
};

/// The developer's bench (script/console): a circuit's load, a look at what the meter holds, and
/// the fleet's faults, through `adf300-sim ctl`; shown only when the fleet's control socket is
/// configured.
class BenchPanel : public QWidget {
  Q_OBJECT
 public:
  BenchPanel(QString sim, QString control, QWidget* parent = nullptr);
  /// Runs `adf300-sim ctl --control CONTROL args...`; its answer goes to the panel's log.
  void ctl(const QStringList& args);

 signals:
  void answered(int exit_code, const QString& output);

 private:
  QString sim_;
  QString control_;
  QLineEdit* bus_;
  QLineEdit* address_;
  QLineEdit* duration_;
  QLineEdit* circuit_;
  QLineEdit* load_;
  QLabel* output_;
};

}  // namespace phil::console
