#include <algorithm>

#include <QtCore/QAbstractItemModel>
#include <QtGui/QMouseEvent>
#include <QtGui/QPainter>
#include <QtWidgets/QRubberBand>
#include <QtWidgets/QScrollBar>
#include <QtWidgets/QToolTip>

#include <phil/console/board_model.hpp>
#include <phil/console/board_view.hpp>

namespace phil::console {

BoardView::BoardView(QWidget* parent) : QAbstractScrollArea(parent) {
  setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  viewport()->setMouseTracking(false);
  viewport()->setBackgroundRole(QPalette::Base);
  verticalScrollBar()->setSingleStep(kTileHeight / 2);
}

void BoardView::setModel(QAbstractItemModel* model) {
  if (model_) model_->disconnect(this);
  model_ = model;
  if (model_) {
    connect(model_, &QAbstractItemModel::modelReset, this, &BoardView::layoutLater);
    connect(model_, &QAbstractItemModel::layoutChanged, this, &BoardView::layoutLater);
    connect(model_, &QAbstractItemModel::rowsInserted, this, &BoardView::layoutLater);
    connect(model_, &QAbstractItemModel::rowsRemoved, this, &BoardView::layoutLater);
    connect(model_, &QAbstractItemModel::rowsMoved, this, &BoardView::layoutLater);
    // A tile's colour or text changed: paint again, the layout stays.
    connect(model_, &QAbstractItemModel::dataChanged, viewport(), qOverload<>(&QWidget::update));
  }
  layoutLater();
}

void BoardView::layoutLater() {
  dirty_ = true;
  viewport()->update();
}

void BoardView::relayout() {
  dirty_ = true;
  ensureLayout();
}

void BoardView::ensureLayout() const {
  if (!dirty_) return;
  dirty_ = false;
  rects_.clear();
  bands_.clear();
  const int rows = model_ ? model_->rowCount() : 0;
  rects_.reserve(static_cast<std::size_t>(rows));
  const int width = std::max(viewport()->width(), kTileWidth + 2 * kGap);
  const int per_line = std::max(1, (width - kGap) / (kTileWidth + kGap));
  int y = kGap;
  QString group;
  int in_line = 0;
  for (int r = 0; r < rows; ++r) {
    const auto index = model_->index(r, 0);
    const auto g = index.data(BoardModel::kGroupRole).toString();
    if (r == 0 || g != group) {
      if (r != 0) y += kTileHeight + kGap;  // end the last line of the previous box
      group = g;
      const auto parts = g.split('/');
      QString title;
      if (parts.size() == 4) {
        const bool placed = parts[1].toInt() >= 0;
        title = placed ? tr("%1 · floor %2 · box %3/%4").arg(parts[0], parts[1], parts[2], parts[3])
                       : tr("not placed · box %1/%2").arg(parts[2], parts[3]);
      }
      bands_.push_back({QRect(kGap, y, width - 2 * kGap, kBandHeight), title});
      y += kBandHeight;
      in_line = 0;
    } else if (in_line == per_line) {
      y += kTileHeight + kGap;
      in_line = 0;
    }
    rects_.emplace_back(kGap + in_line * (kTileWidth + kGap), y, kTileWidth, kTileHeight);
    ++in_line;
  }
  content_height_ = rows == 0 ? 0 : y + kTileHeight + kGap;
  updateScrollBars();
}

void BoardView::updateScrollBars() const {
  auto* bar = verticalScrollBar();
  bar->setPageStep(viewport()->height());
  bar->setRange(0, std::max(0, content_height_ - viewport()->height()));
}

void BoardView::resizeEvent(QResizeEvent* e) {
  QAbstractScrollArea::resizeEvent(e);
  dirty_ = true;
}

void BoardView::scrollContentsBy(int, int) {
  viewport()->update();
}

QString BoardView::meterOf(int row) const {
  return model_ ? model_->index(row, 0).data(BoardModel::kMeterRole).toString() : QString();
}

void BoardView::paintEvent(QPaintEvent*) {
  ensureLayout();
  QPainter p(viewport());
  const int top = verticalScrollBar()->value();
  const QRect visible(0, top, viewport()->width(), viewport()->height());
  p.translate(0, -top);
  QFont band_font = font();
  band_font.setBold(true);
  p.setFont(band_font);
  p.setPen(palette().color(QPalette::Text));
  for (const auto& b : bands_) {
    if (!b.rect.intersects(visible)) continue;
    p.drawText(b.rect.adjusted(2, 0, 0, 0), Qt::AlignVCenter | Qt::AlignLeft, b.title);
  }
  QFont small = font();
  small.setPointSizeF(std::max(6.0, font().pointSizeF() * 0.85));
  const QColor selection = palette().color(QPalette::Highlight);
  for (std::size_t r = 0; r < rects_.size(); ++r) {
    const auto& rect = rects_[r];
    if (!rect.intersects(visible)) continue;
    const auto index = model_->index(static_cast<int>(r), 0);
    const auto* m = qobject_cast<const BoardModel*>(model_);
    const auto* proxy = qobject_cast<const BoardFilter*>(model_);
    const BoardModel* source =
        m != nullptr ? m
                     : (proxy ? qobject_cast<const BoardModel*>(proxy->sourceModel()) : nullptr);
    if (source == nullptr) continue;
    const int source_row = m != nullptr ? index.row() : proxy->mapToSource(index).row();
    const auto& t = source->tile(source_row);
    const QColor bg = status_color(t.status);
    p.fillRect(rect, bg);
    p.setPen(text_color_on(bg));
    p.setFont(font());
    const QRect inner = rect.adjusted(4, 2, -4, -2);
    const QString name =
        t.room.isEmpty() ? QStringLiteral("%1/%2").arg(t.box).arg(t.circuit) : t.room;
    p.drawText(inner, Qt::AlignTop | Qt::AlignLeft, name);
    // The relay: a filled dot closed, a ring open.
    if (!t.relay.isEmpty()) {
      const QRect dot(inner.right() - 8, inner.top() + 3, 8, 8);
      p.setBrush(t.relay == QLatin1String("closed") ? QBrush(text_color_on(bg)) : QBrush());
      p.drawEllipse(dot);
      p.setBrush(QBrush());
    }
    p.setFont(small);
    p.drawText(inner, Qt::AlignVCenter | Qt::AlignLeft, t.balance);
    if (!t.progress.isEmpty()) {
      p.drawText(inner, Qt::AlignBottom | Qt::AlignLeft, t.progress);
    } else if (!t.tenant.isEmpty()) {
      p.drawText(inner, Qt::AlignBottom | Qt::AlignLeft,
                 p.fontMetrics().elidedText(t.tenant, Qt::ElideRight, inner.width()));
    }
    if (selected_.contains(t.meter)) {
      p.setPen(QPen(selection, 3));
      p.drawRect(rect.adjusted(1, 1, -2, -2));
    }
  }
}

int BoardView::rowAt(const QPoint& viewportPos) const {
  ensureLayout();
  const QPoint c = viewportPos + QPoint(0, verticalScrollBar()->value());
  // Lines are in order: the first tile whose bottom is below the point, then along the line.
  const auto it = std::lower_bound(rects_.begin(), rects_.end(), c.y(),
                                   [](const QRect& r, int y) { return r.bottom() < y; });
  for (auto i = it; i != rects_.end() && i->top() <= c.y(); ++i) {
    if (i->contains(c)) return static_cast<int>(i - rects_.begin());
  }
  return -1;
}

QRect BoardView::tileRect(const QString& meter) const {
  ensureLayout();
  for (std::size_t r = 0; r < rects_.size(); ++r) {
    if (meterOf(static_cast<int>(r)) == meter) {
      return rects_[r].translated(0, -verticalScrollBar()->value());
    }
  }
  return {};
}

void BoardView::setSelectedMeters(const QSet<QString>& meters) {
  selected_ = meters;
  viewport()->update();
  emit selectionChanged(static_cast<int>(selected_.size()));
}

void BoardView::selectAllShown() {
  QSet<QString> all;
  const int rows = model_ ? model_->rowCount() : 0;
  for (int r = 0; r < rows; ++r)
    all.insert(meterOf(r));
  setSelectedMeters(all);
}

void BoardView::clearSelection() {
  setSelectedMeters({});
}

void BoardView::mousePressEvent(QMouseEvent* e) {
  if (e->button() != Qt::LeftButton) return;
  const int row = rowAt(e->position().toPoint());
  const bool ctrl = (e->modifiers() & Qt::ControlModifier) != 0;
  const bool shift = (e->modifiers() & Qt::ShiftModifier) != 0;
  if (row >= 0) {
    auto sel = ctrl || shift ? selected_ : QSet<QString>{};
    if (shift && anchor_row_ >= 0) {
      for (int r = std::min(anchor_row_, row); r <= std::max(anchor_row_, row); ++r)
        sel.insert(meterOf(r));
    } else if (ctrl && sel.contains(meterOf(row))) {
      sel.remove(meterOf(row));
    } else {
      sel.insert(meterOf(row));
    }
    if (!shift) anchor_row_ = row;
    setSelectedMeters(sel);
    return;
  }
  // On empty space: a rubber band, adding to the selection with Ctrl.
  selection_before_band_ = ctrl ? selected_ : QSet<QString>{};
  band_origin_ = e->position().toPoint() + QPoint(0, verticalScrollBar()->value());
  if (band_ == nullptr) band_ = new QRubberBand(QRubberBand::Rectangle, viewport());
  band_->setGeometry(QRect(e->position().toPoint(), QSize()));
  band_->show();
  setSelectedMeters(selection_before_band_);
}

void BoardView::mouseMoveEvent(QMouseEvent* e) {
  if (band_ == nullptr || !band_->isVisible()) return;
  const QPoint origin = band_origin_ - QPoint(0, verticalScrollBar()->value());
  band_->setGeometry(QRect(origin, e->position().toPoint()).normalized());
  selectInBand();
}

void BoardView::selectInBand() {
  ensureLayout();
  const QRect area = band_->geometry().translated(0, verticalScrollBar()->value());
  auto sel = selection_before_band_;
  for (std::size_t r = 0; r < rects_.size(); ++r) {
    if (rects_[r].intersects(area)) sel.insert(meterOf(static_cast<int>(r)));
  }
  setSelectedMeters(sel);
}

void BoardView::mouseReleaseEvent(QMouseEvent*) {
  if (band_ != nullptr) band_->hide();
}

void BoardView::mouseDoubleClickEvent(QMouseEvent* e) {
  const int row = rowAt(e->position().toPoint());
  if (row >= 0) emit meterActivated(meterOf(row));
}

bool BoardView::viewportEvent(QEvent* e) {
  if (e->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(e);
    const int row = rowAt(help->pos());
    if (row >= 0 && model_) {
      QToolTip::showText(help->globalPos(), model_->index(row, 0).data(Qt::ToolTipRole).toString(),
                         viewport());
    } else {
      QToolTip::hideText();
    }
    return true;
  }
  return QAbstractScrollArea::viewportEvent(e);
}

}  // namespace phil::console
