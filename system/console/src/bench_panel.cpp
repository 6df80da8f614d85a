#include <utility>

#include <QtCore/QProcess>
#include <QtGui/QFontDatabase>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QVBoxLayout>

#include <phil/console/pages.hpp>

namespace phil::console {

BenchPanel::BenchPanel(QString sim, QString control, QWidget* parent)
    : QWidget(parent), sim_(std::move(sim)), control_(std::move(control)) {
  bus_ = new QLineEdit("bus1", this);
  address_ = new QLineEdit("4", this);
  duration_ = new QLineEdit("5m", this);
  circuit_ = new QLineEdit("1", this);
  circuit_->setObjectName("bench-circuit");
  load_ = new QLineEdit("2000", this);
  load_->setObjectName("bench-load-w");
  bus_->setObjectName("bench-bus");
  address_->setObjectName("bench-address");
  output_ = new QLabel(this);
  output_->setObjectName("bench-output");
  // `ctl show` and `status` are columns of text: keep them aligned.
  output_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  output_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  output_->setWordWrap(true);
  output_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  auto* form = new QFormLayout;
  form->addRow(tr("Bus"), bus_);
  form->addRow(tr("Box address"), address_);
  form->addRow(tr("For"), duration_);
  form->addRow(tr("Circuit"), circuit_);
  form->addRow(tr("Load (W)"), load_);
  auto* buttons = new QHBoxLayout;
  const QList<std::pair<QString, QString>> faults{{tr("Box silent"), "box_silent"},
                                                  {tr("CRC errors"), "corrupt_crc"},
                                                  {tr("Power loss"), "power_loss"},
                                                  {tr("Drop replies"), "drop_reply"}};
  for (const auto& fault : faults) {
    const QString kind = fault.second;
    auto* b = new QPushButton(fault.first, this);
    b->setObjectName("bench-" + kind);
    buttons->addWidget(b);
    connect(b, &QPushButton::clicked, this, [this, kind] {
      QStringList args{"fault", kind, bus_->text(), "address=" + address_->text(),
                       "duration=" + duration_->text()};
      if (kind == "corrupt_crc" || kind == "drop_reply") args << "probability=0.5";
      ctl(args);
    });
  }
  auto* clear = new QPushButton(tr("Clear every fault"), this);
  auto* status = new QPushButton(tr("Fleet status"), this);
  buttons->addWidget(clear);
  buttons->addWidget(status);
  connect(clear, &QPushButton::clicked, this, [this] { ctl({"clear", "all"}); });
  connect(status, &QPushButton::clicked, this, [this] { ctl({"status"}); });
  // One circuit: its load from now on, and every register as the meter holds it.
  auto* meter_buttons = new QHBoxLayout;
  auto* set_load = new QPushButton(tr("Set load"), this);
  set_load->setObjectName("bench-set-load");
  auto* show = new QPushButton(tr("Show meter"), this);
  show->setObjectName("bench-show");
  meter_buttons->addWidget(set_load);
  meter_buttons->addWidget(show);
  meter_buttons->addStretch(1);
  const auto meter = [this] {
    return bus_->text() + "/" + address_->text() + "/" + circuit_->text();
  };
  connect(set_load, &QPushButton::clicked, this, [this, meter] {
    ctl({"load", meter(), "constant=" + load_->text()});
  });
  connect(show, &QPushButton::clicked, this, [this, meter] { ctl({"show", meter()}); });
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(
      new QLabel(tr("The virtual fleet (adf300-sim ctl): change a circuit's load or inject a "
                    "fault, and watch the board react."),
                 this));
  layout->addLayout(form);
  layout->addLayout(meter_buttons);
  layout->addLayout(buttons);
  layout->addWidget(output_, 1);
}

void BenchPanel::ctl(const QStringList& args) {
  auto* p = new QProcess(this);
  p->setProcessChannelMode(QProcess::MergedChannels);
  connect(p, &QProcess::finished, this, [this, p](int code) {
    const auto out = QString::fromUtf8(p->readAll());
    output_->setText(out);
    emit answered(code, out);
    p->deleteLater();
  });
  p->start(sim_, QStringList{"ctl", "--control", control_} + args);
}

}  // namespace phil::console
