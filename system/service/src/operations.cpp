// Operations: construction, the one check every call passes (begin), site and meter
// administration, remote commands and read-now. Money and tariffs: operations_money.cpp;
// queries: operations_queries.cpp.
#include <array>
#include <map>
#include <span>
#include <utility>

#include <spdlog/spdlog.h>

#include <phil/common/text.hpp>
#include <phil/service/operations.hpp>
#include <phil/store/sqlite_file.hpp>

namespace phil::service {

Operations::Operations(store::Store& store, const domain::Clock& clock,
                       std::optional<SiteConfig> site)
    : store_(store), clock_(clock), site_(std::move(site)) {
  if (site_) {
    boxes_ = site_boxes(*site_);
    max_amount_fen_ = site_->max_amount_fen;
  }
}

Operations::Operations(std::unique_ptr<store::Store> owned, const domain::Clock& clock,
                       std::optional<SiteConfig> site)
    : owned_(std::move(owned)), store_(*owned_), clock_(clock), site_(std::move(site)) {
  if (site_) {
    boxes_ = site_boxes(*site_);
    max_amount_fen_ = site_->max_amount_fen;
  }
}

Operations::~Operations() = default;

std::unique_ptr<Operations> Operations::open(const std::string& db_path, const domain::Clock& clock,
                                             std::optional<SiteConfig> site,
                                             store::Checkpoints checkpoints, store::OpenMode mode) {
  auto store = store::open_sqlite_store(db_path, checkpoints, mode);
  return std::unique_ptr<Operations>(new Operations(std::move(store), clock, std::move(site)));
}

int Operations::schema_version() {
  return store::sqlite_schema_version();
}

std::optional<int> Operations::schema_version(const std::string& db_path) {
  return store::sqlite_file_schema_version(db_path);
}

domain::Result<Operations::Guard> Operations::begin(const Actor& actor, Action action) const {
  // The operator's id is stored in every audit row.
  if (auto bad = check_text("operator", actor.id, TextLimits::kId)) return *bad;
  if (!actor.role) {
    return domain::Error{domain::ErrorKind::kForbidden,
                         text::format(text::Id::kActorWithoutRole, actor.id)};
  }
  if (!domain::permits(*actor.role, action)) {
    std::string may;
    for (const auto role : domain::roles_for(action))
      may.append(may.empty() ? "" : ", ").append(domain::to_string(role));
    record_denial(actor, action);
    return domain::Error{
        domain::ErrorKind::kForbidden,
        text::format(text::Id::kActionNeedsRole, actor.id, domain::to_string(*actor.role),
                     domain::to_string(action), may.empty() ? std::string("-") : may)};
  }
  Guard lock(mutex_);
  spdlog::debug("{} by {}", domain::to_string(action), actor.id);
  return domain::Result<Guard>(std::move(lock));
}

domain::Result<void> Operations::register_site(const Actor& actor) {
  auto g = begin(actor, Action::kRegisterSite);
  if (!g) return g.error();
  if (!site_) {
    return domain::Error{domain::ErrorKind::kInvalid,
                         "no site file given: registering the site's meters needs it"};
  }
  service::register_site(store_, boxes_, actor, clock_.now());
  return {};
}

namespace {

/// Operations::import_site's device rule: one line per box of an unknown model, per meter on
/// a circuit its box's model does not have (a meter of an unlisted box is the store's refusal)
/// and per account meter that is a plain energy meter (its model `metering_only`: never billed).
std::vector<std::string> check_model_devices(const domain::SiteModel& m,
                                             std::span<const devices::ModelCircuits> models) {
  std::vector<std::string> problems;
  std::map<std::pair<std::string, int>, const devices::ModelCircuits*> boxes;
  for (const auto& b : m.boxes) {
    const auto* model = devices::find_model(models, b.model);
    if (model == nullptr) {
      problems.push_back("box " + b.bus + "/" + std::to_string(b.address) + ": " +
                         devices::unknown_model_message(models, b.model));
    }
    boxes.emplace(std::pair{b.bus, b.address}, model);
  }
  for (const auto& mt : m.meters) {
    const auto it = boxes.find({mt.id.bus, mt.id.box});
    if (it == boxes.end() || it->second == nullptr) continue;
    if (!devices::has_circuit(*it->second, mt.id.circuit)) {
      problems.push_back(
          "meter " + mt.id.to_string() + ": " +
          devices::circuit_out_of_model_message(std::to_string(mt.id.circuit), *it->second));
    }
  }
  for (const auto& a : m.accounts) {
    for (const auto& id : a.meters) {
      const auto it = boxes.find({id.bus, id.box});
      if (it == boxes.end() || it->second == nullptr || !it->second->metering_only) continue;
      problems.push_back((a.source.empty() ? "" : a.source + ": ") + "account " + a.id + ": " +
                         text::format(text::Id::kEnergyMeterNotBilled, "account open",
                                      id.to_string(), it->second->name));
    }
  }
  return problems;
}

}  // namespace

domain::Result<store::ImportSummary> Operations::import_site(
    const Actor& actor, const domain::SiteModel& model,
    std::span<const devices::ModelCircuits> models) {
  auto g = begin(actor, Action::kImportSite);
  if (!g) return g.error();
  if (auto bad = check_model_texts(model)) return *bad;
  // The first sales the import would make (accounts already in the database make none).
  for (const auto& a : model.accounts) {
    if (store_.account(a.id)) continue;
    auto bad = check_billable("account open", a.meters);
    if (!bad && a.first_sale_fen > 0) {
      bad = check_amount("first sale", a.first_sale_fen, max_amount_fen_);
      if (!bad && !a.meters.empty()) {
        bad = check_credit("first sale", a.meters.front(), a.first_sale_fen);
      }
    }
    if (bad) {
      if (!a.source.empty()) bad->message = a.source + ": account " + a.id + ": " + bad->message;
      return *bad;
    }
  }
  if (const auto problems = check_model_devices(model, models); !problems.empty()) {
    return domain::site_model_refused(problems);
  }
  auto marked = model;
  for (auto& b : marked.boxes) {
    const auto* m = devices::find_model(models, b.model);
    b.metering_only = m != nullptr && m->metering_only;
  }
  return store_.import_site(marked, actor.id, clock_.now());
}

domain::Result<store::ReplaceMeterResult> Operations::replace_meter(
    const Actor& actor, const domain::MeterId& old_meter, const domain::MeterId& new_meter,
    const std::optional<store::ManualFinalReading>& manual) {
  auto g = begin(actor, Action::kReplaceMeter);
  if (!g) return g.error();
  if (auto bad = check_billable("meter replacement", std::array{old_meter, new_meter})) return *bad;
  return store_.replace_meter({old_meter, new_meter, actor.id, clock_.now(), manual,
                               max_amount_fen_, credit_room_fen(new_meter)});
}

domain::Result<store::CompleteSwapResult> Operations::replace_meter_in_place(
    const Actor& actor, const domain::MeterId& meter) {
  auto g = begin(actor, Action::kReplaceMeter);
  if (!g) return g.error();
  return store_.complete_swap(
      {meter, actor.id, clock_.now(), max_amount_fen_, credit_room_fen(meter)});
}

domain::Result<store::BoxIdentityRecord> Operations::confirm_box(const Actor& actor,
                                                                 const std::string& bus,
                                                                 int address) {
  auto g = begin(actor, Action::kConfirmBox);
  if (!g) return g.error();
  if (auto bad = check_text("bus id", bus, TextLimits::kId)) return *bad;
  return store_.confirm_box(bus, address, actor.id, clock_.now());
}

domain::Result<store::MoveMeterResult> Operations::move_meter(const Actor& actor,
                                                              const domain::MeterId& meter,
                                                              const std::string& to_account,
                                                              bool with_balance) {
  auto g = begin(actor, Action::kMoveMeter);
  if (!g) return g.error();
  if (auto bad = check_text("account id", to_account, TextLimits::kId)) return *bad;
  if (auto bad = check_billable("meter move", std::span(&meter, 1))) return *bad;
  return store_.move_meter(
      {meter, to_account, with_balance, actor.id, clock_.now(), max_amount_fen_});
}

domain::Result<std::int64_t> Operations::command(const Actor& actor, const domain::MeterId& target,
                                                 const domain::CommandPayload& payload) {
  auto g = begin(actor, Action::kCommand);
  if (!g) return g.error();
  if (auto bad = check_command(target, payload)) return *bad;
  auto r = store_.enqueue_command({target, payload, actor.id, clock_.now()});
  if (r) {
    spdlog::info("{} command {} for {} queued by {} ({})",
                 domain::to_string(domain::kind_of(payload)), r.value(), target.to_string(),
                 actor.id, domain::encode_payload(payload));
  }
  return r;
}

domain::Result<std::int64_t> Operations::read_now(const Actor& actor, std::string_view target) {
  auto g = begin(actor, Action::kReadNow);
  if (!g) return g.error();
  if (auto bad = check_text("read-now target", target, TextLimits::kTarget)) return *bad;
  const std::string text(target);
  if (auto ok = check_read_target(text); !ok) return ok.error();
  return store_.request_read(text, actor.id, clock_.now());
}

domain::Result<void> Operations::check_read_target(const std::string& text) const {
  if (!site_) {
    return domain::Error{domain::ErrorKind::kInvalid,
                         "read-now " + text + ": no site file given to check the target against"};
  }
  const auto bus_id = text.substr(0, text.find('/'));
  bool bus_known = false;
  std::vector<BoxCircuits> boxes;
  for (const auto& b : site_->buses)
    bus_known = bus_known || b.id == bus_id;
  for (const auto& b : boxes_) {
    if (b.bus == bus_id) boxes.push_back({b.address, b.circuits});
  }
  if (!bus_known) {
    return domain::Error{domain::ErrorKind::kNotFound,
                         "read-now " + text + ": no bus \"" + bus_id +
                             "\" in the site; give BUS, BUS/BOX or BUS/BOX/CIRCUIT"};
  }
  if (auto r = read_target_boxes(bus_id, boxes, text); !r) return r.error();
  return {};
}

}  // namespace phil::service
