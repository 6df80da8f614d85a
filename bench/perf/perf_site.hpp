#pragma once
// The office benchmarks' site (perf_status_board, perf_reports): `buildings` blocks of 40 floors,
// one adf300l-iii box of 25 meters a floor on the block's own bus, each meter in a room, 9 in 10
// of them in accounts A1, A2, ... (one meter each). 10 buildings: 10,000 meters, 9,000 accounts.
#include <string>
#include <utility>

#include <phil/domain/site_model.hpp>

namespace phil::perf {

/// Whether circuit `c` of floor `f` has an account (22 of 25 circuits, and the 23rd on even
/// floors: 9 in 10).
inline bool office_has_account(int f, int c) {
  return c <= 22 || (c == 23 && f % 2 == 0);
}

inline domain::SiteModel office_site(int buildings) {
  domain::SiteModel m;
  m.settings.name = "perf-office";
  int account = 0;
  for (int b = 1; b <= buildings; ++b) {
    const auto building = "b" + std::to_string(b);
    const auto bus = "bus" + std::to_string(b);
    m.buildings.push_back({building, "Block " + std::to_string(b)});
    m.buses.push_back({bus, ""});
    for (int f = 1; f <= 40; ++f) {
      m.floors.push_back({building, f});
      m.boxes.push_back({bus, f, "adf300l-iii", building, f});
      for (int c = 1; c <= 25; ++c) {
        const auto room = building + "-" + std::to_string(f * 100 + c);
        m.rooms.push_back({room, building, f});
        const domain::MeterId id{bus, f, c};
        m.meters.push_back({id, room, {}, std::nullopt});
        if (office_has_account(f, c)) {
          domain::AccountSpec a;
          a.id = "A" + std::to_string(++account);
          a.tenant = "Tenant " + std::to_string(account);
          a.room = room;
          a.meters = {id};
          m.accounts.push_back(std::move(a));
        }
      }
    }
  }
  return m;
}

}  // namespace phil::perf
