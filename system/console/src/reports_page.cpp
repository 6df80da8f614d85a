#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QStackedBarSeries>
#include <QtCharts/QValueAxis>
#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QTimeZone>
#include <QtCore/QUrlQuery>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDateEdit>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

#include <phil/console/api_client.hpp>
#include <phil/console/pages.hpp>
#include <phil/console/table_model.hpp>

namespace phil::console {

ReportsPage::ReportsPage(ApiClient& api, QWidget* parent) : QWidget(parent), api_(api) {
  kind_ = new QComboBox(this);
  kind_->setObjectName("report-kind");
  kind_->addItem(tr("Sales"), "sales");
  kind_->addItem(tr("Energy"), "energy");
  kind_->addItem(tr("Daily report"), "daily");
  kind_->addItem(tr("Offline meters"), "offline");
  kind_->addItem(tr("Readings"), "readings");
  kind_->addItem(tr("My shift"), "shift");
  by_ = new QComboBox(this);
  by_->addItem(tr("by day"), "day");
  by_->addItem(tr("by month"), "month");
  by_->addItem(tr("by year"), "year");
  group_ = new QComboBox(this);
  group_->addItem(tr("per floor"), "floor");
  group_->addItem(tr("per building"), "building");
  group_->addItem(tr("per account"), "account");
  group_->addItem(tr("per meter"), "meter");
  group_->addItem(tr("the site"), "site");
  from_ = new QDateEdit(QDate::currentDate().addDays(-30), this);
  from_->setObjectName("report-from");
  from_->setCalendarPopup(true);
  to_ = new QDateEdit(QDate::currentDate(), this);
  to_->setObjectName("report-to");
  to_->setCalendarPopup(true);
  auto* run_button = new QPushButton(tr("Run"), this);
  run_button->setObjectName("report-run");
  auto* xlsx = new QPushButton(tr("Excel…"), this);
  title_ = new QLabel(this);
  view_ = new QTableView(this);
  view_->setObjectName("report-table");
  view_->setModel(&table_);
  view_->horizontalHeader()->setStretchLastSection(true);
  chart_ = new QChartView(new QChart, this);
  chart_->setObjectName("report-chart");
  chart_->setRenderHint(QPainter::Antialiasing);
  chart_->setMinimumHeight(220);
  auto* row = new QHBoxLayout;
  for (QWidget* w :
       std::initializer_list<QWidget*>{kind_, by_, group_, new QLabel(tr("from"), this), from_,
                                       new QLabel(tr("to"), this), to_, run_button, xlsx}) {
    row->addWidget(w);
  }
  row->addStretch(1);
  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(chart_);
  split->addWidget(view_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(row);
  layout->addWidget(title_);
  layout->addWidget(split, 1);
  connect(run_button, &QPushButton::clicked, this, &ReportsPage::run);
  connect(kind_, &QComboBox::currentIndexChanged, this,
          [this] { group_->setVisible(kind_->currentData() == "energy"); });
  group_->setVisible(false);
  connect(xlsx, &QPushButton::clicked, this, [this] {
    const auto path = QFileDialog::getSaveFileName(this, tr("Save the report"),
                                                   kind_->currentData().toString() + ".xlsx",
                                                   tr("Excel (*.xlsx)"));
    if (!path.isEmpty()) exportXlsx(path);
  });
}

void ReportsPage::setKind(const QString& kind) {
  kind_->setCurrentIndex(kind_->findData(kind));
}

void ReportsPage::setPeriod(const QDate& from, const QDate& to) {
  from_->setDate(from);
  to_->setDate(to);
}

QString ReportsPage::query(const QString& format) const {
  // Whole days in the PC's zone: from the first day's midnight to the midnight after the last.
  QUrlQuery q;
  const auto kind = kind_->currentData().toString();
  if (kind == "daily") {
    q.addQueryItem("day", from_->date().toString(Qt::ISODate));
  } else if (kind != "offline") {
    q.addQueryItem("from", day_start_query(from_->date()));
    q.addQueryItem("to", day_start_query(to_->date().addDays(1)));
  }
  if (kind == "sales" || kind == "energy") q.addQueryItem("by", by_->currentData().toString());
  if (kind == "energy") q.addQueryItem("group", group_->currentData().toString());
  if (!format.isEmpty()) q.addQueryItem("format", format);
  return "/api/reports/" + kind + "?" + q.toString(QUrl::FullyEncoded);
}

void ReportsPage::run() {
  api_.get(query({}), this, [this](const ApiReply& r) {
    if (!r.ok()) {
      title_->setText(r.error);
      table_.clear();
      emit reportReady(false, r.error);
      return;
    }
    const auto reports = r.json.value("reports").toArray();
    const auto report = reports.isEmpty() ? r.json : reports.first().toObject();
    title_->setText(QStringLiteral("<b>%1</b> — %2 — %3")
                        .arg(report.value("title").toString().toHtmlEscaped(),
                             report.value("period").toString().toHtmlEscaped(),
                             report.value("made_at").toString().toHtmlEscaped()));
    fill_table(table_, report);
    view_->resizeColumnsToContents();
    plot(report);
    emit reportReady(true, report.value("title").toString());
  });
}

void ReportsPage::plot(const QJsonObject& report) {
  auto* chart = new QChart;
  totals_.clear();
  const auto columns = report.value("columns").toArray();
  const auto rows = report.value("rows").toArray();
  auto column = [&](const QString& name) {
    for (int i = 0; i < columns.size(); ++i)
      if (columns[i].toObject().value("name").toString() == name) return i;
    return -1;
  };
  const auto kind = kind_->currentData().toString();
  QStringList categories;
  QAbstractBarSeries* series = nullptr;
  if (kind == "sales" && !rows.isEmpty()) {
    // Money in per period: sales and refunds side by side.
    const int period = 0;
    auto* sales = new QBarSet(columns[1].toObject().value("name").toString());
    auto* refunds = new QBarSet(columns[2].toObject().value("name").toString());
    for (const auto& r : rows) {
      const auto cells = r.toArray();
      categories << cells[period].toString();
      *sales << cell_number(cells[1]);
      *refunds << cell_number(cells[2]);
    }
    series = new QBarSeries;
    series->append(sales);
    series->append(refunds);
    chart->setTitle(tr("Sales per period, yuan"));
  } else if (kind == "energy" && !rows.isEmpty()) {
    // Energy per group, the time-of-use rates stacked.
    const int group = 1;
    auto* stacked = new QStackedBarSeries;
    QList<QBarSet*> sets;
    for (const auto* rate : {"sharp", "peak", "flat", "valley"}) {
      const int c = column(QString::fromLatin1(rate));
      if (c < 0) continue;
      auto* set = new QBarSet(columns[c].toObject().value("name").toString());
      set->setProperty("column", c);
      sets << set;
    }
    for (const auto& r : rows) {
      const auto cells = r.toArray();
      categories << cell_text(cells[group]);
      for (auto* set : sets)
        *set << cell_number(cells[set->property("column").toInt()]);
    }
    for (auto* set : sets)
      stacked->append(set);
    series = stacked;
    chart->setTitle(tr("Energy, kWh, by time-of-use rate"));
  }
  if (series != nullptr) {
    for (auto* set : series->barSets()) {
      double sum = 0;
      for (int i = 0; i < set->count(); ++i)
        sum += set->at(i);
      totals_.insert(set->label(), sum);
    }
    chart->addSeries(series);
    auto* x = new QBarCategoryAxis;
    x->append(categories);
    chart->addAxis(x, Qt::AlignBottom);
    series->attachAxis(x);
    auto* y = new QValueAxis;
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(y);
    chart->legend()->setAlignment(Qt::AlignBottom);
  } else {
    chart->setTitle(tr("No chart for this report"));
  }
  auto* old = chart_->chart();
  chart_->setChart(chart);
  delete old;
}

void ReportsPage::exportXlsx(const QString& path) {
  api_.download(query("xlsx"), this, [this, path](const ApiReply& r) {
    QFile f(path);
    const bool ok = r.ok() && f.open(QIODevice::WriteOnly) && f.write(r.body) == r.body.size();
    emit exported(ok, path);
  });
}

}  // namespace phil::console
