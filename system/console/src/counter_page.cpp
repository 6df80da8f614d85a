#include <QtCore/QDateTime>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QRegularExpression>
#include <QtGui/QRegularExpressionValidator>
#include <QtGui/QTextDocument>
#include <QtPrintSupport/QPrinter>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QInputDialog>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

#include <phil/console/api_client.hpp>
#include <phil/console/board_model.hpp>
#include <phil/console/money.hpp>
#include <phil/console/pages.hpp>

namespace phil::console {

CounterPage::CounterPage(ApiClient& api, BoardModel& board, QWidget* parent)
    : QWidget(parent), api_(api), board_(board) {
  find_ = new QLineEdit(this);
  find_->setObjectName("counter-find");
  find_->setPlaceholderText(tr("Account, room or tenant"));
  auto* find_button = new QPushButton(tr("Find"), this);
  matches_ = new QListWidget(this);
  matches_->setObjectName("counter-matches");
  matches_->setMaximumHeight(90);
  matches_->hide();
  details_ = new QLabel(tr("No account shown: find one above."), this);
  details_->setObjectName("counter-details");
  details_->setTextFormat(Qt::RichText);
  details_->setWordWrap(true);
  amount_ = new QLineEdit(this);
  amount_->setObjectName("counter-amount");
  amount_->setPlaceholderText(tr("Amount, yuan (e.g. 50.00)"));
  amount_->setValidator(new QRegularExpressionValidator(QRegularExpression(kYuanPattern), amount_));
  sale_ = new QPushButton(tr("Sale"), this);
  sale_->setObjectName("counter-sale");
  refund_ = new QPushButton(tr("Refund"), this);
  refund_->setObjectName("counter-refund");
  reversal_ = new QPushButton(tr("Reverse the selected sale"), this);
  receipt_ = new QPushButton(tr("Receipt (PDF)…"), this);
  receipt_->setObjectName("counter-receipt");
  receipt_->setEnabled(false);
  auto* open = new QPushButton(tr("Open an account…"), this);
  auto* close = new QPushButton(tr("Close this account…"), this);
  sale_->setVisible(api_.may("sale"));
  refund_->setVisible(api_.may("refund"));
  reversal_->setVisible(api_.may("reversal"));
  open->setVisible(api_.may("open_account"));
  close->setVisible(api_.may("close_account"));

  ledger_view_ = new QTableView(this);
  ledger_view_->setModel(&ledger_);
  ledger_view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  ledger_view_->horizontalHeader()->setStretchLastSection(true);
  auto* tx_view = new QTableView(this);
  tx_view->setObjectName("counter-transactions");
  tx_view->setModel(&transactions_);
  tx_view->horizontalHeader()->setStretchLastSection(true);
  transactions_.setHorizontalHeaderLabels(
      {tr("Time"), tr("Account"), tr("Kind"), tr("Amount"), tr("State")});

  auto* find_row = new QHBoxLayout;
  find_row->addWidget(find_, 1);
  find_row->addWidget(find_button);
  find_row->addWidget(open);
  auto* money_row = new QHBoxLayout;
  money_row->addWidget(amount_, 1);
  money_row->addWidget(sale_);
  money_row->addWidget(refund_);
  money_row->addWidget(reversal_);
  money_row->addWidget(receipt_);
  money_row->addWidget(close);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(find_row);
  layout->addWidget(matches_);
  layout->addWidget(details_);
  layout->addLayout(money_row);
  layout->addWidget(new QLabel(tr("The account's ledger"), this));
  layout->addWidget(ledger_view_, 2);
  layout->addWidget(new QLabel(tr("This counter's transactions"), this));
  layout->addWidget(tx_view, 1);

  connect(find_, &QLineEdit::returnPressed, this, &CounterPage::find);
  connect(find_button, &QPushButton::clicked, this, &CounterPage::find);
  connect(matches_, &QListWidget::itemActivated, this,
          [this](QListWidgetItem* item) { showAccount(item->data(Qt::UserRole).toString()); });
  connect(sale_, &QPushButton::clicked, this, [this] { sell(amount_->text()); });
  connect(refund_, &QPushButton::clicked, this, [this] { refund(amount_->text()); });
  connect(reversal_, &QPushButton::clicked, this, &CounterPage::reversal);
  connect(open, &QPushButton::clicked, this, &CounterPage::openAccount);
  connect(close, &QPushButton::clicked, this, &CounterPage::closeAccount);
  connect(receipt_, &QPushButton::clicked, this, [this] {
    const auto path = QFileDialog::getSaveFileName(this, tr("Save the receipt"),
                                                   QStringLiteral("receipt-%1.pdf").arg(last_.seq),
                                                   tr("PDF (*.pdf)"));
    if (!path.isEmpty() && !printReceipt(path)) {
      QMessageBox::warning(this, tr("Receipt"),
                           tr("The receipt could not be written to %1").arg(path));
    }
  });
  follow_.setInterval(1'000);
  connect(&follow_, &QTimer::timeout, this, &CounterPage::follow);
  setBusy(false);
}

void CounterPage::setBusy(bool busy) {
  const bool shown = !account_.isEmpty();
  for (auto* b : {sale_, refund_, reversal_})
    b->setEnabled(shown && !busy);
}

void CounterPage::find() {
  const auto text = find_->text().trimmed();
  if (text.isEmpty()) return;
  // The board knows every account's room and tenant: search it first, then ask the server.
  // An account id or a room named exactly wins over a part of a tenant's name.
  QMap<QString, QString> exact;
  QMap<QString, QString> found;
  const auto lower = text.toLower();
  for (int r = 0; r < board_.rowCount(); ++r) {
    const auto& t = board_.tile(r);
    if (t.account.isEmpty()) continue;
    const auto line = QStringLiteral("%1  %2  %3").arg(t.account, t.room, t.tenant);
    if (t.account.compare(text, Qt::CaseInsensitive) == 0 || t.room == text) {
      exact.insert(t.account, line);
    } else if (t.tenant.toLower().contains(lower)) {
      found.insert(t.account, line);
    }
  }
  if (!exact.isEmpty()) found = exact;
  matches_->clear();
  if (found.size() == 1) {
    matches_->hide();
    showAccount(found.firstKey());
    return;
  }
  if (found.isEmpty()) {
    matches_->hide();
    showAccount(text);  // an account id the board does not have (closed, or no meter shown)
    return;
  }
  for (auto it = found.begin(); it != found.end(); ++it) {
    auto* item = new QListWidgetItem(it.value(), matches_);
    item->setData(Qt::UserRole, it.key());
  }
  matches_->show();
}

void CounterPage::showAccount(const QString& id) {
  api_.get("/api/accounts/" + QUrl::toPercentEncoding(id), this, [this, id](const ApiReply& r) {
    if (!r.ok()) {
      account_ = {};
      details_->setText(r.error.toHtmlEscaped());
      ledger_.clear();
      setBusy(false);
      emit accountShown(false);
      return;
    }
    account_ = r.json.value("account").toObject();
    QStringList meters;
    for (const auto& m : account_.value("meters").toArray()) {
      const auto o = m.toObject();
      meters << QStringLiteral("%1 (%2, %3 %4)")
                    .arg(o.value("meter").toString(), status_label(o.value("status").toString()),
                         o.value("balance").toString(), tr("yuan"));
    }
    const bool closed = !account_.value("closed_at").isNull();
    details_->setText(
        tr("<b>%1</b> — %2, room %3, phone %4<br>balance <b>%5 yuan</b> on the meter(s): %6%7")
            .arg(account_.value("account").toString().toHtmlEscaped(),
                 account_.value("tenant").toString().toHtmlEscaped(),
                 account_.value("room").toString().toHtmlEscaped(),
                 account_.value("phone").toString().toHtmlEscaped(), account_balance(account_),
                 meters.join(", ").toHtmlEscaped(),
                 closed ? tr("<br><b>closed</b> %1").arg(account_.value("closed_at").toString())
                        : QString()));
    setBusy(false);
    api_.get("/api/accounts/" + QUrl::toPercentEncoding(id) + "/ledger?limit=200", this,
             [this](const ApiReply& l) {
               ledger_.clear();
               ledger_.setHorizontalHeaderLabels({tr("Entry"), tr("Time"), tr("Kind"), tr("Meter"),
                                                  tr("Amount"), tr("Operator"), tr("Log entry")});
               for (const auto& e : l.json.value("items").toArray()) {
                 const auto o = e.toObject();
                 QList<QStandardItem*> row{
                     new QStandardItem(QString::number(o.value("seq").toInteger())),
                     new QStandardItem(local_time(o.value("at").toString())),
                     new QStandardItem(o.value("kind").toString()),
                     new QStandardItem(o.value("meter").toString()),
                     new QStandardItem(fen_to_yuan(o.value("amount_fen").toInteger())),
                     new QStandardItem(o.value("operator").toString()),
                     new QStandardItem(o.value("log_entry").isNull()
                                           ? QString()
                                           : QString::number(o.value("log_entry").toInteger()))};
                 row[0]->setData(o.value("seq").toInteger(), Qt::UserRole);
                 row[0]->setData(o.value("kind").toString(), Qt::UserRole + 1);
                 ledger_.appendRow(row);
               }
             });
    emit accountShown(true);
  });
}

bool CounterPage::confirmAmount(const QString& what, const QString& amount) {
  const auto fen = yuan_to_fen(amount);
  if (!fen || *fen <= 0) {
    emit message(tr("Enter an amount in yuan with at most 2 decimals, e.g. 50.00"));
    QMessageBox::warning(this, what,
                         tr("Enter an amount in yuan with at most 2 decimals, e.g. 50.00"));
    return false;
  }
  const auto limit = yuan_to_fen(api_.session().confirm_above);
  if (limit && *fen > *limit) {
    const auto answer = QMessageBox::question(
        this, what,
        tr("%1 of %2 yuan to %3: that is more than %4 yuan. Is the amount right?")
            .arg(what, fen_to_yuan(*fen), accountId(), api_.session().confirm_above));
    if (answer != QMessageBox::Yes) return false;
  }
  return true;
}

void CounterPage::moneyCall(
    const QString& what, const QString& route, const QString& amount,
    const std::function<void(const QString&, const QString&, const ApiReply&)>& done) {
  if (account_.isEmpty() || !confirmAmount(what, amount)) return;
  const auto id = accountId();
  const auto yuan = fen_to_yuan(*yuan_to_fen(amount));
  setBusy(true);
  api_.post("/api/accounts/" + QUrl::toPercentEncoding(id) + "/" + route, {{"amount", yuan}}, this,
            [this, what, id, yuan, done](const ApiReply& r) {
              setBusy(false);
              if (!r.ok()) {
                emit message(r.error);
                QMessageBox::warning(this, what, r.error);
                return;
              }
              done(id, yuan, r);
            });
}

void CounterPage::sell(const QString& amount) {
  moneyCall(tr("Sale"), "sales", amount,
            [this](const QString& id, const QString& yuan, const ApiReply& r) {
              last_ = {};
              last_.account = id;
              last_.tenant = account_.value("tenant").toString();
              last_.room = account_.value("room").toString();
              last_.amount = yuan;
              // What the meter holds once the credit lands: its balance as last read plus the
              // credit (what it uses meanwhile comes off as ever).
              last_.balance = fen_to_yuan(
                  signed_yuan_to_fen(account_balance(account_)).value_or(0) + *yuan_to_fen(yuan));
              last_.operator_id = api_.session().operator_id;
              last_.at = local_time(r.json.value("at").toString());
              last_.command = r.json.value("credit_command").toInteger();
              last_.seq = r.json.value("seq").toInteger();
              last_.log_entry = r.json.value("log_entry").toInteger();
              const auto meters = account_.value("meters").toArray();
              last_.meter = meters.isEmpty() ? QString()
                                             : meters.first().toObject().value("meter").toString();
              last_.state =
                  last_.command > 0 ? QStringLiteral("pending") : QStringLiteral("confirmed");
              transactions_.insertRow(0, {new QStandardItem(last_.at), new QStandardItem(id),
                                          new QStandardItem(tr("sale")), new QStandardItem(yuan),
                                          new QStandardItem(tr("pending"))});
              last_.state_cell = transactions_.index(0, 4);
              receipt_->setEnabled(false);
              emit saleStateChanged(last_.state);
              amount_->clear();
              follow_rounds_ = 0;
              if (last_.command > 0) {
                follow_.start();
              } else {
                follow();
              }
            });
}

void CounterPage::follow() {
  // The credit's state on its meter (GET the meter's commands); a host-side sale is done at once.
  auto done = [this](const QString& state) {
    follow_.stop();
    last_.state = state;
    if (last_.state_cell.isValid()) {
      transactions_.setData(last_.state_cell, state == "confirmed" ? tr("confirmed by the meter")
                                                                   : tr("failed: %1").arg(state));
    }
    receipt_->setEnabled(state == "confirmed");
    if (accountId() == last_.account) showAccount(last_.account);
    emit saleStateChanged(state);
  };
  if (last_.command <= 0) {
    done(QStringLiteral("confirmed"));
    return;
  }
  if (++follow_rounds_ > 600) {  // ten minutes: leave it to the alarms
    follow_.stop();
    return;
  }
  api_.get("/api/meters/" + last_.meter + "/commands?limit=50", this,
           [this, done](const ApiReply& r) {
             if (!r.ok()) return;
             for (const auto& c : r.json.value("items").toArray()) {
               const auto o = c.toObject();
               if (o.value("id").toInteger() != last_.command) continue;
               const auto state = o.value("state").toString();
               if (state == "confirmed" || state == "failed" || state == "cancelled") done(state);
               return;
             }
           });
}

QList<QPair<QString, QString>> CounterPage::receiptLines() const {
  return {{tr("Tenant"), last_.tenant},
          {tr("Room"), last_.room},
          {tr("Account"), last_.account},
          {tr("Meter"), last_.meter},
          {tr("Amount"), last_.amount + " " + tr("yuan")},
          {tr("Balance after the sale"), last_.balance + " " + tr("yuan")},
          {tr("Operator"), last_.operator_id},
          {tr("Time"), last_.at},
          {tr("Ledger entry"), QString::number(last_.seq)},
          {tr("System log entry"), QString::number(last_.log_entry)}};
}

bool CounterPage::printReceipt(const QString& pdf) const {
  if (last_.state != "confirmed") return false;
  QPrinter printer(QPrinter::HighResolution);
  printer.setOutputFormat(QPrinter::PdfFormat);
  printer.setOutputFileName(pdf);
  printer.setPageSize(QPageSize(QSizeF(80, 160), QPageSize::Millimeter));  // a receipt roll
  printer.setPageMargins(QMarginsF(4, 4, 4, 4), QPageLayout::Millimeter);
  QTextDocument doc;
  doc.setHtml(receipt_html(receiptLines(), tr("Electricity sale receipt")));
  doc.print(&printer);
  return QFileInfo(pdf).size() > 0;
}

void CounterPage::refund(const QString& amount) {
  moneyCall(tr("Refund"), "refunds", amount,
            [this](const QString& id, const QString& yuan, const ApiReply& r) {
              const auto state = r.json.value("state").toString();
              transactions_.insertRow(
                  0,
                  {new QStandardItem(QDateTime::currentDateTime().toString(Qt::ISODate)),
                   new QStandardItem(id), new QStandardItem(tr("refund")), new QStandardItem(yuan),
                   new QStandardItem(state == "pending" ? tr("pending: the meter gives it up first")
                                                        : tr("confirmed"))});
              showAccount(id);
            });
}

void CounterPage::reversal() {
  const auto rows = ledger_view_->selectionModel() ? ledger_view_->selectionModel()->selectedRows()
                                                   : QModelIndexList{};
  if (rows.isEmpty()) {
    QMessageBox::information(this, tr("Reversal"), tr("Select the sale to reverse in the ledger."));
    return;
  }
  auto* item = ledger_.item(rows.first().row(), 0);
  if (item->data(Qt::UserRole + 1).toString() != "sale") {
    QMessageBox::information(this, tr("Reversal"), tr("Only a sale can be reversed."));
    return;
  }
  const auto seq = item->data(Qt::UserRole).toLongLong();
  if (QMessageBox::question(this, tr("Reversal"), tr("Reverse sale %1?").arg(seq)) !=
      QMessageBox::Yes) {
    return;
  }
  api_.post(QStringLiteral("/api/sales/%1/reversal").arg(seq), {}, this, [this](const ApiReply& r) {
    if (!r.ok()) {
      QMessageBox::warning(this, tr("Reversal"), r.error);
      return;
    }
    transactions_.insertRow(0,
                            {new QStandardItem(QDateTime::currentDateTime().toString(Qt::ISODate)),
                             new QStandardItem(accountId()), new QStandardItem(tr("reversal")),
                             new QStandardItem(r.json.value("amount").toString()),
                             new QStandardItem(r.json.value("state").toString())});
    showAccount(accountId());
  });
}

void CounterPage::openAccount() {
  bool ok = false;
  const auto id = QInputDialog::getText(this, tr("Open an account"), tr("Account id (e.g. A401)"),
                                        QLineEdit::Normal, {}, &ok);
  if (!ok || id.isEmpty()) return;
  const auto tenant = QInputDialog::getText(this, tr("Open an account"), tr("Tenant's name"),
                                            QLineEdit::Normal, {}, &ok);
  if (!ok) return;
  const auto meter = QInputDialog::getText(this, tr("Open an account"),
                                           tr("Meter (bus/box/circuit, e.g. bus1/4/1)"),
                                           QLineEdit::Normal, {}, &ok);
  if (!ok || meter.isEmpty()) return;
  const auto room = QInputDialog::getText(this, tr("Open an account"), tr("Room (may be empty)"),
                                          QLineEdit::Normal, {}, &ok);
  if (!ok) return;
  QJsonObject body{{"account", id}, {"tenant", tenant}, {"meters", QJsonArray{meter}}};
  if (!room.isEmpty()) body["room"] = room;
  api_.post("/api/accounts", body, this, [this, id](const ApiReply& r) {
    if (!r.ok()) {
      QMessageBox::warning(this, tr("Open an account"), r.error);
      return;
    }
    showAccount(id);
  });
}

void CounterPage::closeAccount() {
  if (account_.isEmpty()) return;
  const auto id = accountId();
  if (QMessageBox::question(
          this, tr("Close the account"),
          tr("Close account %1? Its meters are tripped, read a last time and what "
             "they hold is refunded.")
              .arg(id)) != QMessageBox::Yes) {
    return;
  }
  api_.post("/api/accounts/" + QUrl::toPercentEncoding(id) + "/close", {}, this,
            [this, id](const ApiReply& r) {
              if (!r.ok()) {
                QMessageBox::warning(this, tr("Close the account"), r.error);
                return;
              }
              showAccount(id);
            });
}

}  // namespace phil::console
