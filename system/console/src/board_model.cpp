#include <algorithm>
#include <tuple>

#include <QtCore/QCoreApplication>

#include <phil/console/board_model.hpp>

namespace phil::console {

QColor status_color(const QString& status) {
  // system/api/www/style.css: the tenant page's colours for the same states.
  static const QHash<QString, QColor> colours{
      {"not_opened", QColor(0xe0, 0xe0, 0xe0)}, {"normal", QColor(0x2e, 0x7d, 0x32)},
      {"alarm1", QColor(0xf9, 0xa8, 0x25)},     {"alarm2", QColor(0xad, 0x14, 0x57)},
      {"arrears", QColor(0xc6, 0x28, 0x28)},    {"offline", QColor(0x75, 0x75, 0x75)}};
  return colours.value(status, QColor(0x9e, 0x9e, 0x9e));
}

QColor text_color_on(const QColor& background) {
  return background.lightness() > 150 ? QColor(0x1d, 0x24, 0x30) : QColor(Qt::white);
}

QString status_label(const QString& status) {
  if (status == "not_opened") return QCoreApplication::translate("Board", "Not opened");
  if (status == "normal") return QCoreApplication::translate("Board", "Normal");
  if (status == "alarm1") return QCoreApplication::translate("Board", "Alarm 1");
  if (status == "alarm2") return QCoreApplication::translate("Board", "Alarm 2");
  if (status == "arrears") return QCoreApplication::translate("Board", "Arrears");
  if (status == "offline") return QCoreApplication::translate("Board", "Offline");
  return status;
}

Tile tile_from_json(const QJsonObject& row) {
  Tile t;
  t.meter = row.value("meter").toString();
  const auto parts = t.meter.split('/');
  if (parts.size() == 3) {
    t.bus = parts[0];
    t.box = parts[1].toInt();
    t.circuit = parts[2].toInt();
  }
  t.building = row.value("building").toString();
  t.floor = row.value("floor").isDouble() ? row.value("floor").toInt() : -1;
  t.room = row.value("room").toString();
  t.tenant = row.value("tenant").toString();
  t.account = row.value("account").toString();
  t.status = row.value("status").toString();
  t.balance = row.value("balance").toString();
  t.relay = row.value("relay").toString();
  t.mode = row.value("mode").toString();
  return t;
}

int BoardModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(tiles_.size());
}

QVariant BoardModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount()) return {};
  const auto& t = tile(index.row());
  switch (role) {
    case Qt::DisplayRole:
      return t.room.isEmpty() ? t.meter : t.room;
    case Qt::ToolTipRole:
      return QStringLiteral("%1\n%2 %3\n%4 %5")
          .arg(t.meter, t.tenant, t.account, status_label(t.status), t.balance);
    case kMeterRole:
      return t.meter;
    case kStatusRole:
      return t.status;
    case kGroupRole:
      return QStringLiteral("%1/%2/%3/%4").arg(t.building).arg(t.floor).arg(t.bus).arg(t.box);
    case kSortRole:
      // Placed meters first, by building and floor; then bus, box and circuit.
      return QStringLiteral("%1|%2|%3|%4|%5|%6")
          .arg(t.floor < 0 ? 1 : 0)
          .arg(t.building)
          .arg(t.floor + 1000, 5, 10, QChar('0'))
          .arg(t.bus)
          .arg(t.box, 4, 10, QChar('0'))
          .arg(t.circuit, 3, 10, QChar('0'));
    case kSearchRole:
      return QStringLiteral("%1 %2 %3 %4").arg(t.meter, t.room, t.tenant, t.account).toLower();
    default:
      return {};
  }
}

void BoardModel::load(const QJsonArray& rows) {
  beginResetModel();
  tiles_.clear();
  index_.clear();
  tiles_.reserve(static_cast<std::size_t>(rows.size()));
  for (const auto& r : rows) {
    auto t = tile_from_json(r.toObject());
    if (t.meter.isEmpty() || index_.contains(t.meter)) continue;
    index_.insert(t.meter, static_cast<int>(tiles_.size()));
    tiles_.push_back(std::move(t));
  }
  endResetModel();
  emit countsChanged();
}

void BoardModel::apply(const QJsonObject& row) {
  applyMany({row});
}

void BoardModel::applyMany(const std::vector<QJsonObject>& rows) {
  std::vector<int> changed;
  changed.reserve(rows.size());
  std::vector<Tile> added;
  for (const auto& r : rows) {
    auto t = tile_from_json(r);
    if (t.meter.isEmpty()) continue;
    const int at = rowOf(t.meter);
    if (at < 0) {
      added.push_back(std::move(t));
      continue;
    }
    auto& old = tiles_[static_cast<std::size_t>(at)];
    t.progress = old.progress;
    old = std::move(t);
    changed.push_back(at);
  }
  // One dataChanged per run of neighbouring rows.
  std::sort(changed.begin(), changed.end());
  for (std::size_t i = 0; i < changed.size();) {
    std::size_t j = i;
    while (j + 1 < changed.size() && changed[j + 1] <= changed[j] + 1)
      ++j;
    emit dataChanged(index(changed[i]), index(changed[j]));
    i = j + 1;
  }
  if (!added.empty()) {
    const int first = rowCount();
    beginInsertRows({}, first, first + static_cast<int>(added.size()) - 1);
    for (auto& t : added) {
      if (index_.contains(t.meter)) continue;
      index_.insert(t.meter, static_cast<int>(tiles_.size()));
      tiles_.push_back(std::move(t));
    }
    endInsertRows();
  }
  if (!changed.empty() || !added.empty()) emit countsChanged();
}

void BoardModel::remove(const QString& meter) {
  const int at = rowOf(meter);
  if (at < 0) return;
  beginRemoveRows({}, at, at);
  tiles_.erase(tiles_.begin() + at);
  index_.clear();
  for (std::size_t i = 0; i < tiles_.size(); ++i)
    index_.insert(tiles_[i].meter, static_cast<int>(i));
  endRemoveRows();
  emit countsChanged();
}

void BoardModel::setProgress(const QString& meter, const QString& text) {
  const int at = rowOf(meter);
  if (at < 0 || tiles_[static_cast<std::size_t>(at)].progress == text) return;
  tiles_[static_cast<std::size_t>(at)].progress = text;
  emit dataChanged(index(at), index(at));
}

void BoardModel::clearProgress() {
  for (auto& t : tiles_)
    t.progress.clear();
  if (!tiles_.empty()) emit dataChanged(index(0), index(rowCount() - 1));
}

QMap<QString, int> BoardModel::counts() const {
  QMap<QString, int> c;
  for (const auto* s : kStatuses)
    c.insert(QString::fromLatin1(s), 0);
  for (const auto& t : tiles_)
    ++c[t.status];
  return c;
}

BoardFilter::BoardFilter(QObject* parent) : QSortFilterProxyModel(parent) {
  setSortRole(BoardModel::kSortRole);
  setDynamicSortFilter(true);
  sort(0);
}

void BoardFilter::setStatuses(const QSet<QString>& shown) {
  statuses_ = shown;
  invalidateFilter();
}

void BoardFilter::setBuilding(const QString& building) {
  building_ = building;
  invalidateFilter();
}

void BoardFilter::setFloor(int floor) {
  floor_ = floor;
  invalidateFilter();
}

void BoardFilter::setSearch(const QString& text) {
  search_ = text.trimmed().toLower();
  invalidateFilter();
}

bool board_order(const Tile& a, const Tile& b) {
  if ((a.floor < 0) != (b.floor < 0)) return b.floor < 0;
  if (const int c = QString::compare(a.building, b.building); c != 0) return c < 0;
  if (a.floor != b.floor) return a.floor < b.floor;
  if (const int c = QString::compare(a.bus, b.bus); c != 0) return c < 0;
  return std::tie(a.box, a.circuit) < std::tie(b.box, b.circuit);
}

bool BoardFilter::lessThan(const QModelIndex& left, const QModelIndex& right) const {
  const auto* m = qobject_cast<const BoardModel*>(sourceModel());
  if (m == nullptr) return QSortFilterProxyModel::lessThan(left, right);
  return board_order(m->tile(left.row()), m->tile(right.row()));
}

bool BoardFilter::filterAcceptsRow(int row, const QModelIndex& parent) const {
  const auto* m = qobject_cast<const BoardModel*>(sourceModel());
  if (m == nullptr || parent.isValid()) return true;
  const auto& t = m->tile(row);
  if (!statuses_.isEmpty() && !statuses_.contains(t.status)) return false;
  if (!building_.isEmpty() && t.building != building_) return false;
  if (floor_ >= 0 && t.floor != floor_) return false;
  if (!search_.isEmpty()) {
    for (const auto& word : search_.split(' ', Qt::SkipEmptyParts)) {
      if (!t.meter.toLower().contains(word) && !t.room.toLower().contains(word) &&
          !t.tenant.toLower().contains(word) && !t.account.toLower().contains(word)) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace phil::console
