// Operations: the check of every text an operator gives (operations.hpp, TextLimits), one place
// for all actions.
#include <cstdio>

#include <phil/common/decimal.hpp>
#include <phil/common/text.hpp>
#include <phil/common/utf8.hpp>
#include <phil/service/operations.hpp>

namespace phil::service {

namespace {

std::string code_point(unsigned cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", cp);
  return buf;
}

std::string byte_hex(unsigned b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", b);
  return buf;
}

}  // namespace

std::optional<domain::Error> check_text(std::string_view field, std::string_view value,
                                        std::size_t max_bytes) {
  const auto named = std::string(field) + " \"" + utf8::escaped(value) + "\"";
  if (const auto flaw = utf8::first_flaw(value, utf8::Allow::kNone)) {
    const auto where = " at character " + std::to_string(flaw->column);
    const auto what =
        flaw->kind == utf8::Flaw::Kind::kInvalid
            ? ": not UTF-8 (byte " + byte_hex(flaw->code) + where + "); give the text in UTF-8"
            : ": control character " + code_point(flaw->code) + where +
                  "; give printable text on one line";
    return domain::Error{domain::ErrorKind::kInvalid, named + what};
  }
  if (value.size() > max_bytes) {
    return domain::Error{domain::ErrorKind::kInvalid,
                         named + ": too long (" + std::to_string(value.size()) +
                             " bytes); give at most " + std::to_string(max_bytes) +
                             " bytes of UTF-8"};
  }
  return std::nullopt;
}

std::optional<domain::Error> check_amount(std::string_view what, std::int64_t fen,
                                          std::int64_t max_fen, std::string_view todo) {
  if (fen <= max_fen) return std::nullopt;
  return domain::Error{domain::ErrorKind::kInvalid,
                       text::format(text::Id::kAmountOverLimit, what, format_decimal(fen, 2),
                                    format_decimal(max_fen, 2), todo)};
}

std::optional<domain::Error> Operations::check_model_texts(const domain::SiteModel& m) {
  using L = TextLimits;
  std::optional<domain::Error> e;
  const auto check = [&e](std::string_view field, std::string_view value, std::size_t max) {
    if (!e) e = check_text(field, value, max);
  };
  const auto check_opt = [&check](std::string_view field, const std::optional<std::string>& v,
                                  std::size_t max) {
    if (v) check(field, *v, max);
  };
  check("site name", m.settings.name, L::kName);
  for (const auto& b : m.buildings) {
    check("building id", b.id, L::kId);
    check("building name", b.name, L::kName);
  }
  for (const auto& f : m.floors)
    check("floor building", f.building, L::kId);
  for (const auto& r : m.rooms) {
    check("room id", r.id, L::kId);
    check("room building", r.building, L::kId);
  }
  for (const auto& c : m.comm_managers) {
    check("comm manager id", c.id, L::kId);
    check("comm manager name", c.name, L::kName);
    check("comm manager address", c.address, L::kAddress);
  }
  for (const auto& b : m.buses) {
    check("bus id", b.id, L::kId);
    check("bus comm manager", b.comm_manager, L::kId);
  }
  for (const auto& b : m.boxes) {
    check("box bus", b.bus, L::kId);
    check("box model", b.model, L::kModel);
    check("box building", b.building, L::kId);
  }
  for (const auto& mt : m.meters)
    check_opt("meter room", mt.room, L::kId);
  for (const auto& a : m.accounts) {
    check("account id", a.id, L::kId);
    check_opt("tenant name", a.tenant, L::kName);
    check_opt("tenant phone", a.phone, L::kPhone);
    check_opt("tenant room", a.room, L::kId);
    if (e) {
      if (!a.source.empty()) e->message = a.source + ": " + e->message;
      return e;
    }
  }
  return e;
}

}  // namespace phil::service
