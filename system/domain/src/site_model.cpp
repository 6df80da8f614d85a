#include <cstdlib>
#include <set>

#include <phil/domain/site_model.hpp>

#include "enum_names.hpp"

namespace phil::domain {

namespace {

constexpr detail::NameTable<BillingMode, 2> kModeNames{{
    {BillingMode::kMeterSide, "meter-side"},
    {BillingMode::kHostSide, "host-side"},
}};

/// The meter's threshold registers are 32-bit; these bounds keep far from them and from nonsense.
constexpr std::int64_t kMaxAlarmFen = 100'000'000;  // 1,000,000.00 yuan
constexpr std::int64_t kMaxOverloadW = 1'000'000;
constexpr std::int64_t kMaxToleranceFen = 100'000'000;

/// Ids are written in commands and files: the characters of a bus id (letters, digits, "_-."),
/// 1..64 of them.
bool valid_id(const std::string& s) {
  return MeterId::parse(s + "/1/1").has_value();
}

std::string floor_name(const std::string& building, int floor) {
  return "floor " + std::to_string(floor) + " of building " + building;
}

}  // namespace

std::string_view to_string(BillingMode m) {
  return detail::name_of(kModeNames, m);
}
std::optional<BillingMode> parse_billing_mode(std::string_view s) {
  return detail::value_of(kModeNames, s);
}

Thresholds effective(const Thresholds& defaults, const ThresholdOverrides& own) {
  return {own.alarm1_fen.value_or(defaults.alarm1_fen),
          own.alarm2_fen.value_or(defaults.alarm2_fen),
          own.overload_w.value_or(defaults.overload_w)};
}

std::optional<std::string> check_thresholds(const Thresholds& t) {
  if (t.alarm1_fen < 0 || t.alarm1_fen > kMaxAlarmFen || t.alarm2_fen < 0 ||
      t.alarm2_fen > kMaxAlarmFen) {
    return "alarm thresholds must be between 0.00 and 1000000.00 yuan";
  }
  if (t.alarm2_fen > t.alarm1_fen) {
    return "alarm 2 (" + std::to_string(t.alarm2_fen) + " fen) is above alarm 1 (" +
           std::to_string(t.alarm1_fen) +
           " fen); alarm 1 is the early warning, so give it the larger amount";
  }
  if (t.overload_w < 0 || t.overload_w > kMaxOverloadW) {
    return "overload threshold must be between 0 and 1000000 W (0: none)";
  }
  return std::nullopt;
}

namespace {

/// The checks of check_site_model, section by section in the model's order; the ids each
/// section lists are kept for the sections that refer to them.
class SiteCheck {
 public:
  explicit SiteCheck(const SiteModel& m) : m_(m) {}

  std::vector<std::string> run() && {
    check_settings();
    check_places();
    check_comm();
    check_devices();
    check_accounts();
    return std::move(problems_);
  }

 private:
  void problem(std::string p) { problems_.push_back(std::move(p)); }

  void check_settings() {
    const auto& m = m_;
    if (auto p = check_thresholds(m.settings.thresholds)) problem("site thresholds: " + *p);
    if (m.settings.mismatch_tolerance_fen < 0 ||
        m.settings.mismatch_tolerance_fen > kMaxToleranceFen) {
      problem("mismatch tolerance must be between 0.00 and 1000000.00 yuan");
    }
  }

  /// Buildings, floors and rooms.
  void check_places() {
    const auto& m = m_;
    for (const auto& b : m.buildings) {
      if (!valid_id(b.id)) {
        problem("building id \"" + b.id + "\" may use only letters, digits, '_', '-' and '.'");
      }
      if (!buildings_.insert(b.id).second) problem("building " + b.id + " is listed twice");
    }
    for (const auto& f : m.floors) {
      if (!buildings_.contains(f.building)) {
        problem(floor_name(f.building, f.number) + ": no such building");
      }
      if (!floors_.insert({f.building, f.number}).second) {
        problem(floor_name(f.building, f.number) + " is listed twice");
      }
    }
    for (const auto& r : m.rooms) {
      if (!valid_id(r.id)) {
        problem("room id \"" + r.id + "\" may use only letters, digits, '_', '-' and '.'");
      }
      if (!rooms_.insert(r.id).second) {
        problem("room " + r.id + " is listed twice; room ids are unique in the site");
      }
      if (!floors_.contains({r.building, r.floor})) {
        problem("room " + r.id + ": " + floor_name(r.building, r.floor) + " is not listed");
      }
    }
  }

  /// Comm managers and the buses behind them.
  void check_comm() {
    const auto& m = m_;
    for (const auto& c : m.comm_managers) {
      if (!valid_id(c.id)) {
        problem("comm manager id \"" + c.id + "\" may use only letters, digits, '_', '-' and '.'");
      }
      if (!managers_.insert(c.id).second) problem("comm manager " + c.id + " is listed twice");
    }
    for (const auto& b : m.buses) {
      if (!MeterId::parse(b.id + "/1/1")) {
        problem("bus id \"" + b.id + "\" may use only letters, digits, '_', '-' and '.'");
      }
      if (!buses_.insert(b.id).second) problem("bus " + b.id + " is listed twice");
      if (!b.comm_manager.empty() && !managers_.contains(b.comm_manager)) {
        problem("bus " + b.id + ": no comm manager " + b.comm_manager);
      }
    }
  }

  /// Boxes on the buses, meters in the boxes.
  void check_devices() {
    const auto& m = m_;
    for (const auto& b : m.boxes) {
      const auto name = "box " + b.bus + "/" + std::to_string(b.address);
      if (!buses_.contains(b.bus)) problem(name + ": no bus " + b.bus);
      if (b.address < 1 || b.address > 247) problem(name + ": address must be 1..247");
      if (b.model.empty()) problem(name + ": no model");
      if (!boxes_.insert({b.bus, b.address}).second) problem(name + " is listed twice");
      if (b.floor && !floors_.contains({b.building, *b.floor})) {
        problem(name + ": " + floor_name(b.building, *b.floor) + " is not listed");
      }
    }
    for (const auto& mt : m.meters) {
      const auto name = "meter " + mt.id.to_string();
      if (!boxes_.contains({mt.id.bus, mt.id.box})) problem(name + ": its box is not listed");
      if (!meters_.insert(mt.id).second) problem(name + " is listed twice");
      if (mt.room && !rooms_.contains(*mt.room)) problem(name + ": no room " + *mt.room);
      if (auto p = check_thresholds(effective(m.settings.thresholds, mt.thresholds))) {
        problem(name + " thresholds: " + *p);
      }
    }
  }

  void check_accounts() {
    const auto& m = m_;
    std::set<std::string> accounts;
    std::set<MeterId> claimed;
    for (const auto& a : m.accounts) {
      const auto name = "account " + a.id + (a.source.empty() ? "" : " (" + a.source + ")");
      if (!valid_id(a.id)) {
        problem("account id \"" + a.id + "\" may use only letters, digits, '_', '-' and '.'");
      }
      if (!accounts.insert(a.id).second) problem(name + " is listed twice");
      if (a.meters.empty()) problem(name + ": no meter; give at least one");
      for (const auto& mt : a.meters) {
        if (!meters_.contains(mt)) problem(name + ": meter " + mt.to_string() + " is not listed");
        if (!claimed.insert(mt).second) {
          problem(name + ": meter " + mt.to_string() +
                  " is claimed by two accounts (or listed twice); a meter belongs to one account");
        }
      }
      if (a.room && !rooms_.contains(*a.room)) problem(name + ": no room " + *a.room);
      if (a.phone) {
        if (auto p = check_phone(*a.phone)) problem(name + ": " + *p);
      }
      if (a.first_sale_fen < 0 || a.first_sale_fen > kMaxFirstSaleFen) {
        problem(name + ": first sale must be between 0.00 and 1000000.00 yuan");
      }
    }
  }

  const SiteModel& m_;
  std::vector<std::string> problems_;
  std::set<std::string> buildings_;
  std::set<std::pair<std::string, int>> floors_;
  std::set<std::string> rooms_;
  std::set<std::string> managers_;
  std::set<std::string> buses_;
  std::set<std::pair<std::string, int>> boxes_;
  std::set<MeterId> meters_;
};

}  // namespace

Error site_model_refused(const std::vector<std::string>& problems) {
  std::string text = "the site model is refused, nothing was imported:";
  for (const auto& p : problems)
    text += "\n  " + p;
  return Error{ErrorKind::kInvalid, text};
}

std::vector<std::string> check_site_model(const SiteModel& m) {
  return SiteCheck(m).run();
}

std::optional<std::string> check_phone(std::string_view phone) {
  if (phone.empty()) return std::nullopt;
  int digits = 0;
  for (char c : phone) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c != ' ' && c != '+' && c != '-' && c != '(' && c != ')') {
      return "phone number \"" + std::string(phone) +
             "\" may hold only digits, spaces, '+', '-', '(' and ')'";
    }
  }
  if (phone.size() > 20 || digits < 3) {
    return "phone number \"" + std::string(phone) +
           "\" must have 3..20 characters with at least 3 digits, e.g. 13800138000";
  }
  return std::nullopt;
}

std::optional<std::int64_t> balance_mismatch(const BalanceCheck& c) {
  const std::int64_t diff = c.meters_fen - (c.ledger_fen - c.undelivered_fen);
  if (std::llabs(diff) > c.tolerance_fen) return diff;
  return std::nullopt;
}

}  // namespace phil::domain
