#include <algorithm>

#include <QtCore/QJsonArray>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDialog>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

#include <phil/console/api_client.hpp>
#include <phil/console/board_model.hpp>
#include <phil/console/board_view.hpp>
#include <phil/console/pages.hpp>
#include <phil/console/table_model.hpp>

namespace phil::console {

namespace {

// A legend entry: the state's colour as the check box's background.
QCheckBox* legend_box(const QString& status, QWidget* parent) {
  auto* box = new QCheckBox(parent);
  const auto bg = status_color(status);
  box->setStyleSheet(QStringLiteral("QCheckBox { background: %1; color: %2; padding: 3px 6px; "
                                    "border-radius: 3px; }")
                         .arg(bg.name(), text_color_on(bg).name()));
  box->setChecked(true);
  box->setObjectName("legend-" + status);
  return box;
}

}  // namespace

BoardPage::BoardPage(ApiClient& api, BoardModel& model, QWidget* parent)
    : QWidget(parent), api_(api), model_(model), filter_(new BoardFilter(this)) {
  filter_->setSourceModel(&model_);
  auto* top = new QHBoxLayout;
  search_ = new QLineEdit(this);
  search_->setObjectName("board-search");
  search_->setPlaceholderText(tr("Search: room, tenant, account or meter"));
  search_->setClearButtonEnabled(true);
  floor_ = new QComboBox(this);
  floor_->setObjectName("board-floor");
  top->addWidget(search_, 2);
  top->addWidget(new QLabel(tr("Floor"), this));
  top->addWidget(floor_);
  auto* legend = new QHBoxLayout;
  for (const auto* s : kStatuses) {
    const auto status = QString::fromLatin1(s);
    auto* box = legend_box(status, this);
    legend_.emplace_back(status, box);
    legend->addWidget(box);
    connect(box, &QCheckBox::toggled, this, [this] {
      QSet<QString> shown;
      for (const auto& [st, b] : legend_)
        if (b->isChecked()) shown.insert(st);
      filter_->setStatuses(shown.size() == static_cast<qsizetype>(legend_.size()) ? QSet<QString>{}
                                                                                  : shown);
    });
  }
  legend->addStretch(1);

  view_ = new BoardView(this);
  view_->setObjectName("board-view");
  view_->setModel(filter_);

  auto* actions = new QHBoxLayout;
  selection_ = new QLabel(this);
  selection_->setObjectName("board-selection");
  auto* all = new QPushButton(tr("Select all shown"), this);
  auto* none = new QPushButton(tr("Clear selection"), this);
  command_ = new QComboBox(this);
  command_->setObjectName("board-command");
  command_->addItem(tr("Trip"), "trip");
  command_->addItem(tr("Close"), "close");
  command_->addItem(tr("Keep power"), "keep-power");
  command_->addItem(tr("Restore prepaid"), "restore-prepaid");
  send_ = new QPushButton(tr("Preview and send…"), this);
  send_->setObjectName("board-send");
  const bool may_command = api_.may("command");
  command_->setVisible(may_command);
  send_->setVisible(may_command);
  actions->addWidget(selection_);
  actions->addWidget(all);
  actions->addWidget(none);
  actions->addStretch(1);
  actions->addWidget(command_);
  actions->addWidget(send_);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addLayout(legend);
  layout->addWidget(view_, 1);
  layout->addLayout(actions);

  connect(search_, &QLineEdit::textChanged, filter_, &BoardFilter::setSearch);
  connect(floor_, &QComboBox::currentIndexChanged, this,
          [this](int) { filter_->setFloor(floor_->currentData().toInt()); });
  connect(all, &QPushButton::clicked, view_, &BoardView::selectAllShown);
  connect(none, &QPushButton::clicked, view_, &BoardView::clearSelection);
  connect(view_, &BoardView::selectionChanged, this, [this](int n) {
    selection_->setText(tr("%n meter(s) selected", "", n));
    send_->setEnabled(n > 0);
  });
  connect(view_, &BoardView::meterActivated, this, &BoardPage::meterActivated);
  connect(send_, &QPushButton::clicked, this, &BoardPage::askPreview);
  connect(&model_, &BoardModel::countsChanged, this, &BoardPage::updateCounts);
  connect(filter_, &QAbstractItemModel::modelReset, this, &BoardPage::updateCounts);
  follow_.setInterval(1'000);
  connect(&follow_, &QTimer::timeout, this, &BoardPage::followBatch);
  updateCounts();
  emit view_->selectionChanged(0);
}

int BoardPage::shownCount(const QString& status) const {
  return model_.counts().value(status);
}

void BoardPage::updateCounts() {
  const auto counts = model_.counts();
  for (const auto& [status, box] : legend_) {
    box->setText(QStringLiteral("%1  %2").arg(status_label(status)).arg(counts.value(status)));
  }
  // The floors present, kept when the same.
  QList<int> floors;
  for (int r = 0; r < model_.rowCount(); ++r) {
    const int f = model_.tile(r).floor;
    if (f >= 0 && !floors.contains(f)) floors << f;
  }
  std::sort(floors.begin(), floors.end());
  if (floor_->count() != floors.size() + 1) {
    const int current = floor_->currentData().toInt();
    const QSignalBlocker block(floor_);
    floor_->clear();
    floor_->addItem(tr("All floors"), -1);
    for (const int f : floors)
      floor_->addItem(QString::number(f), f);
    floor_->setCurrentIndex(std::max(0, floor_->findData(current)));
  }
}

void BoardPage::askPreview() {
  preview(command_->currentData().toString());
  // The dialog shows once the preview is there.
  auto* dialog = new QDialog(this);
  dialog->setObjectName("batch-preview");
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setWindowTitle(tr("Batch command: preview"));
  auto* label = new QLabel(tr("Asking the server what the command would do…"), dialog);
  label->setWordWrap(true);
  auto* table = new QTableView(dialog);
  table->setModel(&preview_);
  table->horizontalHeader()->setStretchLastSection(true);
  auto* buttons = new QDialogButtonBox(dialog);
  auto* ok = buttons->addButton(tr("Send to these meters"), QDialogButtonBox::AcceptRole);
  ok->setEnabled(false);
  buttons->addButton(QDialogButtonBox::Cancel);
  auto* layout = new QVBoxLayout(dialog);
  layout->addWidget(label);
  layout->addWidget(table, 1);
  layout->addWidget(buttons);
  dialog->resize(760, 420);
  connect(this, &BoardPage::previewReady, dialog, [label, ok](bool good, const QString& text) {
    label->setText(text);
    ok->setEnabled(good);
  });
  connect(buttons, &QDialogButtonBox::accepted, dialog, [this, dialog] {
    sendPreviewed();
    dialog->accept();
  });
  connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
  dialog->open();
}

void BoardPage::preview(const QString& command) {
  previewed_command_ = command;
  previewed_meters_ = QStringList(view_->selectedMeters().begin(), view_->selectedMeters().end());
  previewed_meters_.sort();
  QJsonObject body{{"command", command}, {"meters", QJsonArray::fromStringList(previewed_meters_)}};
  api_.post("/api/batches/preview", body, this, [this](const ApiReply& r) {
    if (!r.ok()) {
      preview_.clear();
      emit previewReady(false, r.error);
      return;
    }
    const auto p = r.json.value("preview").toObject();
    fill_table(preview_, p);
    emit previewReady(true, tr("%1 — %2 meter(s), %3 refused. Send it?")
                                .arg(p.value("title").toString())
                                .arg(p.value("meters").toInt())
                                .arg(p.value("refused").toInt()));
  });
}

void BoardPage::sendPreviewed() {
  QJsonObject body{{"command", previewed_command_},
                   {"meters", QJsonArray::fromStringList(previewed_meters_)}};
  api_.post("/api/batches", body, this, [this](const ApiReply& r) {
    if (!r.ok()) {
      QMessageBox::warning(this, tr("Batch command"), r.error);
      return;
    }
    batch_ = r.json.value("batch").toInteger();
    model_.clearProgress();
    for (const auto& m : previewed_meters_)
      model_.setProgress(m, tr("queued"));
    emit batchSent(batch_);
    follow_.start();
  });
}

void BoardPage::followBatch() {
  if (batch_ <= 0) return;
  api_.getAll(QStringLiteral("/api/batches/%1").arg(batch_), this,
              [this](const QJsonArray& items, const ApiReply& r) {
                if (!r.ok()) return;
                int confirmed = 0;
                int pending = 0;
                int failed = 0;
                for (const auto& item : items) {
                  const auto row = item.toArray();
                  const auto meter = row.at(0).toString();
                  const auto state = row.at(2).toString();
                  if (state == "confirmed") {
                    ++confirmed;
                    model_.setProgress(meter, tr("✓ done"));
                  } else if (state == "failed" || state == "refused") {
                    ++failed;
                    model_.setProgress(meter, tr("✗ %1").arg(state));
                  } else {
                    ++pending;
                    model_.setProgress(meter, tr("… %1").arg(state));
                  }
                }
                emit batchProgress(confirmed, pending, failed);
                if (pending == 0) follow_.stop();
              });
}

}  // namespace phil::console
