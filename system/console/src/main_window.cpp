#include <utility>

#include <QtCore/QCoreApplication>
#include <QtCore/QJsonArray>
#include <QtCore/QLocale>
#include <QtCore/QTranslator>
#include <QtWidgets/QApplication>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMenuBar>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QStatusBar>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QVBoxLayout>

#include <phil/console/api_client.hpp>
#include <phil/console/board_model.hpp>
#include <phil/console/feed_client.hpp>
#include <phil/console/main_window.hpp>
#include <phil/console/pages.hpp>

namespace phil::console {

namespace {
QTranslator* g_translator = nullptr;
}

void install_language(const QString& language) {
  if (g_translator != nullptr) {
    QCoreApplication::removeTranslator(g_translator);
    delete g_translator;
    g_translator = nullptr;
  }
  // English is the source text; its catalogue only gives the plural forms.
  auto* t = new QTranslator;
  if (t->load(":/i18n/console_" + language + ".qm")) {
    QCoreApplication::installTranslator(t);
    g_translator = t;
  } else {
    delete t;
  }
}

QString default_language() {
  return QLocale::system().language() == QLocale::Chinese ? QStringLiteral("zh_CN")
                                                          : QStringLiteral("en");
}

LoginDialog::LoginDialog(ApiClient& api, const QString& id, bool locked, QWidget* parent)
    : QDialog(parent), api_(api) {
  setObjectName("login");
  setWindowTitle(locked ? tr("The session ended: sign in again") : tr("Sign in"));
  id_ = new QLineEdit(id, this);
  id_->setObjectName("login-id");
  id_->setReadOnly(locked);
  password_ = new QLineEdit(this);
  password_->setObjectName("login-password");
  password_->setEchoMode(QLineEdit::Password);
  error_ = new QLabel(this);
  error_->setObjectName("login-error");
  error_->setStyleSheet("color: #c62828");
  error_->setWordWrap(true);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  auto* form = new QFormLayout;
  form->addRow(tr("Operator"), id_);
  form->addRow(tr("Password"), password_);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(
      new QLabel(tr("prepaid-hil operator console — %1").arg(api_.base().toString()), this));
  layout->addLayout(form);
  layout->addWidget(error_);
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::accepted, this, &LoginDialog::submit);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  (id.isEmpty() ? id_ : password_)->setFocus();
}

void LoginDialog::setPassword(const QString& password) {
  password_->setText(password);
}

QString LoginDialog::error() const {
  return error_->text();
}

void LoginDialog::submit() {
  error_->setText(tr("Signing in…"));
  api_.login(id_->text().trimmed(), password_->text(), [this](const ApiReply& r) {
    password_->clear();
    if (r.ok()) {
      error_->clear();
      accept();
    } else {
      error_->setText(r.error);
    }
  });
}

MainWindow::MainWindow(ApiClient& api, ConsoleOptions options, QWidget* parent)
    : QMainWindow(parent),
      api_(api),
      options_(std::move(options)),
      board_(std::make_unique<BoardModel>()),
      feed_(std::make_unique<FeedClient>(api)),
      language_(api.language() == "en" ? "en" : "zh_CN") {
  resize(1280, 860);
  connect(feed_.get(), &FeedClient::meterChanged, board_.get(), &BoardModel::apply);
  connect(feed_.get(), &FeedClient::meterRemoved, board_.get(), &BoardModel::remove);
  connect(feed_.get(), &FeedClient::reloadNeeded, this, [this] {
    reloadBoard();
    if (alarms_page_ != nullptr) alarms_page_->reload();
  });
  connect(feed_.get(), &FeedClient::alarmChanged, this, [this](const QJsonObject& a) {
    if (alarms_page_ != nullptr) alarms_page_->alarmChanged(a);
  });
  // The server ended the stream for the session: a call shows whether it ended (401 -> login).
  connect(feed_.get(), &FeedClient::ended, this,
          [this](const QString&) { api_.get("/api/whoami", this, [](const ApiReply&) {}); });
  connect(feed_.get(), &FeedClient::connectionChanged, this, [this](bool on) {
    if (feed_state_ != nullptr) feed_state_->setText(on ? tr("live") : tr("reconnecting…"));
  });
  connect(&api_, &ApiClient::sessionExpired, this, &MainWindow::sessionExpired);
  reload_.setInterval(options_.board_reload_ms);
  connect(&reload_, &QTimer::timeout, this, &MainWindow::reloadBoard);
  build();
  feed_->start();
  reload_.start();
}

MainWindow::~MainWindow() {
  feed_->stop();
}

void MainWindow::build() {
  setWindowTitle(tr("prepaid-hil operator console"));
  menuBar()->clear();
  auto* language = menuBar()->addMenu(tr("Language"));
  language->addAction("中文", this, [this] { setLanguage("zh_CN"); });
  language->addAction("English", this, [this] { setLanguage("en"); });
  auto* session = menuBar()->addMenu(tr("Session"));
  session->addAction(tr("Reload the board"), this, &MainWindow::reloadBoard);
  session->addAction(tr("Quit"), this, &QWidget::close);

  auto* old = tabs_;
  tabs_ = new QTabWidget(this);
  tabs_->setObjectName("tabs");
  board_page_ = new BoardPage(api_, *board_, tabs_);
  tabs_->addTab(board_page_, tr("Board"));
  counter_page_ = nullptr;
  if (api_.may("sale") || api_.may("open_account")) {
    counter_page_ = new CounterPage(api_, *board_, tabs_);
    tabs_->addTab(counter_page_, tr("Counter"));
  }
  alarms_page_ = new AlarmsPage(api_, tabs_);
  tabs_->addTab(alarms_page_, tr("Alarms"));
  meter_page_ = new MeterPage(api_, tabs_);
  tabs_->addTab(meter_page_, tr("Meter / account"));
  connect(board_page_, &BoardPage::meterActivated, this, [this](const QString& meter) {
    tabs_->setCurrentWidget(meter_page_);
    meter_page_->showMeter(meter);
  });
  reports_page_ = nullptr;
  if (api_.may("report") || api_.may("shift_report")) {
    reports_page_ = new ReportsPage(api_, tabs_);
    tabs_->addTab(reports_page_, tr("Reports"));
  }
  admin_page_ = nullptr;
  if (api_.may("manage_operators") || api_.may("read_log")) {
    admin_page_ = new AdminPage(api_, tabs_);
    tabs_->addTab(admin_page_, tr("Admin"));
    admin_page_->reload();
  }
  if (!options_.fleet_control.isEmpty() && !options_.fleet_sim.isEmpty()) {
    tabs_->addTab(new BenchPanel(options_.fleet_sim, options_.fleet_control, tabs_), tr("Bench"));
  }
  connect(alarms_page_, &AlarmsPage::activeCountChanged, this, [this](int n) {
    tabs_->setTabText(tabs_->indexOf(alarms_page_),
                      n > 0 ? tr("Alarms (%1)").arg(n) : tr("Alarms"));
  });
  setCentralWidget(tabs_);
  delete old;
  alarms_page_->reload();

  statusBar()->clearMessage();
  delete who_;
  delete feed_state_;
  const auto& s = api_.session();
  who_ = new QLabel(tr("%1 (%2)").arg(s.name, s.role), this);
  who_->setObjectName("who");
  feed_state_ = new QLabel(feed_->connected() ? tr("live") : tr("connecting…"), this);
  statusBar()->addPermanentWidget(feed_state_);
  statusBar()->addPermanentWidget(who_);
}

void MainWindow::reloadBoard() {
  api_.getAll("/api/status", this, [this](const QJsonArray& items, const ApiReply& r) {
    if (!r.ok()) {
      statusBar()->showMessage(r.error, 10'000);
      return;
    }
    board_->load(items);
    emit boardLoaded(board_->rowCount());
  });
}

void MainWindow::setLanguage(const QString& language) {
  language_ = language;
  install_language(language);
  api_.setLanguage(language == "en" ? "en" : "zh-CN");
  build();
  reloadBoard();
}

void MainWindow::sessionExpired() {
  if (login_) return;
  login_ = new LoginDialog(api_, api_.session().operator_id, true, this);
  login_->setAttribute(Qt::WA_DeleteOnClose);
  connect(login_, &QDialog::rejected, this, &QWidget::close);
  login_->open();
}

}  // namespace phil::console
