#pragma once
// The site model file of `prepaidctl site import` (strict YAML: unknown keys, wrong types, bad
// values and dangling references are errors with file:line:col and the key path). Format:
//
//   site:                          # optional; every key optional
//     name: seed-site
//     billing_mode: meter-side     # meter-side | host-side (default meter-side)
//     mismatch_tolerance: "1.00"   # yuan (default 1.00)
//     thresholds: {alarm1: "20.00", alarm2: "5.00", overload: 0}   # yuan, yuan, W (0: none)
//   buildings:
//     - id: xinduhui
//       name: Chanba Xinduhui
//       floors:
//         - {number: 4, rooms: ["401", "402"]}
//   comm_managers:                 # serial servers, each carrying buses
//     - id: cm1
//       name: serial server, floor 1
//       address: "192.168.1.20:4001"
//       buses:
//         - id: bus1
//           boxes:
//             - address: 4
//               model: adf300l-iii
//               floor: 4            # building: optional when the site has one building
//               meters:
//                 - {circuit: 1, room: "401"}
//                 - {circuit: 2, room: "402", thresholds: {alarm1: "30.00"},
//                    billing_mode: host-side}
//   buses: [...]                   # optional: buses wired to the host directly (same form)
//   accounts:                      # optional: tenant accounts opened by the import
//     - id: A401
//       tenant: Li                 # optional, like phone and room
//       phone: "13800138000"       # the check of `account open --phone`
//       room: "401"                # a room listed above
//       meters: [bus1/4/1]         # 1..n meters listed above, as bus/box/circuit; the first
//                                  # receives the credits; a meter belongs to one account only
//       first_sale: "20.00"        # yuan, exact decimal text; default 0 (none)
//
// Accounts on import (one transaction with the rest; any refusal writes nothing):
//   - an account not in the database is opened as by `account open` (its audit row; a first
//     sale with its ledger entry and credit command);
//   - an open account already there with exactly the file's meters, in the file's order, is
//     kept: no second first sale; tenant, phone and room given in the file replace the stored
//     ones (a key left out keeps the stored value), so importing the same file again changes
//     nothing;
//   - refused: an account whose stored meters differ from the file's (after a meter replace or
//     move, write the account's current meters into the file), a closed account (give the new
//     tenant a new id), a meter in another open account;
//   - accounts absent from the file stay open: closing one is `account close`, with its refund.
#include <string>

#include <phil/common/yaml.hpp>
#include <phil/domain/site_model.hpp>

namespace phil::app {

/// Parses a site model node. Throws yaml::ConfigError.
domain::SiteModel parse_site_model(const yaml::Node& root);
/// Loads a site model file. Throws yaml::ConfigError.
domain::SiteModel load_site_model(const std::string& path);

}  // namespace phil::app
