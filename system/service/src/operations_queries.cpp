// Operations: the queries an operator makes. They write nothing (no audit row) but pass the same
// check as the actions.
#include <utility>

#include <phil/meterlink/adf300.hpp>
#include <phil/service/operations.hpp>

namespace phil::service {

namespace {

domain::Error not_found(std::string message) {
  return domain::Error{domain::ErrorKind::kNotFound, std::move(message)};
}

}  // namespace

domain::Result<store::AccountRecord> Operations::account(const Actor& actor,
                                                         const std::string& id) const {
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  auto a = store_.account(id);
  if (!a) return not_found("account " + id + " does not exist; check the id");
  return std::move(*a);
}

std::optional<domain::Error> Operations::check_filter(const domain::BoardFilter& filter) {
  const std::pair<const char*, const std::optional<std::string>*> texts[] = {
      {"building", &filter.building},
      {"bus", &filter.bus},
      {"account", &filter.account},
      {"text", &filter.text}};
  for (const auto& [field, value] : texts) {
    if (!*value) continue;
    if (auto e = check_text(field, **value, TextLimits::kName)) return e;
  }
  return std::nullopt;
}

std::vector<domain::BoardRow> Operations::board_rows() const {
  auto rows = store_.status_board();
  for (auto& r : rows) {
    // The store marks the ones it registered as such; the site file's profiles, where given,
    // add any registered before the mark existed.
    if (r.energy_meter) continue;
    if (const auto* driver = driver_of(r.meter); driver != nullptr && driver->energy_only()) {
      domain::as_energy_meter(r);
    }
  }
  return rows;
}

domain::Result<StatusBoard> Operations::status_board(const Actor& actor,
                                                     const domain::BoardFilter& filter) const {
  if (auto e = check_filter(filter)) return *e;
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  auto rows = board_rows();
  std::erase_if(rows, [&](const domain::BoardRow& r) { return !domain::matches(r, filter); });
  StatusBoard board;
  board.counts = domain::count_statuses(rows);
  board.buildings = domain::group_board(std::move(rows));
  board.as_of = clock_.now();
  board.utc_offset = utc_offset();
  return board;
}

domain::Result<std::int64_t> Operations::account_balance_fen(const Actor& actor,
                                                             const std::string& account) const {
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  const auto b = store_.account_balance_fen(account);
  if (!b) return not_found("account " + account + " does not exist; check the id");
  return *b;
}

domain::Result<std::vector<store::LedgerRecord>> Operations::ledger(
    const Actor& actor, const std::optional<std::string>& account) const {
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  return store_.ledger(account);
}

domain::Result<std::vector<std::string>> Operations::verify_ledger(const Actor& actor) const {
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  return store_.verify_ledger();
}

domain::Result<store::MeterRecord> Operations::meter(const Actor& actor,
                                                     const domain::MeterId& id) const {
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  auto m = store_.meter(id);
  if (!m) return not_found("meter " + id.to_string() + " is not configured at this site");
  return std::move(*m);
}

domain::Result<store::MeterPlacement> Operations::meter_placement(const Actor& actor,
                                                                  const domain::MeterId& id) const {
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  auto p = store_.meter_placement(id);
  if (!p) return not_found("meter " + id.to_string() + " is not configured at this site");
  return std::move(*p);
}

domain::Result<std::vector<store::CommandRecord>> Operations::account_debits(
    const Actor& actor, const std::string& account) const {
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  return store_.account_debits(account);
}

domain::Result<std::optional<store::BoxIdentityRecord>> Operations::box_identity(
    const Actor& actor, const std::string& bus, int address) const {
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  return store_.box_identity(bus, address);
}

domain::Result<std::optional<store::ClosingRecord>> Operations::account_closing(
    const Actor& actor, const std::string& account) const {
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  return store_.account_closing(account);
}

domain::Result<std::optional<store::ConversionRecord>> Operations::meter_conversion(
    const Actor& actor, const domain::MeterId& meter) const {
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  return store_.meter_conversion(meter);
}

domain::Result<std::vector<store::CommandRecord>> Operations::meter_commands(
    const Actor& actor, const domain::MeterId& id, int limit) const {
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  return store_.meter_commands(id, limit);
}

domain::Result<std::vector<store::EventRecord>> Operations::events(
    const Actor& actor, const std::optional<domain::MeterId>& meter) const {
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  return store_.events(meter);
}

domain::Result<std::vector<store::TariffRecord>> Operations::tariffs(const Actor& actor) const {
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  return store_.tariffs();
}

domain::Result<std::optional<Operations::MeterTariff>> Operations::meter_tariff(
    const Actor& actor, const domain::MeterId& id) const {
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  if (!store_.meter(id))
    return not_found("meter " + id.to_string() + " is not configured at this site");
  return tariff_of(id);
}

std::optional<Operations::MeterTariff> Operations::tariff_of(const domain::MeterId& id) const {
  const auto now = clock_.now();
  // The latest assignment in force now, the meter's own first, else the site's.
  const store::TariffRecord* best = nullptr;
  bool best_own = false;
  TimePoint best_from{};
  const auto tariffs = store_.tariffs();
  for (const auto& t : tariffs) {
    for (const auto& a : t.assignments) {
      const bool own = a.meter == id;
      if ((!own && a.meter) || a.from > now) continue;
      if (best && (best_own && !own)) continue;
      if (best && best_own == own && a.from < best_from) continue;
      best = &t;
      best_own = own;
      best_from = a.from;
    }
  }
  if (!best || best->schedule.versions.empty()) return std::nullopt;
  return MeterTariff{best->name, best->schedule.at(now), best_own};
}

domain::Result<store::Store::ReadRequest> Operations::read_request(const Actor& actor,
                                                                   std::int64_t id) const {
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  auto r = store_.read_request(id);
  if (!r) return not_found("read request #" + std::to_string(id) + " does not exist");
  return std::move(*r);
}

}  // namespace phil::service
