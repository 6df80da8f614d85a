#pragma once
// The status board's tiles: a scroll area that paints only the tiles in sight, one band per box
// ("building · floor · bus/box"), tiles wrapping within it. Selection by click, Ctrl+click,
// Shift+click and rubber band; it is kept by meter id, so it survives filtering and reloads.
#include <vector>

#include <QtCore/QPointer>
#include <QtCore/QSet>
#include <QtWidgets/QAbstractScrollArea>

class QAbstractItemModel;
class QRubberBand;

namespace phil::console {

class BoardView : public QAbstractScrollArea {
  Q_OBJECT
 public:
  explicit BoardView(QWidget* parent = nullptr);

  /// A BoardFilter over a BoardModel (or the BoardModel itself).
  void setModel(QAbstractItemModel* model);

  const QSet<QString>& selectedMeters() const { return selected_; }
  void setSelectedMeters(const QSet<QString>& meters);
  /// Every meter the filter shows.
  void selectAllShown();
  void clearSelection();

  /// The tile rectangle of a meter in the viewport's coordinates (null if not shown).
  QRect tileRect(const QString& meter) const;
  /// Lays the tiles out now (it happens on the next paint otherwise).
  void relayout();

  static constexpr int kTileWidth = 92;
  static constexpr int kTileHeight = 50;
  static constexpr int kGap = 4;
  static constexpr int kBandHeight = 20;

 signals:
  void selectionChanged(int count);
  void meterActivated(const QString& meter);

 protected:
  void paintEvent(QPaintEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void mouseDoubleClickEvent(QMouseEvent* e) override;
  bool viewportEvent(QEvent* e) override;
  void scrollContentsBy(int dx, int dy) override;

 private:
  struct Band {
    QRect rect;  ///< content coordinates
    QString title;
  };
  void layoutLater();
  void ensureLayout() const;
  int rowAt(const QPoint& viewportPos) const;
  QString meterOf(int row) const;
  void updateScrollBars() const;
  void selectInBand();

  QPointer<QAbstractItemModel> model_;
  QSet<QString> selected_;
  QSet<QString> selection_before_band_;
  mutable std::vector<QRect> rects_;  ///< per model row, content coordinates
  mutable std::vector<Band> bands_;
  mutable int content_height_ = 0;
  mutable bool dirty_ = true;
  int anchor_row_ = -1;
  QPoint band_origin_;  ///< content coordinates
  QRubberBand* band_ = nullptr;
};

}  // namespace phil::console
