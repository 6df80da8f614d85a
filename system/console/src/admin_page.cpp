#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QInputDialog>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

#include <phil/console/api_client.hpp>
#include <phil/console/money.hpp>
#include <phil/console/pages.hpp>

namespace phil::console {

namespace {

QTableView* table_of(QStandardItemModel* model, QWidget* parent) {
  auto* t = new QTableView(parent);
  t->setModel(model);
  t->setSelectionBehavior(QAbstractItemView::SelectRows);
  t->setEditTriggers(QAbstractItemView::NoEditTriggers);
  t->horizontalHeader()->setStretchLastSection(true);
  return t;
}

QStringList roles() {
  return {"admin", "manager", "cashier", "engineer", "auditor"};
}

}  // namespace

AdminPage::AdminPage(ApiClient& api, QWidget* parent) : QWidget(parent), api_(api) {
  auto* tabs = new QTabWidget(this);
  // Operators and roles (admin).
  auto* ops = new QWidget(tabs);
  operators_view_ = table_of(&operators_, ops);
  auto* add = new QPushButton(tr("Add an operator…"), ops);
  auto* role = new QPushButton(tr("Change the role…"), ops);
  auto* disable = new QPushButton(tr("Disable"), ops);
  auto* ops_row = new QHBoxLayout;
  ops_row->addWidget(add);
  ops_row->addWidget(role);
  ops_row->addWidget(disable);
  ops_row->addStretch(1);
  auto* ops_layout = new QVBoxLayout(ops);
  ops_layout->addLayout(ops_row);
  ops_layout->addWidget(operators_view_, 1);
  if (api_.may("manage_operators"))
    tabs->addTab(ops, tr("Operators"));
  else
    ops->hide();
  // Tariffs (anyone may look).
  auto* tariffs = table_of(&tariffs_, tabs);
  tabs->addTab(tariffs, tr("Tariffs"));
  // The system log and its chain (read_log).
  auto* log = new QWidget(tabs);
  chain_ = new QLabel(log);
  chain_->setObjectName("admin-chain");
  chain_->setWordWrap(true);
  auto* verify = new QPushButton(tr("Check the chain"), log);
  verify->setObjectName("admin-verify");
  auto* log_row = new QHBoxLayout;
  log_row->addWidget(verify);
  log_row->addWidget(chain_, 1);
  auto* log_layout = new QVBoxLayout(log);
  log_layout->addLayout(log_row);
  log_layout->addWidget(table_of(&log_, log), 1);
  if (api_.may("read_log"))
    tabs->addTab(log, tr("System log"));
  else
    log->hide();
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(tabs);
  connect(add, &QPushButton::clicked, this, &AdminPage::addOperator);
  connect(role, &QPushButton::clicked, this, &AdminPage::changeRole);
  connect(disable, &QPushButton::clicked, this, &AdminPage::disableOperator);
  connect(verify, &QPushButton::clicked, this, &AdminPage::verifyChain);
}

void AdminPage::reload() {
  if (api_.may("manage_operators")) {
    api_.get("/api/operators?limit=1000", this, [this](const ApiReply& r) {
      operators_.clear();
      operators_.setHorizontalHeaderLabels(
          {tr("Id"), tr("Name"), tr("Role"), tr("Created"), tr("Disabled"), tr("Failed logins")});
      for (const auto& o : r.json.value("items").toArray()) {
        const auto j = o.toObject();
        operators_.appendRow({new QStandardItem(j.value("id").toString()),
                              new QStandardItem(j.value("name").toString()),
                              new QStandardItem(j.value("role").toString()),
                              new QStandardItem(local_time(j.value("created_at").toString())),
                              new QStandardItem(local_time(j.value("disabled_at").toString())),
                              new QStandardItem(QString::number(j.value("failures").toInt()))});
      }
    });
  }
  api_.get("/api/tariffs?limit=1000", this, [this](const ApiReply& r) {
    tariffs_.clear();
    tariffs_.setHorizontalHeaderLabels({tr("Tariff")});
    for (const auto& t : r.json.value("items").toArray()) {
      tariffs_.appendRow(new QStandardItem(
          QString::fromUtf8(QJsonDocument(t.toObject()).toJson(QJsonDocument::Compact))));
    }
  });
  if (api_.may("read_log")) {
    api_.get("/api/log?limit=500", this, [this](const ApiReply& r) {
      log_.clear();
      log_.setHorizontalHeaderLabels({tr("No."), tr("Time"), tr("Operator"), tr("Action"),
                                      tr("Target"), tr("Outcome"), tr("Details")});
      for (const auto& e : r.json.value("items").toArray()) {
        const auto j = e.toObject();
        log_.appendRow(
            {new QStandardItem(QString::number(j.value("id").toInteger())),
             new QStandardItem(local_time(j.value("at").toString())),
             new QStandardItem(j.value("operator").toString()),
             new QStandardItem(j.value("action").toString()),
             new QStandardItem(j.value("target").toString()),
             new QStandardItem(j.value("outcome").toString()),
             new QStandardItem(QString::fromUtf8(
                 QJsonDocument(j.value("details").toObject()).toJson(QJsonDocument::Compact)))});
      }
    });
  }
}

void AdminPage::verifyChain() {
  api_.get("/api/log/verify", this, [this](const ApiReply& r) {
    if (!r.ok()) {
      chain_->setText(r.error);
      emit chainChecked(false, r.error);
      return;
    }
    const bool intact = r.json.value("intact").toBool();
    const auto head = r.json.value("head").toObject();
    QString text = intact
                       ? tr("The chain is intact: %1 rows, %2 ledger entries; head %3 %4")
                             .arg(r.json.value("rows").toInteger())
                             .arg(r.json.value("ledger_entries").toInteger())
                             .arg(head.value("id").toInteger())
                             .arg(head.value("hash").toString().left(16))
                       : tr("The chain is BROKEN: %1")
                             .arg(r.json.value("problems").toVariant().toStringList().join("; "));
    chain_->setStyleSheet(intact ? "color: #2e7d32" : "color: #c62828; font-weight: bold");
    chain_->setText(text);
    emit chainChecked(intact, text);
  });
}

void AdminPage::addOperator() {
  bool ok = false;
  const auto id = QInputDialog::getText(this, tr("Add an operator"), tr("Login id"),
                                        QLineEdit::Normal, {}, &ok);
  if (!ok || id.isEmpty()) return;
  const auto role =
      QInputDialog::getItem(this, tr("Add an operator"), tr("Role"), roles(), 2, false, &ok);
  if (!ok) return;
  const auto password = QInputDialog::getText(this, tr("Add an operator"),
                                              tr("First password (at least 10 characters)"),
                                              QLineEdit::Password, {}, &ok);
  if (!ok) return;
  api_.post("/api/operators", {{"id", id}, {"name", id}, {"role", role}, {"password", password}},
            this, [this](const ApiReply& r) {
              if (!r.ok()) QMessageBox::warning(this, tr("Add an operator"), r.error);
              reload();
            });
}

void AdminPage::changeRole() {
  const auto rows = operators_view_->selectionModel()->selectedRows();
  if (rows.isEmpty()) return;
  const auto id = operators_.item(rows.first().row(), 0)->text();
  bool ok = false;
  const auto role = QInputDialog::getItem(this, tr("Change the role"), tr("New role of %1").arg(id),
                                          roles(), 0, false, &ok);
  if (!ok) return;
  api_.post("/api/operators/" + QUrl::toPercentEncoding(id) + "/role", {{"role", role}}, this,
            [this](const ApiReply& r) {
              if (!r.ok()) QMessageBox::warning(this, tr("Change the role"), r.error);
              reload();
            });
}

void AdminPage::disableOperator() {
  const auto rows = operators_view_->selectionModel()->selectedRows();
  if (rows.isEmpty()) return;
  const auto id = operators_.item(rows.first().row(), 0)->text();
  if (QMessageBox::question(this, tr("Disable"), tr("Disable %1 for good?").arg(id)) !=
      QMessageBox::Yes) {
    return;
  }
  api_.post("/api/operators/" + QUrl::toPercentEncoding(id) + "/disable", {}, this,
            [this](const ApiReply& r) {
              if (!r.ok()) QMessageBox::warning(this, tr("Disable"), r.error);
              reload();
            });
}

}  // namespace phil::console
