// The site file's meters and billing modes into the database (register_site): called by System
// at start-up and by Operations for prepaidctl.
#include <map>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include <phil/meterlink/adf300.hpp>
#include <phil/meterlink/profile.hpp>
#include <phil/service/site_registration.hpp>
#include <phil/store/store.hpp>

namespace phil::service {

std::vector<SiteBox> site_boxes(const SiteConfig& site) {
  std::map<std::string, meterlink::Profile> profiles;
  std::vector<SiteBox> out;
  for (const auto& bus : site.buses) {
    for (const auto& box : bus.boxes) {
      auto it = profiles.find(box.profile);
      if (it == profiles.end()) {
        it = profiles.emplace(box.profile, meterlink::load_profile(site.profiles_dir, box.profile))
                 .first;
      }
      const auto* model = it->second.model(box.model);
      if (!model) {
        throw std::invalid_argument("box " + bus.id + "/" + std::to_string(box.address) +
                                    ": model \"" + box.model + "\" is not in profile " +
                                    box.profile + "; known models: " + it->second.model_names());
      }
      // A plain energy meter is never billed: its bus's billing mode is not its own.
      const bool energy_only = it->second.energy_only();
      SiteBox b{bus.id,
                box.address,
                box.model,
                model->circuits,
                {},
                energy_only ? std::nullopt : bus.billing_of(box.address),
                std::make_shared<const meterlink::Adf300Driver>(it->second, box.model)};
      for (int n = 1; n <= model->circuits; ++n)
        b.meters.push_back(domain::MeterId{bus.id, box.address, n});
      out.push_back(std::move(b));
    }
  }
  return out;
}

void register_site(store::SiteAdmin& store, const std::vector<SiteBox>& boxes, const Actor& actor,
                   TimePoint at) {
  for (const auto& box : boxes) {
    store.register_meters(box.meters, box.model, box.driver->energy_only());
    if (!box.billing) continue;
    // The site file's declaration goes into the database, which is what billing, trip and
    // close and the balance check read: one source of truth.
    if (const int n = store.set_billing_mode(box.meters, *box.billing, actor.id, at)) {
      spdlog::info("{} meters of box {}/{} set to {} billing by the site file", n, box.bus,
                   box.address, domain::to_string(*box.billing));
    }
  }
}

void register_site(store::SiteAdmin& store, const SiteConfig& site, const Actor& actor,
                   TimePoint at) {
  register_site(store, site_boxes(site), actor, at);
}

domain::Result<std::set<int>> read_target_boxes(const std::string& bus_id,
                                                const std::vector<BoxCircuits>& boxes,
                                                const std::string& text) {
  const auto not_found = [](std::string message) {
    return domain::Error{domain::ErrorKind::kNotFound, std::move(message)};
  };
  const auto first = text.find('/');
  if (text.substr(0, first) != bus_id)
    return not_found("read-now " + text + ": not on bus " + bus_id);
  std::set<int> out;
  if (first == std::string::npos) {
    for (const auto& b : boxes)
      out.insert(b.address);
    return out;
  }
  const auto rest = text.substr(first + 1);
  const auto second = rest.find('/');
  const auto box_text = rest.substr(0, second);
  int address = 0;
  bool ok = !box_text.empty() && box_text.size() <= 3;
  for (const char c : box_text) {
    ok = ok && c >= '0' && c <= '9';
    if (ok) address = address * 10 + (c - '0');
  }
  const BoxCircuits* box = nullptr;
  for (const auto& b : boxes) {
    if (ok && b.address == address) box = &b;
  }
  if (!box) {
    return not_found("read-now " + text + ": no box \"" + box_text + "\" on bus " + bus_id +
                     "; check the site file");
  }
  if (second != std::string::npos) {
    const auto id = domain::MeterId::parse(text);
    if (!id || id->circuit > box->circuits) {
      return not_found("read-now " + text + ": box " + box_text + " has circuits 1.." +
                       std::to_string(box->circuits));
    }
  }
  out.insert(address);
  return out;
}

}  // namespace phil::service
