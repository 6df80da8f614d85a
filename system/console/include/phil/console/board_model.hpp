#pragma once
// The status board's meters as a Qt model: one row per meter, as GET /api/status and the live
// feed give them. A model/view pair (BoardView paints tiles), never one widget per meter, so
// 10,000 meters stay smooth.
#include <vector>

#include <QtCore/QAbstractListModel>
#include <QtCore/QHash>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonObject>
#include <QtCore/QMap>
#include <QtCore/QSet>
#include <QtCore/QSortFilterProxyModel>
#include <QtGui/QColor>

namespace phil::console {

/// The seed's six states, in the legend's order.
inline constexpr const char* kStatuses[] = {"not_opened", "normal",  "alarm1",
                                            "alarm2",     "arrears", "offline"};

/// The colour of a state (the tenant page's, so both screens agree); grey for an unknown one.
QColor status_color(const QString& status);
/// Black or white, whichever reads on `background`.
QColor text_color_on(const QColor& background);
/// The state's name for people, in the current language.
QString status_label(const QString& status);

struct Tile {
  QString meter;  ///< bus/box/circuit
  QString bus;
  int box = 0;
  int circuit = 0;
  QString building;
  int floor = -1;  ///< -1: not placed
  QString room;
  QString tenant;
  QString account;
  QString status;
  QString balance;  ///< yuan, 2 decimals, "" for none
  QString relay;    ///< "closed", "open" or ""
  QString mode;
  QString progress;  ///< what a batch command is doing on it ("" for nothing)
};

/// The fields of a board row (GET /api/status item, or a feed event's data).
Tile tile_from_json(const QJsonObject& row);

class BoardModel : public QAbstractListModel {
  Q_OBJECT
 public:
  enum Roles {
    kMeterRole = Qt::UserRole + 1,
    kStatusRole,
    kGroupRole,   ///< "building/floor/bus/box": the tiles of one box together
    kSortRole,    ///< building, floor, bus, box, circuit as one sortable string
    kSearchRole,  ///< meter, room, tenant and account, lower case, for the search box
  };
  using QAbstractListModel::QAbstractListModel;

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;

  /// Replaces every meter (a board reload).
  void load(const QJsonArray& rows);
  /// A meter's new row (the feed): changed in place, or added.
  void apply(const QJsonObject& row);
  /// Many rows at once (one model signal per changed stretch, not per meter).
  void applyMany(const std::vector<QJsonObject>& rows);
  void remove(const QString& meter);
  /// A batch's progress text on a meter's tile ("" clears it).
  void setProgress(const QString& meter, const QString& text);
  void clearProgress();

  const Tile& tile(int row) const { return tiles_[static_cast<std::size_t>(row)]; }
  int rowOf(const QString& meter) const { return index_.value(meter, -1); }
  /// Meters by state (every state of kStatuses present, 0 for none).
  QMap<QString, int> counts() const;

 signals:
  void countsChanged();

 private:
  std::vector<Tile> tiles_;
  QHash<QString, int> index_;
};

/// The board's order (placed meters first, by building and floor; then bus, box and circuit).
bool board_order(const Tile& a, const Tile& b);

/// The board's filters: states shown, a building, a floor, and a search text; sorted by
/// board_order.
class BoardFilter : public QSortFilterProxyModel {
  Q_OBJECT
 public:
  explicit BoardFilter(QObject* parent = nullptr);
  void setStatuses(const QSet<QString>& shown);  ///< empty: every state
  void setBuilding(const QString& building);     ///< "": every building
  void setFloor(int floor);                      ///< -1: every floor
  void setSearch(const QString& text);

 protected:
  bool filterAcceptsRow(int row, const QModelIndex& parent) const override;
  bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

 private:
  QSet<QString> statuses_;
  QString building_;
  int floor_ = -1;
  QString search_;
};

}  // namespace phil::console
