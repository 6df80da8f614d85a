#pragma once
// The site file's meters in the database: what the daemon does at start-up and what prepaidctl
// does before an action when it is given the site file (--config). One function for both, so a
// database the daemon never ran on knows the same meters and billing modes as one it did.
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/result.hpp>
#include <phil/domain/site_model.hpp>
#include <phil/service/actor.hpp>
#include <phil/service/system.hpp>
#include <phil/store/site_admin.hpp>

namespace phil::store {
class Store;
}
namespace phil::meterlink {
class Adf300Driver;
}

namespace phil::service {

/// One box of the site file with its meters (circuits 1..N of its model in its profile).
struct SiteBox {
  std::string bus;
  int address = 0;
  std::string model;
  int circuits = 0;
  std::vector<domain::MeterId> meters;  ///< bus/address/1 .. bus/address/circuits
  /// The billing mode the site file declares for the box (on it or its bus); nullopt: none, and
  /// always for an energy meter (driver->energy_only(): never billed).
  std::optional<domain::BillingMode> billing;
  /// The box's driver (its model in its profile): what the counter checks commands and credits
  /// against (Adf300Driver::check_command, money_limits) before they are queued, and whether the
  /// box is a plain energy meter (Adf300Driver::energy_only), which the counter never bills nor
  /// commands.
  std::shared_ptr<const meterlink::Adf300Driver> driver;
};

/// The boxes of `site` in site order, their circuit counts read from the profiles in
/// site.profiles_dir. Throws yaml::ConfigError for a missing or bad profile and
/// std::invalid_argument for a model the profile does not list (configuration errors).
std::vector<SiteBox> site_boxes(const SiteConfig& site);

/// Registers the boxes' meters (idempotent: known meters keep their state, the model is updated)
/// and writes each declared billing mode into the database, which is what billing, trip/close and
/// the balance check read. A billing-mode change is audited by the store in the name of `actor`
/// (one row per box it changed; none if nothing changed). Throws store::StoreError.
void register_site(store::SiteAdmin& store, const std::vector<SiteBox>& boxes, const Actor& actor,
                   TimePoint at);
/// As above for the boxes of `site` (site_boxes: reads the profiles; throws as it does).
void register_site(store::SiteAdmin& store, const SiteConfig& site, const Actor& actor,
                   TimePoint at);

/// Who registers the site file: the program on the file's behalf ("site-file"), with the role
/// that registers a site (engineer). The daemon at start-up and prepaidctl before a verb given
/// --config do it in this name, not the operator's: the file is the site's configuration, which
/// a cashier selling with it does not change.
inline Actor site_file_actor() {
  return Actor{"site-file", domain::Role::kEngineer};
}

/// A box of a bus as a read-now target sees it.
struct BoxCircuits {
  int address = 0;
  int circuits = 0;
};

/// The addresses of the boxes that the read-now target `text` ("BUS", "BUS/BOX" or
/// "BUS/BOX/CIRCUIT") names on bus `bus_id`, whose boxes are `boxes` (a circuit is read with its
/// box). kNotFound, saying what to check, for a target on another bus or a box or circuit the bus
/// does not have. Pure: what Operations checks before it stores a request and what the bus worker
/// resolves when it runs one.
domain::Result<std::set<int>> read_target_boxes(const std::string& bus_id,
                                                const std::vector<BoxCircuits>& boxes,
                                                const std::string& text);

}  // namespace phil::service
