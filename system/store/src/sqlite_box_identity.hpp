#pragma once
// Box identity and on-site meter swaps (issue 12.8), as the other parts of the SQLite store
// need them inside their own transactions: a detected swap leaves its action on the meter, and
// a poll charges no meter of a box whose identity is in question.
#include <set>
#include <string>
#include <utility>

#include <phil/common/time.hpp>
#include <phil/domain/meter_id.hpp>

#include "sqlite.hpp"

namespace phil::store::identity {

/// A swap detected on site behind `meter` (its serial changed, its counters went back): unless
/// one is already waiting, the meter's "action required" with the balance its old device held
/// at its last stored reading (read before that reading is replaced), and its box's identity
/// is due again.
void swap_detected(sqlite::Db& db, const domain::MeterId& meter, TimePoint at);

/// The boxes (bus, address) whose billing is stopped by an identity mismatch.
std::set<std::pair<std::string, int>> stopped_boxes(sqlite::Db& db);

}  // namespace phil::store::identity
