// 电表与账户: one meter or one account over the last 30 days, from the API's own answers (the
// meter, the energy report's rows of it, the account's statement, the meter's commands and
// events). Nothing is computed here but what a chart needs: points and sums.
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QDateTimeAxis>
#include <QtCharts/QLineSeries>
#include <QtCharts/QStackedBarSeries>
#include <QtCharts/QValueAxis>
#include <QtCore/QDateTime>
#include <QtCore/QJsonArray>
#include <QtCore/QTimeZone>
#include <QtCore/QUrlQuery>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

#include <phil/console/api_client.hpp>
#include <phil/console/money.hpp>
#include <phil/console/pages.hpp>
#include <phil/console/table_model.hpp>

namespace phil::console {

namespace {

constexpr int kDays = 30;

// The report period of the last kDays local days, today included, in the PC's zone.
QString period_query() {
  const QDate today = QDate::currentDate();
  return "from=" + day_start_query(today.addDays(1 - kDays)) +
         "&to=" + day_start_query(today.addDays(1));
}

QTableView* table_view(QStandardItemModel* model, const QString& name, QWidget* parent) {
  auto* v = new QTableView(parent);
  v->setObjectName(name);
  v->setModel(model);
  v->setEditTriggers(QAbstractItemView::NoEditTriggers);
  v->horizontalHeader()->setStretchLastSection(true);
  v->verticalHeader()->hide();
  return v;
}

QChartView* chart_view(const QString& name, QWidget* parent) {
  auto* v = new QChartView(new QChart, parent);
  v->setObjectName(name);
  v->setRenderHint(QPainter::Antialiasing);
  v->setMinimumHeight(220);
  return v;
}

void replace_chart(QChartView* view, QChart* chart) {
  auto* old = view->chart();
  view->setChart(chart);
  delete old;
}

}  // namespace

MeterPage::MeterPage(ApiClient& api, QWidget* parent) : QWidget(parent), api_(api) {
  find_ = new QLineEdit(this);
  find_->setObjectName("meter-find");
  find_->setPlaceholderText(tr("Meter (bus/box/circuit, e.g. bus1/4/1) or account"));
  auto* go = new QPushButton(tr("Show"), this);
  title_ = new QLabel(this);
  title_->setObjectName("meter-title");
  title_->setTextFormat(Qt::RichText);
  title_->setWordWrap(true);
  energy_ = chart_view("meter-energy", this);
  balance_ = chart_view("meter-balance", this);
  auto* top = new QHBoxLayout;
  top->addWidget(find_, 1);
  top->addWidget(go);
  auto* charts = new QHBoxLayout;
  charts->addWidget(energy_, 3);
  charts->addWidget(balance_, 2);
  auto* tables = new QSplitter(Qt::Horizontal, this);
  tables->addWidget(table_view(&commands_, "meter-commands", tables));
  tables->addWidget(table_view(&events_, "meter-events", tables));
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(title_);
  layout->addLayout(charts, 3);
  layout->addWidget(tables, 2);
  const auto show = [this] {
    const QString text = find_->text().trimmed();
    if (text.count('/') == 2) {
      showMeter(text);
    } else if (!text.isEmpty()) {
      showAccount(text);
    }
  };
  connect(go, &QPushButton::clicked, this, show);
  connect(find_, &QLineEdit::returnPressed, this, show);
}

void MeterPage::clear() {
  ++generation_;
  commands_.clear();
  events_.clear();
  energy_totals_.clear();
  balance_points_.clear();
  replace_chart(energy_, new QChart);
  replace_chart(balance_, new QChart);
  pending_ = 0;
  failed_.clear();
}

void MeterPage::call(const QString& path, const std::function<void(const ApiReply&)>& use) {
  ++pending_;
  const int generation = generation_;
  api_.get(path, this, [this, use, generation](const ApiReply& r) {
    if (generation != generation_) return;  // another meter was asked for meanwhile
    if (r.ok()) {
      use(r);
    } else if (failed_.isEmpty()) {
      failed_ = r.error;
    }
    if (--pending_ == 0)
      emit loaded(failed_.isEmpty(), failed_.isEmpty() ? title_->text() : failed_);
  });
}

void MeterPage::showMeter(const QString& id) {
  clear();
  find_->setText(id);
  title_->setText(id.toHtmlEscaped());
  call("/api/meters/" + id, [this, id](const ApiReply& r) {
    const auto m = r.json.value("meter").toObject();
    const QString account = m.value("account").toString();
    title_->setText(
        tr("<b>Meter %1</b> — room %2 — account %3 — %4 — balance %5 yuan, relay %6, mode %7, "
           "power %8 W — read at %9")
            .arg(id.toHtmlEscaped(), m.value("room").toString().toHtmlEscaped(),
                 account.toHtmlEscaped(), m.value("status").toString(),
                 m.value("balance").toString(), m.value("relay").toString(),
                 m.value("mode").toString(), QString::number(m.value("power_w").toInteger()),
                 m.value("read_at").toString()));
    if (!account.isEmpty() && api_.may("report")) {
      call("/api/reports/statement?account=" + QUrl::toPercentEncoding(account) + "&" +
               period_query(),
           [this](const ApiReply& s) { plotBalance(s.json.value("reports").toArray().first()); });
    }
  });
  if (api_.may("report")) {  // the charts come from the reports; without them, the tables
    call("/api/reports/energy?by=day&group=meter&" + period_query(), [this, id](const ApiReply& r) {
      plotEnergy(r.json.value("reports").toArray().first().toObject(), id);
    });
  }
  const auto fill = [](QStandardItemModel& model, const QStringList& headers,
                       const QJsonArray& items, const QStringList& keys) {
    model.clear();
    model.setHorizontalHeaderLabels(headers);
    for (const auto& v : items) {
      const auto o = v.toObject();
      QList<QStandardItem*> row;
      for (const auto& k : keys) {
        const auto value = o.value(k);
        if (k == "amount_fen") {
          row << new QStandardItem(fen_to_yuan(value.toInteger()));
        } else {
          row << new QStandardItem(value.isDouble() ? QString::number(value.toInteger())
                                                    : value.toString());
        }
      }
      model.appendRow(row);
    }
  };
  call("/api/meters/" + id + "/commands", [this, fill](const ApiReply& r) {
    fill(commands_,
         {tr("Command"), tr("Kind"), tr("Amount"), tr("State"), tr("Attempts"), tr("Why")},
         r.json.value("items").toArray(),
         {"id", "kind", "amount_fen", "state", "attempts", "last_error"});
  });
  call("/api/meters/" + id + "/events", [this, fill](const ApiReply& r) {
    fill(events_, {tr("Time"), tr("Event"), tr("Details")}, r.json.value("items").toArray(),
         {"at", "kind", "details"});
  });
}

void MeterPage::showAccount(const QString& id) {
  clear();
  find_->setText(id);
  title_->setText(tr("<b>Account %1</b>").arg(id.toHtmlEscaped()));
  call("/api/reports/statement?account=" + QUrl::toPercentEncoding(id) + "&" + period_query(),
       [this, id](const ApiReply& r) {
         const auto reports = r.json.value("reports").toArray();
         plotBalance(reports.first());
         if (reports.size() > 1) plotEnergy(reports.at(1).toObject(), id);
         title_->setText(
             tr("<b>Account %1</b> — %2")
                 .arg(id.toHtmlEscaped(), reports.first().toObject().value("period").toString()));
       });
}

void MeterPage::plotEnergy(const QJsonObject& report, const QString& group) {
  // The report's rows of `group` (a meter or an account), one bar per local day, the TOU
  // rates stacked; a day without a row is a day without energy.
  const auto columns = report.value("columns").toArray();
  QList<QDate> days;
  for (int i = kDays - 1; i >= 0; --i)
    days << QDate::currentDate().addDays(-i);
  auto* stacked = new QStackedBarSeries;
  energy_totals_.clear();
  for (int c = 2; c <= 5 && c < columns.size(); ++c) {  // sharp, peak, flat, valley
    auto* set = new QBarSet(columns[c].toObject().value("name").toString());
    QVector<double> values(days.size(), 0.0);
    for (const auto& row : report.value("rows").toArray()) {
      const auto cells = row.toArray();
      if (cells.size() <= c || cells[1].toString() != group) continue;
      const int at =
          static_cast<int>(days.indexOf(QDate::fromString(cells[0].toString(), Qt::ISODate)));
      if (at >= 0) values[at] += cell_number(cells[c]);
    }
    double sum = 0;
    for (const double v : values) {
      *set << v;
      sum += v;
    }
    energy_totals_.insert(set->label(), sum);
    stacked->append(set);
  }
  auto* chart = new QChart;
  chart->setTitle(tr("Energy per day, kWh, by time-of-use rate"));
  chart->addSeries(stacked);
  auto* x = new QBarCategoryAxis;
  for (const auto& d : days)
    x->append(d.toString("dd"));  // 30 labels fit as days; the month is in the title's period
  QFont small = x->labelsFont();
  small.setPointSize(7);
  x->setLabelsFont(small);
  chart->addAxis(x, Qt::AlignBottom);
  stacked->attachAxis(x);
  auto* y = new QValueAxis;
  chart->addAxis(y, Qt::AlignLeft);
  stacked->attachAxis(y);
  chart->legend()->setAlignment(Qt::AlignBottom);
  replace_chart(energy_, chart);
}

void MeterPage::plotBalance(const QJsonValue& entries_report) {
  // The statement's entries: the balance after each, a step line over time (the first row is
  // the opening balance, without a time: it starts the line at the period's first instant).
  const auto report = entries_report.toObject();
  const auto rows = report.value("rows").toArray();
  auto* line = new QLineSeries;
  line->setName(tr("Balance, yuan"));
  balance_points_.clear();
  const qint64 start =
      QDateTime(QDate::currentDate().addDays(1 - kDays), QTime(0, 0)).toMSecsSinceEpoch();
  double last = 0;
  bool any = false;
  for (const auto& r : rows) {
    const auto cells = r.toArray();
    if (cells.size() < 5) continue;
    const auto at = QDateTime::fromString(cells[1].toString(), Qt::ISODate);
    const double balance = cell_number(cells[4]);
    const qint64 t = at.isValid() ? at.toMSecsSinceEpoch() : start;
    if (any) balance_points_ << QPointF(static_cast<double>(t), last);  // a step, not a slope
    balance_points_ << QPointF(static_cast<double>(t), balance);
    last = balance;
    any = true;
  }
  if (any) {
    balance_points_ << QPointF(static_cast<double>(QDateTime::currentMSecsSinceEpoch()), last);
  }
  line->append(balance_points_);
  auto* chart = new QChart;
  chart->setTitle(tr("Balance over time, yuan"));
  chart->addSeries(line);
  auto* x = new QDateTimeAxis;
  x->setFormat("MM-dd");
  chart->addAxis(x, Qt::AlignBottom);
  line->attachAxis(x);
  auto* y = new QValueAxis;
  chart->addAxis(y, Qt::AlignLeft);
  line->attachAxis(y);
  chart->legend()->hide();
  replace_chart(balance_, chart);
}

}  // namespace phil::console
