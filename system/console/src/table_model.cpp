#include <QtCore/QDateTime>
#include <QtCore/QJsonArray>
#include <QtCore/QTimeZone>
#include <QtCore/QUrl>

#include <phil/console/table_model.hpp>

namespace phil::console {

QString cell_text(const QJsonValue& v) {
  if (v.isNull() || v.isUndefined()) return {};
  if (v.isString()) return v.toString();
  if (v.isBool()) return v.toBool() ? QStringLiteral("✓") : QString();
  if (v.isDouble()) return QString::number(v.toInteger());
  return {};
}

void fill_table(QStandardItemModel& model, const QJsonObject& table) {
  model.clear();
  const auto columns = table.value("columns").toArray();
  QStringList headers;
  QStringList types;
  for (const auto& c : columns) {
    headers << c.toObject().value("name").toString();
    types << c.toObject().value("type").toString();
  }
  model.setColumnCount(static_cast<int>(headers.size()));
  model.setHorizontalHeaderLabels(headers);
  for (int i = 0; i < types.size(); ++i)
    model.setHeaderData(i, Qt::Horizontal, types[i], Qt::UserRole);
  auto add = [&](const QJsonArray& cells, bool total) {
    QList<QStandardItem*> row;
    for (int i = 0; i < cells.size(); ++i) {
      auto* item = new QStandardItem(cell_text(cells[i]));
      item->setEditable(false);
      const auto type = i < types.size() ? types[i] : QString();
      if (type == "money" || type == "energy" || type == "count") {
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      }
      if (total) {
        QFont f = item->font();
        f.setBold(true);
        item->setFont(f);
      }
      row << item;
    }
    model.appendRow(row);
  };
  const auto rows =
      table.contains("rows") ? table.value("rows").toArray() : table.value("items").toArray();
  for (const auto& r : rows)
    add(r.toArray(), false);
  if (table.value("totals").isArray()) add(table.value("totals").toArray(), true);
}

QString day_start_query(const QDate& d) {
  return QString::fromUtf8(QUrl::toPercentEncoding(
      QDateTime(d, QTime(0, 0), QTimeZone::systemTimeZone()).toString(Qt::ISODate)));
}

double cell_number(const QJsonValue& v) {
  return v.isDouble() ? v.toDouble() : v.toString().toDouble();
}

}  // namespace phil::console
