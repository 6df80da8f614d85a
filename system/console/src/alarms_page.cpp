#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtWidgets/QApplication>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

#include <phil/console/api_client.hpp>
#include <phil/console/money.hpp>
#include <phil/console/pages.hpp>

namespace phil::console {

namespace {

enum Column { kId, kRaised, kKind, kTarget, kDetails, kState, kAcked, kColumns };

QString target_text(const QJsonObject& t) {
  QStringList parts;
  if (!t.value("account").isNull()) parts << t.value("account").toString();
  if (!t.value("bus").isNull()) {
    QString where = t.value("bus").toString();
    if (!t.value("box").isNull()) where += "/" + QString::number(t.value("box").toInt());
    if (!t.value("circuit").isNull()) where += "/" + QString::number(t.value("circuit").toInt());
    parts << where;
  }
  return parts.join(' ');
}

}  // namespace

AlarmsPage::AlarmsPage(ApiClient& api, QWidget* parent) : QWidget(parent), api_(api) {
  banner_ = new QLabel(this);
  banner_->setObjectName("alarm-banner");
  banner_->setStyleSheet(
      "QLabel { background: #c62828; color: white; padding: 6px; font-weight: bold; }");
  banner_->hide();
  table_ = new QTableView(this);
  table_->setObjectName("alarms-table");
  table_->setModel(&model_);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->horizontalHeader()->setStretchLastSection(true);
  history_ = new QCheckBox(tr("History (cleared and acknowledged too)"), this);
  sound_ = new QCheckBox(tr("Sound for new alarms"), this);
  auto* ack = new QPushButton(tr("Acknowledge"), this);
  ack->setObjectName("alarms-ack");
  ack->setVisible(api_.may("ack_alarm"));
  auto* refresh = new QPushButton(tr("Refresh"), this);
  auto* row = new QHBoxLayout;
  row->addWidget(history_);
  row->addWidget(sound_);
  row->addStretch(1);
  row->addWidget(refresh);
  row->addWidget(ack);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(banner_);
  layout->addLayout(row);
  layout->addWidget(table_, 1);
  connect(history_, &QCheckBox::toggled, this, &AlarmsPage::reload);
  connect(refresh, &QPushButton::clicked, this, &AlarmsPage::reload);
  connect(ack, &QPushButton::clicked, this, &AlarmsPage::ack);
  banner_timer_.setSingleShot(true);
  banner_timer_.setInterval(15'000);
  connect(&banner_timer_, &QTimer::timeout, banner_, &QWidget::hide);
  model_.setColumnCount(kColumns);
}

void AlarmsPage::reload() {
  const QString path =
      history_->isChecked() ? "/api/alarms?limit=1000" : "/api/alarms?active=true&limit=1000";
  api_.get(path, this, [this](const ApiReply& r) {
    if (!r.ok()) return;  // the newest 1,000
    model_.clear();
    model_.setHorizontalHeaderLabels({tr("No."), tr("Raised"), tr("Alarm"), tr("Where"),
                                      tr("Details"), tr("State"), tr("Acknowledged")});
    for (const auto& a : r.json.value("items").toArray())
      upsert(a.toObject());
    table_->resizeColumnsToContents();
    emit activeCountChanged(activeCount());
  });
}

int AlarmsPage::activeCount() const {
  int n = 0;
  for (int r = 0; r < model_.rowCount(); ++r)
    n += model_.item(r, kState)->data(Qt::UserRole).toBool() ? 1 : 0;
  return n;
}

void AlarmsPage::upsert(const QJsonObject& a) {
  const auto id = a.value("id").toInteger();
  int row = -1;
  for (int r = 0; r < model_.rowCount(); ++r) {
    if (model_.item(r, kId)->data(Qt::UserRole).toLongLong() == id) {
      row = r;
      break;
    }
  }
  const bool active = a.value("active").toBool();
  const bool acked = !a.value("acknowledged_at").isNull();
  if (!active && !history_->isChecked()) {  // cleared: off the realtime list
    if (row >= 0) model_.removeRow(row);
    return;
  }
  QList<QStandardItem*> items{
      new QStandardItem(QString::number(id)),
      new QStandardItem(local_time(a.value("raised_at").toString())),
      new QStandardItem(a.value("kind_name").toString(a.value("kind").toString())),
      new QStandardItem(target_text(a.value("target").toObject())),
      new QStandardItem(QString::fromUtf8(
          QJsonDocument(a.value("details").toObject()).toJson(QJsonDocument::Compact))),
      new QStandardItem(active
                            ? tr("active")
                            : tr("cleared %1").arg(local_time(a.value("cleared_at").toString()))),
      new QStandardItem(acked ? tr("%1 at %2")
                                    .arg(a.value("acknowledged_by").toString(),
                                         local_time(a.value("acknowledged_at").toString()))
                              : QString())};
  items[kId]->setData(id, Qt::UserRole);
  items[kState]->setData(active, Qt::UserRole);
  for (auto* i : items) {
    i->setEditable(false);
    if (active && !acked) i->setForeground(QColor(0xc6, 0x28, 0x28));
  }
  if (row >= 0) {
    for (int c = 0; c < kColumns; ++c)
      model_.setItem(row, c, items[c]);
  } else {
    model_.insertRow(0, items);
  }
}

void AlarmsPage::alarmChanged(const QJsonObject& alarm) {
  const auto id = alarm.value("id").toInteger();
  bool known = false;
  for (int r = 0; r < model_.rowCount(); ++r)
    known = known || model_.item(r, kId)->data(Qt::UserRole).toLongLong() == id;
  upsert(alarm);
  if (!known && alarm.value("active").toBool() && alarm.value("acknowledged_at").isNull()) {
    banner_->setText(tr("New alarm: %1 at %2")
                         .arg(alarm.value("kind_name").toString(alarm.value("kind").toString()),
                              target_text(alarm.value("target").toObject())));
    banner_->show();
    banner_timer_.start();
    if (sound_->isChecked()) QApplication::beep();
    emit newAlarm(alarm);
  }
  emit activeCountChanged(activeCount());
}

void AlarmsPage::ack() {
  const auto rows = table_->selectionModel()->selectedRows();
  for (const auto& index : rows) {
    const auto id = model_.item(index.row(), kId)->data(Qt::UserRole).toLongLong();
    api_.post(QStringLiteral("/api/alarms/%1/ack").arg(id), {}, this, [this](const ApiReply& r) {
      if (!r.ok()) {
        QMessageBox::warning(this, tr("Acknowledge"), r.error);
        return;
      }
      reload();
    });
  }
}

}  // namespace phil::console
