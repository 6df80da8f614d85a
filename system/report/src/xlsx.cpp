// The reports as an xlsx workbook through libxlsxwriter: one sheet per report.
#include <set>
#include <stdexcept>

#include <xlsxwriter.h>

#include <phil/report/report.hpp>

namespace phil::report {

namespace {

/// Rows above the header: title, period, made-at and a blank one.
constexpr lxw_row_t kHeaderRow = 4;

/// A sheet name Excel takes (at most 31 characters, none of []:*?/\) and not used yet.
std::string sheet_name(const std::string& wanted, std::set<std::string>& used) {
  std::string base;
  for (const char c : wanted) {
    if (std::string_view("[]:*?/\\").find(c) == std::string_view::npos) base += c;
  }
  if (base.empty()) base = "report";
  base = base.substr(0, 28);
  std::string name = base;
  for (int n = 2; used.contains(name); ++n)
    name = base + "-" + std::to_string(n);
  used.insert(name);
  return name;
}

class Workbook {
 public:
  explicit Workbook(const std::string& path) : path_(path), wb_(workbook_new(path.c_str())) {
    if (wb_ == nullptr) throw std::runtime_error(path + ": cannot create the workbook");
    money_ = workbook_add_format(wb_);
    format_set_num_format(money_, "0.00");
    energy_ = workbook_add_format(wb_);
    format_set_num_format(energy_, "0.000");
    bold_ = workbook_add_format(wb_);
    format_set_bold(bold_);
    bold_money_ = workbook_add_format(wb_);
    format_set_bold(bold_money_);
    format_set_num_format(bold_money_, "0.00");
    bold_energy_ = workbook_add_format(wb_);
    format_set_bold(bold_energy_);
    format_set_num_format(bold_energy_, "0.000");
  }
  ~Workbook() {
    if (wb_ != nullptr) workbook_close(wb_);
  }
  Workbook(const Workbook&) = delete;
  Workbook& operator=(const Workbook&) = delete;

  void add(const Report& r, std::set<std::string>& used) {
    const auto name = sheet_name(r.sheet, used);
    lxw_worksheet* ws = workbook_add_worksheet(wb_, name.c_str());
    if (ws == nullptr) throw std::runtime_error(path_ + ": cannot add the sheet " + name);
    worksheet_write_string(ws, 0, 0, r.title.c_str(), bold_);
    worksheet_write_string(ws, 1, 0, r.period.c_str(), nullptr);
    worksheet_write_string(ws, 2, 0, r.made_at.c_str(), nullptr);
    for (std::size_t c = 0; c < r.columns.size(); ++c) {
      const auto col = static_cast<lxw_col_t>(c);
      worksheet_write_string(ws, kHeaderRow, col, r.columns[c].header.c_str(), bold_);
      const bool wide = r.columns[c].type == ColumnType::kTime;
      worksheet_set_column(ws, col, col, wide ? 26 : 14, nullptr);
    }
    worksheet_freeze_panes(ws, kHeaderRow + 1, 0);
    lxw_row_t row = kHeaderRow + 1;
    for (const auto& cells : r.rows)
      write_row(ws, r, cells, row++, false);
    if (!r.totals.empty()) write_row(ws, r, r.totals, row, true);
  }

  void close() {
    const lxw_error e = workbook_close(wb_);
    wb_ = nullptr;
    if (e != LXW_NO_ERROR) throw std::runtime_error(path_ + ": " + lxw_strerror(e));
  }

 private:
  void write_row(lxw_worksheet* ws, const Report& r, const std::vector<Cell>& cells, lxw_row_t row,
                 bool totals) {
    for (std::size_t c = 0; c < r.columns.size() && c < cells.size(); ++c) {
      const auto col = static_cast<lxw_col_t>(c);
      const auto type = r.columns[c].type;
      const auto& cell = cells[c];
      if (std::holds_alternative<std::monostate>(cell)) continue;
      if (const auto* n = std::get_if<std::int64_t>(&cell)) {
        switch (type) {
          case ColumnType::kMoney:
            worksheet_write_number(ws, row, col, static_cast<double>(*n) / 100.0,
                                   totals ? bold_money_ : money_);
            continue;
          case ColumnType::kEnergy:
            worksheet_write_number(ws, row, col, static_cast<double>(*n) / 1000.0,
                                   totals ? bold_energy_ : energy_);
            continue;
          case ColumnType::kText:
          case ColumnType::kCount:
          case ColumnType::kTime:
            worksheet_write_number(ws, row, col, static_cast<double>(*n), totals ? bold_ : nullptr);
            continue;
        }
      }
      const auto text = show(cell, type, r.utc_offset);
      worksheet_write_string(ws, row, col, text.c_str(), totals ? bold_ : nullptr);
    }
  }

  std::string path_;
  lxw_workbook* wb_;
  lxw_format* money_ = nullptr;
  lxw_format* energy_ = nullptr;
  lxw_format* bold_ = nullptr;
  lxw_format* bold_money_ = nullptr;
  lxw_format* bold_energy_ = nullptr;
};

}  // namespace

void write_xlsx(const std::vector<Report>& reports, const std::string& path) {
  Workbook wb(path);
  std::set<std::string> used;
  for (const auto& r : reports)
    wb.add(r, used);
  wb.close();
}

}  // namespace phil::report
