// Site configuration decoder (prepaidd's --config). Strict: unknown keys are errors, every error
// carries file:line:col and the key path.
#include <array>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include <phil/common/decimal.hpp>
#include <phil/common/device_models.hpp>
#include <phil/common/serial.hpp>
#include <phil/common/text.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/money.hpp>
#include <phil/meterlink/adf300.hpp>
#include <phil/meterlink/profile.hpp>
#include <phil/meterlink/tcp_master.hpp>
#include <phil/service/system.hpp>

namespace phil::service {

namespace {

/// Reports a misspelt key as unknown (naming the allowed ones) before a required key it was
/// meant to be is reported missing.
void unknown_keys_first(yaml::Map& m, std::initializer_list<std::string_view> allowed) {
  for (auto key : allowed)
    (void)m.optional(key);
  m.finish();
}

/// "+08:00", "-05:30" or "Z": the site's local time minus UTC.
std::chrono::minutes parse_utc_offset(const yaml::Node& n) {
  const auto text = n.as_string();
  if (text == "Z") return std::chrono::minutes(0);
  const auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':' || !digit(1) ||
      !digit(2) || !digit(4) || !digit(5)) {
    n.fail("utc_offset \"" + text + "\" is not +HH:MM, -HH:MM or Z; e.g. +08:00 for China");
  }
  const int h = (text[1] - '0') * 10 + (text[2] - '0');
  const int mi = (text[4] - '0') * 10 + (text[5] - '0');
  if (h > 14 || mi > 59) n.fail("utc_offset " + text + " is out of range (-14:00 .. +14:00)");
  const int total = h * 60 + mi;
  return std::chrono::minutes(text[0] == '-' ? -total : total);
}

/// `max_amount: "10000.00"`: yuan with at most 2 decimals, 0.01 .. kMaxAmountCeilingFen.
std::int64_t parse_max_amount(const yaml::Node& n) {
  const auto fen = n.as_decimal(2);
  if (fen <= 0 || fen > kMaxAmountCeilingFen) {
    n.fail("max_amount " + format_decimal(fen, 2) +
           " yuan is out of range; give the most one sale, refund or transfer may be, in yuan "
           "from 0.01 to " +
           format_decimal(kMaxAmountCeilingFen, 2) + " (default " +
           format_decimal(kDefaultMaxAmountFen, 2) + ")");
  }
  return fen;
}

constexpr std::int64_t kMaxPollMs = 7LL * 24 * 3600 * 1000;

constexpr std::array kTransports{Transport::kRtu, Transport::kRtuOverTcp, Transport::kTcp};
constexpr std::array kBillingModes{domain::BillingMode::kMeterSide, domain::BillingMode::kHostSide};

/// `billing: meter | host` (a bus's or a box's).
domain::BillingMode parse_billing(const yaml::Node& n) {
  return parse_site_billing(n.as_choice({"meter", "host"})).value();
}

/// A box of an energy-only model (a plain energy meter, profile `kind: energy_only`) that names
/// no profile (or another one): it is read with the profile that defines it, which the box must
/// name. `profile` defines the model.
[[noreturn]] void name_energy_profile(const yaml::Node& model_node, const std::string& model,
                                      const meterlink::Profile& profile) {
  model_node.fail("model " + model + " is an energy meter of profile " + profile.id + " (" +
                  profile.source + ", `kind: energy_only`); add `profile: " + profile.id +
                  "` to the box so that it is read with that profile");
}

/// An energy-only profile in `profiles_dir` other than `skip` that defines `model`, if any (a
/// profile that does not decode is no answer: the site names the profile it uses).
std::optional<meterlink::Profile> energy_only_profile_of(const std::string& profiles_dir,
                                                         const std::string& model,
                                                         const std::string& skip) {
  for (const auto& file : devices::profile_files(profiles_dir)) {
    try {
      auto p = meterlink::load_profile_file(file);
      if (p.id != skip && p.energy_only() && p.model(model)) return p;
    } catch (const yaml::ConfigError&) {
      continue;
    }
  }
  return std::nullopt;
}

BoxConfig parse_box(const yaml::Node& node, const std::string& profiles_dir,
                    std::map<std::string, meterlink::Profile>& profiles,
                    std::optional<domain::BillingMode>& billing) {
  yaml::Map m(node);
  unknown_keys_first(m, {"address", "model", "profile", "billing"});
  BoxConfig b;
  b.address = static_cast<int>(m.required("address").as_int(1, 247));
  const auto model_node = m.required("model");
  b.model = model_node.as_string();
  b.profile = "adf300l";
  const auto profile_node = m.optional("profile");
  if (profile_node) b.profile = profile_node->as_string();
  if (auto n = m.optional("billing")) billing = parse_billing(*n);
  m.finish();
  auto it = profiles.find(b.profile);
  if (it == profiles.end()) {
    it = profiles.emplace(b.profile, meterlink::load_profile(profiles_dir, b.profile)).first;
  }
  if (auto bad = devices::check_model_circuit(meterlink::model_circuits(it->second), b.model)) {
    if (auto other = energy_only_profile_of(profiles_dir, b.model, b.profile)) {
      name_energy_profile(model_node, b.model, *other);
    }
    model_node.fail(*bad);
  }
  // A plain energy meter is read for energy reports only: it has no money to bill.
  if (it->second.energy_only() && billing) {
    node.fail("box " + std::to_string(b.address) + " is an energy meter (model " + b.model +
              ", profile " + b.profile + "): it is never billed; remove its `billing` key");
  }
  try {
    (void)meterlink::Adf300Driver(it->second, b.model);
  } catch (const std::invalid_argument& e) {
    model_node.fail(e.what());
  }
  return b;
}

BusConfig parse_bus(const yaml::Node& node, const std::string& profiles_dir,
                    std::map<std::string, meterlink::Profile>& profiles) {
  yaml::Map m(node);
  unknown_keys_first(m, {"id", "transport", "port", "baud", "parity", "data_bits", "stop_bits",
                         "response_timeout", "poll_interval", "billing", "boxes"});
  BusConfig b;
  const auto id_node = m.required("id");
  b.id = id_node.as_string();
  if (!domain::MeterId::parse(b.id + "/1/1")) {
    id_node.fail("bus id \"" + b.id + "\" may use only letters, digits, '_', '-' and '.'");
  }
  std::optional<Transport> transport;
  if (auto t = m.optional("transport")) {
    transport = parse_transport(t->as_choice({"rtu", "rtu-over-tcp", "tcp"}));
  }
  const auto port_node = m.required("port");
  b.port = port_node.as_string();
  // A scheme in the port moves a bus to the network with a one-line change.
  for (const auto scheme : {Transport::kRtuOverTcp, Transport::kTcp}) {
    const auto prefix = std::string(to_string(scheme)) + "://";
    if (b.port.starts_with(prefix)) {
      if (transport && *transport != scheme) {
        port_node.fail("port says " + std::string(to_string(scheme)) + " but transport says " +
                       std::string(to_string(*transport)) + "; drop one of them");
      }
      transport = scheme;
      b.port = b.port.substr(prefix.size());
      break;
    }
  }
  b.transport = transport.value_or(Transport::kRtu);
  if (b.port.empty()) port_node.fail("port is empty; give a device path such as /dev/ttyUSB0");
  // A relative device path is the site file's neighbour (as profiles_dir is), not whatever
  // folder the daemon was started in: the same file works from any working directory.
  if (b.transport == Transport::kRtu && std::filesystem::path(b.port).is_relative()) {
    const auto folder = std::filesystem::absolute(port_node.mark().file).parent_path();
    b.port = (folder / b.port).lexically_normal().string();
  }
  if (b.transport != Transport::kRtu && !meterlink::parse_host_port(b.port)) {
    port_node.fail("port \"" + b.port + "\" is not HOST:PORT (port 1..65535), which transport " +
                   std::string(to_string(b.transport)) + " needs; e.g. 192.168.1.20:4001");
  }
  if (auto n = m.optional("baud")) {
    b.baud = static_cast<int>(n->as_int(1, 10'000'000));
    if (!serial::is_standard_baud(b.baud)) {
      n->fail(text::format(text::Id::kYamlBadValue, b.baud,
                           "a standard baud rate: " + serial::standard_bauds_text()));
    }
  }
  if (auto n = m.optional("parity")) b.parity = n->as_choice({"N", "E", "O"})[0];
  if (auto n = m.optional("data_bits")) b.data_bits = static_cast<int>(n->as_int(7, 8));
  if (auto n = m.optional("stop_bits")) b.stop_bits = static_cast<int>(n->as_int(1, 2));
  if (auto n = m.optional("response_timeout")) {
    b.response_timeout = n->as_duration(Millis(10), Millis(60'000));
    b.response_timeout_set = true;
  }
  if (auto n = m.optional("billing")) b.billing = parse_billing(*n);
  if (auto n = m.optional("poll_interval")) {
    b.poll_interval = n->as_duration(Millis(1000), Millis(kMaxPollMs));
  }
  const auto boxes = m.required("boxes");
  std::set<int> addresses;
  for (const auto& e : boxes.elements()) {
    std::optional<domain::BillingMode> billing;
    auto box = parse_box(e, profiles_dir, profiles, billing);
    if (billing) b.box_billing[box.address] = *billing;
    if (!addresses.insert(box.address).second) {
      e.fail("box address " + std::to_string(box.address) + " is used twice on bus " + b.id +
             "; each box needs its own Modbus address");
    }
    b.boxes.push_back(std::move(box));
  }
  if (b.boxes.empty()) boxes.fail("bus " + b.id + " has no boxes; list at least one");
  m.finish();
  return b;
}

}  // namespace

std::string_view to_string(Transport t) {
  switch (t) {
    case Transport::kRtu:
      return "rtu";
    case Transport::kRtuOverTcp:
      return "rtu-over-tcp";
    case Transport::kTcp:
      return "tcp";
  }
  return "?";
}

std::optional<Transport> parse_transport(std::string_view s) {
  for (const auto t : kTransports) {
    if (to_string(t) == s) return t;
  }
  return std::nullopt;
}

std::string_view site_word(domain::BillingMode m) {
  return m == domain::BillingMode::kHostSide ? "host" : "meter";
}

std::optional<domain::BillingMode> parse_site_billing(std::string_view s) {
  for (const auto m : kBillingModes) {
    if (site_word(m) == s) return m;
  }
  return std::nullopt;
}

std::optional<StatusScan> parse_status_scan(const yaml::Node& n) {
  if (n.is_scalar()) {
    if (n.as_string() == "off") return std::nullopt;
    n.fail("status_scan is off or a map {every, reply_delay}, e.g. {every: 20s}");
  }
  yaml::Map m(n);
  unknown_keys_first(m, {"every", "reply_delay"});
  StatusScan scan;
  if (auto e = m.optional("every")) scan.every = e->as_duration(Millis(1000), Millis(3'600'000));
  if (auto d = m.optional("reply_delay")) {
    scan.reply_delay = d->as_duration(Millis(0), Millis(1000));
  }
  return scan;
}

SiteConfig parse_site(const yaml::Node& node, const std::string& profiles_dir) {
  yaml::Map m(node);
  unknown_keys_first(m, {"name", "poll_interval", "offline_after", "price", "max_amount",
                         "profiles_dir", "utc_offset", "clock_drift_limit", "clock_sync",
                         "spread_cycles", "adaptive_timeout", "settings_at_first_contact",
                         "box_identity_check", "notifications", "status_scan", "buses"});
  SiteConfig s;
  s.name = m.required("name").as_string();
  if (auto n = m.optional("poll_interval")) {
    s.poll_interval = n->as_duration(Millis(1000), Millis(kMaxPollMs));
  }
  if (auto n = m.optional("offline_after")) {
    s.offline_after_cycles = static_cast<int>(n->as_int(1, 1000));
  }
  if (auto n = m.optional("price")) {
    s.price = n->as_decimal(4);
    if (s.price < 0 || s.price > domain::kMaxPrice) {
      n->fail("price must be between 0 and 1000.0000 yuan/kWh");
    }
  }
  if (auto n = m.optional("max_amount")) s.max_amount_fen = parse_max_amount(*n);
  if (auto n = m.optional("utc_offset")) s.utc_offset = parse_utc_offset(*n);
  if (auto n = m.optional("clock_drift_limit")) {
    s.clock_drift_limit = n->as_duration(Millis(1000), Millis(24LL * 3600 * 1000));
  }
  if (auto n = m.optional("clock_sync")) {
    if (n->as_string() == "off") {
      s.clock_sync.reset();
    } else {
      s.clock_sync = n->as_duration(Millis(60'000), Millis(kMaxPollMs));
    }
  }
  if (auto n = m.optional("spread_cycles")) s.spread_cycles = n->as_bool();
  if (auto n = m.optional("adaptive_timeout")) s.adaptive_timeout = n->as_bool();
  if (auto n = m.optional("settings_at_first_contact")) {
    s.settings_at_first_contact = n->as_bool();
  }
  if (auto n = m.optional("box_identity_check")) s.box_identity_check = n->as_bool();
  if (auto n = m.optional("notifications")) s.notify = parse_notifications(*n, s.utc_offset);
  if (auto n = m.optional("status_scan")) s.status_scan = parse_status_scan(*n);
  s.profiles_dir = profiles_dir;
  if (auto n = m.optional("profiles_dir")) {
    std::filesystem::path dir = n->as_string();
    if (dir.is_relative()) dir = std::filesystem::path(n->mark().file).parent_path() / dir;
    s.profiles_dir = dir.lexically_normal().string();
  }
  const auto buses = m.required("buses");
  std::map<std::string, meterlink::Profile> profiles;
  std::set<std::string> ids;
  std::set<std::string> ports;
  for (const auto& e : buses.elements()) {
    auto bus = parse_bus(e, s.profiles_dir, profiles);
    if (!ids.insert(bus.id).second) e.fail("bus id " + bus.id + " is used twice; rename one");
    if (!ports.insert(bus.port).second) {
      e.fail("port " + bus.port + " is used by two buses; a port carries one bus");
    }
    s.buses.push_back(std::move(bus));
  }
  if (s.buses.empty()) buses.fail("the site has no buses; list at least one");
  m.finish();
  return s;
}

SiteConfig load_site_file(const std::string& path, const std::string& profiles_dir) {
  const auto doc = yaml::Document::load_file(path);
  return parse_site(doc.root(), profiles_dir);
}

std::vector<devices::ModelCircuits> load_device_models(const std::string& profiles_dir) {
  return meterlink::load_model_circuits(profiles_dir);
}

}  // namespace phil::service
