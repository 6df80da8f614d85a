#pragma once
// Test-only: the small site file of the Operations tests: bus1 with box 1 (adf300l-i, 12
// circuits, meter-side) and box 2 (adf300l-i, declared host-side), no port opened.
#include <string>

#include <phil/service/system.hpp>

#include "support/fake_adf300.hpp"

namespace phil::test {

inline service::SiteConfig two_box_site(const std::string& name) {
  service::SiteConfig site;
  site.name = name;
  site.profiles_dir = test_profiles_dir();
  service::BusConfig bus;
  bus.id = "bus1";
  bus.port = "/dev/null-not-used";
  bus.boxes = {{1, "adf300l-i", "adf300l"}, {2, "adf300l-i", "adf300l"}};
  bus.box_billing[2] = domain::BillingMode::kHostSide;
  site.buses = {bus};
  return site;
}

}  // namespace phil::test
