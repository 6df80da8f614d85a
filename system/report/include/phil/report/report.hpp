#pragma once
// One report model and its renderers (issue 14 item 5): whatever the report (sales, energy,
// readings, statement, daily), it is a title, a period, when it was made, typed columns, rows
// and totals; each output (a terminal table, CSV, JSON, an xlsx workbook) is written from that
// model alone. Values stay exact integers (fen, Wh) until a renderer shows them: money in yuan
// with 2 decimals, energy in kWh with 3, times in the report's local time with its offset.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <phil/common/time.hpp>

namespace phil::report {

enum class ColumnType : std::uint8_t {
  kText,    ///< as it is
  kMoney,   ///< fen, shown as yuan with 2 decimals (xlsx: a number, format 0.00)
  kEnergy,  ///< Wh, shown as kWh with 3 decimals (xlsx: a number, format 0.000)
  kCount,   ///< a whole number
  kTime,    ///< an instant, shown in the report's local time with the offset
};

struct Column {
  std::string header;
  ColumnType type = ColumnType::kText;
};

/// Empty, a text, an integer (fen, Wh or a count, by the column) or an instant.
using Cell = std::variant<std::monostate, std::string, std::int64_t, TimePoint>;

struct Report {
  std::string title;
  std::string sheet;    ///< the xlsx sheet's name (short, ASCII)
  std::string period;   ///< "period: ... to ..." as shown
  std::string made_at;  ///< "made at: ..." as shown
  std::chrono::minutes utc_offset{0};
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;  ///< each as many cells as columns
  std::vector<Cell> totals;             ///< empty: no totals row
};

/// A cell as a person reads it (money "20.50", energy "1.250", a time with its offset).
std::string show(const Cell& cell, ColumnType type, std::chrono::minutes utc_offset);

/// Columns a person's terminal gives `s` (UTF-8): 2 for East Asian wide characters, else 1.
std::size_t display_width(std::string_view s);
/// `s` followed by spaces up to `width` terminal columns.
std::string padded(const std::string& s, std::size_t width);

/// A CSV field: quoted, quotes doubled, so a text with a comma or a quote stays one field; a
/// leading =, +, - or @ is prefixed with ' so a spreadsheet does not run it as a formula.
std::string csv_field(std::string_view v);

/// The report as aligned columns (title, period and made-at first; totals last).
std::string table(const Report& r);
/// The header line and one line per row (numbers unquoted, texts quoted), totals last.
std::string csv(const Report& r);
/// {"title", "period", "made_at", "columns": [{"name", "type"}], "rows": [[...]], "totals"}:
/// money and energy as exact decimal strings ("20.50", "1.250"), counts as numbers, times as
/// text with the offset.
std::string json(const Report& r);
/// Writes the reports to an xlsx workbook at `path`, one sheet each: its title, period and
/// made-at on top, the header row frozen, real numbers with number formats (money 0.00, energy
/// 0.000), totals last. Throws std::runtime_error naming the file and the cause.
void write_xlsx(const std::vector<Report>& reports, const std::string& path);

}  // namespace phil::report
