#include <algorithm>

#include <nlohmann/json.hpp>

#include <phil/common/decimal.hpp>
#include <phil/report/report.hpp>

namespace phil::report {

namespace {

bool numeric(ColumnType t) {
  return t == ColumnType::kMoney || t == ColumnType::kEnergy || t == ColumnType::kCount;
}

std::string_view type_name(ColumnType t) {
  switch (t) {
    case ColumnType::kText:
      return "text";
    case ColumnType::kMoney:
      return "money";
    case ColumnType::kEnergy:
      return "energy";
    case ColumnType::kCount:
      return "count";
    case ColumnType::kTime:
      return "time";
  }
  return "text";
}

/// The rows, then the totals row if there is one.
std::vector<const std::vector<Cell>*> all_rows(const Report& r) {
  std::vector<const std::vector<Cell>*> out;
  out.reserve(r.rows.size() + 1);
  for (const auto& row : r.rows)
    out.push_back(&row);
  if (!r.totals.empty()) out.push_back(&r.totals);
  return out;
}

std::string csv_cell(const Cell& c, ColumnType t, std::chrono::minutes offset) {
  if (std::holds_alternative<std::monostate>(c)) return "";
  const auto shown = show(c, t, offset);
  return numeric(t) && std::holds_alternative<std::int64_t>(c) ? shown : csv_field(shown);
}

}  // namespace

std::size_t display_width(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                      (cp >= 0xFFE0 && cp <= 0xFFE6);
    n += wide ? 2 : 1;
    i += len;
  }
  return n;
}

std::string padded(const std::string& s, std::size_t width) {
  const auto w = display_width(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

std::string show(const Cell& cell, ColumnType type, std::chrono::minutes utc_offset) {
  if (const auto* text = std::get_if<std::string>(&cell)) return *text;
  if (const auto* t = std::get_if<TimePoint>(&cell)) return format_timestamp(*t, utc_offset);
  if (const auto* n = std::get_if<std::int64_t>(&cell)) {
    switch (type) {
      case ColumnType::kMoney:
        return format_decimal(*n, 2);
      case ColumnType::kEnergy:
        return format_decimal(*n, 3);
      case ColumnType::kText:
      case ColumnType::kCount:
      case ColumnType::kTime:
        return std::to_string(*n);
    }
  }
  return "";
}

std::string csv_field(std::string_view v) {
  std::string out = "\"";
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) out += '\'';
  for (const char ch : v) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
  return out;
}

std::string table(const Report& r) {
  const auto rows = all_rows(r);
  std::vector<std::vector<std::string>> shown;
  shown.reserve(rows.size());
  std::vector<std::size_t> width(r.columns.size());
  for (std::size_t c = 0; c < r.columns.size(); ++c)
    width[c] = display_width(r.columns[c].header);
  for (const auto* row : rows) {
    auto& line = shown.emplace_back();
    for (std::size_t c = 0; c < r.columns.size(); ++c) {
      line.push_back(c < row->size() ? show((*row)[c], r.columns[c].type, r.utc_offset) : "");
      width[c] = std::max(width[c], display_width(line.back()));
    }
  }
  const auto cell = [&](const std::string& s, std::size_t c) {
    // Numbers right-aligned, texts left; the last column unpadded on the right.
    if (numeric(r.columns[c].type)) {
      const auto w = display_width(s);
      return std::string(width[c] > w ? width[c] - w : 0, ' ') + s;
    }
    return c + 1 == r.columns.size() ? s : padded(s, width[c]);
  };
  std::string out = r.title + "\n" + r.period + "\n" + r.made_at + "\n\n";
  const auto line = [&](const std::vector<std::string>& v) {
    std::string l;
    for (std::size_t c = 0; c < v.size(); ++c)
      l += (c == 0 ? "" : "  ") + cell(v[c], c);
    while (!l.empty() && l.back() == ' ')
      l.pop_back();
    out += l + "\n";
  };
  std::vector<std::string> headers;
  headers.reserve(r.columns.size());
  for (const auto& c : r.columns)
    headers.push_back(c.header);
  line(headers);
  for (const auto& v : shown)
    line(v);
  return out;
}

std::string csv(const Report& r) {
  std::string out;
  for (std::size_t c = 0; c < r.columns.size(); ++c)
    out += (c == 0 ? "" : ",") + csv_field(r.columns[c].header);
  out += "\n";
  for (const auto* row : all_rows(r)) {
    for (std::size_t c = 0; c < r.columns.size(); ++c) {
      if (c > 0) out += ",";
      if (c < row->size()) out += csv_cell((*row)[c], r.columns[c].type, r.utc_offset);
    }
    out += "\n";
  }
  return out;
}

std::string json(const Report& r) {
  const auto value = [&](const Cell& c, ColumnType t) -> nlohmann::json {
    if (std::holds_alternative<std::monostate>(c)) return nullptr;
    if (t == ColumnType::kCount) {
      if (const auto* n = std::get_if<std::int64_t>(&c)) return *n;
    }
    return show(c, t, r.utc_offset);
  };
  const auto row_json = [&](const std::vector<Cell>& row) {
    auto a = nlohmann::json::array();
    for (std::size_t c = 0; c < r.columns.size(); ++c)
      a.push_back(c < row.size() ? value(row[c], r.columns[c].type) : nlohmann::json());
    return a;
  };
  nlohmann::json j{{"title", r.title}, {"period", r.period}, {"made_at", r.made_at}};
  auto cols = nlohmann::json::array();
  for (const auto& c : r.columns)
    cols.push_back({{"name", c.header}, {"type", std::string(type_name(c.type))}});
  j["columns"] = cols;
  auto rows = nlohmann::json::array();
  for (const auto& row : r.rows)
    rows.push_back(row_json(row));
  j["rows"] = rows;
  j["totals"] = r.totals.empty() ? nlohmann::json() : row_json(r.totals);
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace phil::report
