#pragma once
// The API's tables ({"columns": [{"name", "type"}], "rows" or "items": [[...]]}: reports, batch
// previews, a batch's progress) as a Qt item model, numbers right-aligned, money as the API gives
// it (yuan, 2 decimals), a "totals" row last and bold when there is one.
#include <QtCore/QDate>
#include <QtCore/QJsonObject>
#include <QtGui/QStandardItemModel>

namespace phil::console {

/// Fills `model` (cleared first) from a table of the API. The column of each cell's type is kept
/// in Qt::UserRole of the header ("money", "energy", "count", "text", "time").
void fill_table(QStandardItemModel& model, const QJsonObject& table);

/// A cell as the API gives it, as text ("" for null).
QString cell_text(const QJsonValue& v);
/// A money or energy cell ("162.00", "12.345") or a count as a number, for charts only; tables
/// keep the text the server gave.
double cell_number(const QJsonValue& v);
/// The first instant of local day `d` in the PC's zone, as a report's `from`/`to` takes it
/// (ISO 8601 with the offset), percent-encoded for a query.
QString day_start_query(const QDate& d);

}  // namespace phil::console
