#include "site_model_yaml.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace phil::app {

namespace {

using domain::MeterId;

struct Context {
  domain::SiteModel model;
  std::set<std::pair<std::string, int>> floors;
  std::set<std::string> rooms;
  std::set<std::string> buses;
  std::map<MeterId, std::string> claimed;  ///< meter -> the account (and where) claiming it
};

std::string id_of(yaml::Map& m) {
  const auto n = m.required("id");
  auto id = n.as_string();
  if (!MeterId::parse(id + "/1/1")) {
    n.fail("id \"" + id + "\" may use only letters, digits, '_', '-' and '.'");
  }
  return id;
}

/// The entry's id (id_of), refused if an earlier entry of `list` has it already.
template <typename Spec>
std::string new_id(yaml::Map& m, const yaml::Node& node, const std::vector<Spec>& list,
                   const std::string& what) {
  auto id = id_of(m);
  for (const auto& other : list) {
    if (other.id == id) node.fail(what + " " + id + " is listed twice");
  }
  return id;
}

std::int64_t yuan(const yaml::Node& n) {
  const auto fen = n.as_decimal(2);
  if (fen < 0) n.fail("an amount must not be negative");
  return fen;
}

domain::ThresholdOverrides parse_thresholds(const yaml::Node& node) {
  yaml::Map m(node);
  domain::ThresholdOverrides t;
  if (auto n = m.optional("alarm1")) t.alarm1_fen = yuan(*n);
  if (auto n = m.optional("alarm2")) t.alarm2_fen = yuan(*n);
  if (auto n = m.optional("overload")) t.overload_w = n->as_int(0, 1'000'000);
  m.finish();
  return t;
}

domain::BillingMode parse_mode(const yaml::Node& n) {
  return *domain::parse_billing_mode(n.as_choice({"meter-side", "host-side"}));
}

void parse_settings(const yaml::Node& node, domain::SiteSettings& s) {
  yaml::Map m(node);
  if (auto n = m.optional("name")) s.name = n->as_string();
  if (auto n = m.optional("billing_mode")) s.billing_mode = parse_mode(*n);
  if (auto n = m.optional("mismatch_tolerance")) s.mismatch_tolerance_fen = yuan(*n);
  if (auto n = m.optional("thresholds")) {
    s.thresholds = domain::effective(s.thresholds, parse_thresholds(*n));
    if (auto p = domain::check_thresholds(s.thresholds)) n->fail(*p);
  }
  m.finish();
}

void parse_building(const yaml::Node& node, Context& c) {
  yaml::Map m(node);
  domain::BuildingSpec b;
  b.id = new_id(m, node, c.model.buildings, "building");
  if (auto n = m.optional("name")) b.name = n->as_string();
  if (auto floors = m.optional("floors")) {
    for (const auto& fnode : floors->elements()) {
      yaml::Map f(fnode);
      const int number = static_cast<int>(f.required("number").as_int(-20, 300));
      if (!c.floors.insert({b.id, number}).second) {
        fnode.fail("floor " + std::to_string(number) + " of building " + b.id + " is listed twice");
      }
      c.model.floors.push_back({b.id, number});
      if (auto rooms = f.optional("rooms")) {
        for (const auto& rnode : rooms->elements()) {
          auto room = rnode.as_string();
          if (!MeterId::parse(room + "/1/1")) {
            rnode.fail("room \"" + room + "\" may use only letters, digits, '_', '-' and '.'");
          }
          if (!c.rooms.insert(room).second) {
            rnode.fail("room " + room + " is listed twice; room ids are unique in the site");
          }
          c.model.rooms.push_back({room, b.id, number});
        }
      }
      f.finish();
    }
  }
  m.finish();
  c.model.buildings.push_back(std::move(b));
}

void parse_meter(const yaml::Node& node, const domain::BoxSpec& box, Context& c) {
  yaml::Map m(node);
  domain::MeterSpec spec;
  spec.id = MeterId{box.bus, box.address, static_cast<int>(m.required("circuit").as_int(1, 64))};
  for (const auto& other : c.model.meters) {
    if (other.id == spec.id) node.fail("meter " + spec.id.to_string() + " is listed twice");
  }
  if (auto n = m.optional("room")) {
    spec.room = n->as_string();
    if (!c.rooms.contains(*spec.room)) {
      n->fail("room " + *spec.room + " is not listed under any building's floors; add it there");
    }
  }
  if (auto n = m.optional("thresholds")) {
    spec.thresholds = parse_thresholds(*n);
    if (auto p = domain::check_thresholds(
            domain::effective(c.model.settings.thresholds, spec.thresholds))) {
      n->fail(*p);
    }
  }
  if (auto n = m.optional("billing_mode")) spec.billing_mode = parse_mode(*n);
  m.finish();
  c.model.meters.push_back(std::move(spec));
}

void parse_box(const yaml::Node& node, const std::string& bus, Context& c) {
  yaml::Map m(node);
  domain::BoxSpec b;
  b.bus = bus;
  b.address = static_cast<int>(m.required("address").as_int(1, 247));
  for (const auto& other : c.model.boxes) {
    if (other.bus == bus && other.address == b.address) {
      node.fail("box address " + std::to_string(b.address) + " is used twice on bus " + bus);
    }
  }
  b.model = m.required("model").as_string();
  if (b.model.empty()) node.fail("model is empty; give the box model, e.g. adf300l-iii");
  std::optional<yaml::Node> building_node = m.optional("building");
  if (building_node) b.building = building_node->as_string();
  if (auto n = m.optional("floor")) {
    b.floor = static_cast<int>(n->as_int(-20, 300));
    if (!building_node) {
      if (c.model.buildings.size() != 1) {
        n->fail("the site has " + std::to_string(c.model.buildings.size()) +
                " buildings; say which one with `building:`");
      }
      b.building = c.model.buildings.front().id;
    }
    if (!c.floors.contains({b.building, *b.floor})) {
      n->fail("floor " + std::to_string(*b.floor) + " of building " + b.building +
              " is not listed under buildings");
    }
  } else if (building_node) {
    building_node->fail("give the box's floor too, or drop building");
  }
  c.model.boxes.push_back(b);
  if (auto meters = m.optional("meters")) {
    for (const auto& e : meters->elements())
      parse_meter(e, b, c);
  }
  m.finish();
}

void parse_bus(const yaml::Node& node, const std::string& comm_manager, Context& c) {
  yaml::Map m(node);
  domain::BusSpec b;
  b.id = id_of(m);
  b.comm_manager = comm_manager;
  if (!c.buses.insert(b.id).second) node.fail("bus " + b.id + " is listed twice");
  c.model.buses.push_back(b);
  for (const auto& e : m.required("boxes").elements())
    parse_box(e, b.id, c);
  m.finish();
}

void parse_account(const yaml::Node& node, Context& c) {
  yaml::Map m(node);
  domain::AccountSpec a;
  a.source = node.mark().to_string();
  a.id = id_of(m);
  for (const auto& other : c.model.accounts) {
    if (other.id == a.id) {
      node.fail("account " + a.id + " is listed twice (first at " + other.source + ")");
    }
  }
  if (auto n = m.optional("tenant")) a.tenant = n->as_string();
  if (auto n = m.optional("phone")) {
    a.phone = n->as_string();
    if (auto p = domain::check_phone(*a.phone)) n->fail(*p);
  }
  if (auto n = m.optional("room")) {
    a.room = n->as_string();
    if (!c.rooms.contains(*a.room)) {
      n->fail("room " + *a.room + " is not listed under any building's floors; add it there");
    }
  }
  const auto meters = m.required("meters");
  for (const auto& e : meters.elements()) {
    const auto text = e.as_string();
    const auto id = MeterId::parse(text);
    if (!id) e.fail("\"" + text + "\" is not a meter; write bus/box/circuit, e.g. bus1/4/1");
    const bool listed = std::any_of(c.model.meters.begin(), c.model.meters.end(),
                                    [&](const domain::MeterSpec& s) { return s.id == *id; });
    if (!listed) {
      e.fail("meter " + id->to_string() +
             " is not listed under any bus's boxes; add it there (circuit " +
             std::to_string(id->circuit) + " of box " + std::to_string(id->box) + " on bus " +
             id->bus + ")");
    }
    const auto [at, fresh] =
        c.claimed.emplace(*id, "account " + a.id + " (" + e.mark().to_string() + ")");
    if (!fresh) {
      e.fail("meter " + id->to_string() + " is already claimed by " + at->second +
             "; a meter belongs to one account");
    }
    a.meters.push_back(*id);
  }
  if (a.meters.empty()) {
    meters.fail("account " + a.id + " has no meter; list 1..n meters, e.g. [bus1/4/1]");
  }
  if (auto n = m.optional("first_sale")) {
    a.first_sale_fen = yuan(*n);
    if (a.first_sale_fen > domain::kMaxFirstSaleFen) {
      n->fail(
          "a first sale above 1000000.00 yuan is taken for a typo; sell more with "
          "prepaidctl sale after the import");
    }
  }
  m.finish();
  c.model.accounts.push_back(std::move(a));
}

}  // namespace

domain::SiteModel parse_site_model(const yaml::Node& root) {
  yaml::Map m(root);
  Context c;
  // Settings first: meters' threshold overrides are checked against the site's defaults.
  if (auto n = m.optional("site")) parse_settings(*n, c.model.settings);
  if (auto n = m.optional("buildings")) {
    for (const auto& e : n->elements())
      parse_building(e, c);
  }
  if (auto n = m.optional("comm_managers")) {
    for (const auto& e : n->elements()) {
      yaml::Map cm(e);
      domain::CommManagerSpec spec;
      spec.id = new_id(cm, e, c.model.comm_managers, "comm manager");
      if (auto name = cm.optional("name")) spec.name = name->as_string();
      if (auto address = cm.optional("address")) spec.address = address->as_string();
      c.model.comm_managers.push_back(spec);
      if (auto buses = cm.optional("buses")) {
        for (const auto& b : buses->elements())
          parse_bus(b, spec.id, c);
      }
      cm.finish();
    }
  }
  if (auto n = m.optional("buses")) {
    for (const auto& e : n->elements())
      parse_bus(e, "", c);
  }
  // Accounts last: they refer to the rooms and meters above, wherever the file lists them.
  if (auto n = m.optional("accounts")) {
    for (const auto& e : n->elements())
      parse_account(e, c);
  }
  m.finish();
  // Whatever the checks above missed (they locate each problem; this one cannot).
  if (const auto problems = domain::check_site_model(c.model); !problems.empty()) {
    root.fail(problems.front());
  }
  return c.model;
}

domain::SiteModel load_site_model(const std::string& path) {
  const auto doc = yaml::Document::load_file(path);
  return parse_site_model(doc.root());
}

}  // namespace phil::app
