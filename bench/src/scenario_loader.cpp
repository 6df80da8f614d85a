#include <algorithm>
#include <cctype>
#include <string>

#include <phil/bench/scenario.hpp>
#include <phil/common/decimal.hpp>
#include <phil/service/system.hpp>

#include "scenario_parsing.hpp"

namespace phil::bench {

namespace detail {

MeterRef parse_meter(const yaml::Node& where, std::string_view text, const sim::FleetSpec& fleet) {
  MeterRef m;
  const auto a = text.find('/');
  const auto b = a == std::string_view::npos ? a : text.find('/', a + 1);
  bool ok = a != std::string_view::npos && b != std::string_view::npos;
  if (ok) {
    m.bus = std::string(text.substr(0, a));
    const std::string box(text.substr(a + 1, b - a - 1));
    const std::string circuit(text.substr(b + 1));
    auto box_v = parse_decimal(box, 0);
    auto circuit_v = parse_decimal(circuit, 0);
    ok = !m.bus.empty() && box_v && circuit_v && *box_v >= 1 && *box_v <= 247 && *circuit_v >= 1 &&
         *circuit_v <= 64;
    if (ok) {
      m.box = static_cast<int>(*box_v);
      m.circuit = static_cast<int>(*circuit_v);
    }
  }
  if (!ok) {
    where.fail("invalid meter \"" + std::string(text) +
               "\"; write it bus/box/circuit, e.g. bus1/1/1 (box 1-247, circuit 1-64)");
  }
  const auto bus = std::find_if(fleet.buses.begin(), fleet.buses.end(),
                                [&](const sim::BusSpec& s) { return s.id == m.bus; });
  if (bus == fleet.buses.end()) {
    where.fail("meter " + std::string(text) + ": no bus \"" + m.bus +
               "\" in the fleet. Use a bus id from fleet.buses");
  }
  const auto box = std::find_if(bus->boxes.begin(), bus->boxes.end(),
                                [&](const sim::BoxSpec& s) { return s.address == m.box; });
  if (box == bus->boxes.end()) {
    where.fail("meter " + std::string(text) + ": bus " + m.bus + " has no box at address " +
               std::to_string(m.box) + ". Use an address from its boxes");
  }
  const auto model = sim::find_model(fleet.profiles, box->model);
  if (model && m.circuit > model->model->circuits) {
    where.fail("meter " + std::string(text) + ": box " + std::to_string(m.box) + " (" + box->model +
               ") has circuits 1-" + std::to_string(model->model->circuits) +
               ". Use a circuit of the box");
  }
  return m;
}

}  // namespace detail

std::string MeterRef::to_string() const {
  return bus + "/" + std::to_string(box) + "/" + std::to_string(circuit);
}

Scenario load_scenario(const std::string& path, const std::string& id,
                       const std::string& profiles_dir) {
  return parse_scenario(yaml::Document::load_file(path), id, profiles_dir);
}

Scenario load_scenario_text(std::string_view text, const std::string& name, const std::string& id,
                            const std::string& profiles_dir) {
  return parse_scenario(yaml::Document::load_string(text, name), id, profiles_dir);
}

Scenario parse_scenario(const yaml::Document& doc, const std::string& id,
                        const std::string& profiles_dir) {
  yaml::Map top(doc.root());
  Scenario sc;
  sc.id = id;
  sc.file = doc.name();
  sc.name = top.required("name").as_string();
  if (auto d = top.optional("description")) sc.description = d->as_string();

  yaml::Map clock(top.required("clock"));
  sc.start = clock.required("start").as_timestamp();
  if (auto s = clock.optional("step")) {
    sc.step = s->as_duration();
    if (sc.step < Millis(1000) || sc.step > Millis(3'600'000)) {
      s->fail("step must be between 1s and 1h");
    }
  }
  clock.finish();

  sc.fleet = sim::parse_fleet(top.required("fleet"), profiles_dir);
  sc.fleet.utc_offset = sc.start.offset;

  if (auto op = top.optional("operator")) {
    yaml::Map o(*op);
    if (auto v = o.optional("id")) {
      sc.operator_id = v->as_string();
      if (sc.operator_id.empty()) v->fail("the operator id is empty; give one");
    }
    if (auto v = o.optional("role")) {
      sc.operator_role =
          domain::parse_role(v->as_choice({"admin", "manager", "cashier", "engineer", "auditor"}));
    }
    o.finish();
  }

  if (auto sys = top.optional("system")) {
    yaml::Map s(*sys);
    if (auto v = s.optional("poll_interval")) sc.system.poll_interval = v->as_duration();
    if (auto v = s.optional("response_timeout")) sc.system.response_timeout = v->as_duration();
    if (auto v = s.optional("offline_after")) {
      sc.system.offline_after = static_cast<int>(v->as_int(1, 100));
    }
    if (auto v = s.optional("price")) sc.system.price = v->as_decimal(4);
    if (auto v = s.optional("max_amount")) {
      sc.system.max_amount_fen = v->as_decimal(2);
      if (*sc.system.max_amount_fen <= 0 ||
          *sc.system.max_amount_fen > service::kMaxAmountCeilingFen) {
        v->fail("max_amount must be between 0.01 and " +
                format_decimal(service::kMaxAmountCeilingFen, 2) + " yuan");
      }
    }
    if (auto v = s.optional("billing")) {
      sc.system.billing = service::parse_site_billing(v->as_choice({"meter", "host"}));
    }
    if (auto v = s.optional("box_models")) {
      yaml::Map boxes(*v);
      for (const auto& key : v->keys()) {
        auto model = boxes.required(key);
        (void)detail::parse_meter(model, key + "/1",
                                  sc.fleet);  // a box of the fleet: its circuit 1
        if (!sim::find_model(sc.fleet.profiles, model.as_string())) {
          model.fail("unknown model \"" + model.as_string() + "\"");
        }
        sc.system.box_models[key] = model.as_string();
      }
      boxes.finish();
    }
    if (auto v = s.optional("notifications")) {
      sc.system.notify = service::parse_notifications(*v, sc.start.offset, true);
    }
    if (auto v = s.optional("status_scan")) sc.system.status_scan = service::parse_status_scan(*v);
    s.finish();
  }

  if (auto accs = top.optional("accounts")) {
    for (const auto& a : accs->elements()) {
      yaml::Map m(a);
      AccountSpec spec;
      auto idn = m.required("id");
      spec.id = idn.as_string();
      if (std::any_of(sc.accounts.begin(), sc.accounts.end(),
                      [&](const AccountSpec& x) { return x.id == spec.id; })) {
        idn.fail("duplicate account id \"" + spec.id + "\"");
      }
      spec.tenant = spec.id;  // a scenario need not name its tenants
      if (auto t = m.optional("tenant")) spec.tenant = t->as_string();
      for (const auto& mn : m.required("meters").elements()) {
        spec.meters.push_back(detail::parse_meter(mn, mn.as_string(), sc.fleet));
      }
      if (spec.meters.empty()) a.fail("an account needs at least one meter");
      if (auto s = m.optional("sale")) spec.first_sale_fen = s->as_decimal(2);
      if (auto p = m.optional("phone")) spec.phone = p->as_string();
      m.finish();
      sc.accounts.push_back(std::move(spec));
    }
  }

  sc.final_check.mark = doc.root().mark();
  if (auto fc = top.optional("final_check")) {
    yaml::Map f(*fc);
    sc.final_check.mark = fc->mark();
    if (auto t = f.optional("tolerance")) {
      sc.final_check.tolerance_fen = t->as_decimal(2);
      if (sc.final_check.tolerance_fen < 0) t->fail("tolerance must be 0.00 or more");
    }
    if (auto skip = f.optional("skip")) {
      sc.final_check.skip = skip->as_string();
      if (sc.final_check.skip->empty()) skip->fail("say why the final check is skipped");
      if (f.has("tolerance")) {
        fc->fail("a skipped final check takes no tolerance; remove one of skip, tolerance");
      }
    }
    f.finish();
  }

  detail::TimelineContext ctx{sc.fleet, sc.accounts, {}, sc.system.status_scan.has_value()};
  for (const auto& s : top.required("timeline").elements()) {
    sc.timeline.push_back(detail::parse_step(s, ctx));
  }
  top.finish();
  return sc;
}

}  // namespace phil::bench
