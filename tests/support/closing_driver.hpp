#pragma once
// Drives account closings at the store level the way a bus worker does (Ledger::advance_closings
// between deliveries and reads), with meters that obey: a forced_off opens the relay, a final
// read finds the meter's last values, a debit empties the meter, its counts are a real meter's
// (meter_counts.hpp). For store tests that need a closing taken to its end, or to a given step.
#include <cstdint>
#include <string>

#include <phil/store/store.hpp>

#include "support/meter_counts.hpp"

namespace phil::test {

/// Runs up to `rounds` rounds of advance, deliver (each open command confirmed) and read (each
/// pending read request served with the meter's stored values) on `bus` at `at`. Returns the
/// steps advance_closings took.
inline int drive_closings(store::Store& store, const std::string& bus, TimePoint at,
                          const store::BillingRules& rules, int rounds = 8) {
  int steps = 0;
  for (int round = 0; round < rounds; ++round) {
    steps += store.advance_closings(bus, at);
    for (const auto& c : store.open_commands(bus)) {
      store::Readback rb;
      const auto m = store.meter(c.meter);
      rb.balance_fen = m ? m->last.balance_fen : 0;
      if (c.kind == domain::CommandKind::kDebit) rb.balance_fen -= c.amount_fen;
      rb.relay_closed = false;
      deliver(store, c.id, rb, at, rules);
    }
    steps += store.advance_closings(bus, at);
    for (const auto& r : store.pending_read_requests(bus)) {
      const auto id = domain::MeterId::parse(r.target);
      if (id) {
        if (const auto m = store.meter(*id); m && m->read_at) {
          auto reading = m->last;
          reading.relay_closed = false;
          store.record_readings({{*id, reading}}, at, rules);
        }
      }
      store.finish_read_request(r.id, true, "read", at);
    }
  }
  return steps;
}

}  // namespace phil::test
