#pragma once
// An ADF300 box emulated on top of meterlink::FakeMaster for the system tests: registers laid
// out by the profile, credits accepted only at purchase_count last + 1 (exception 04 otherwise),
// debits likewise by debit_count (and exception 03 above the balance), thresholds and prices kept
// as written, energy deducted from the balance by the same carry rule as the system's.
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include <phil/domain/money.hpp>
#include <phil/meterlink/profile.hpp>

#include "support/fake_master.hpp"

namespace phil::test {

/// The folder of the pinned test profiles (tests/system/data/profiles).
std::string test_profiles_dir();

class FakeAdf300 {
 public:
  struct Circuit {
    std::int64_t energy_wh = 0;
    std::int64_t balance_fen = 0;
    std::int64_t carry = 0;
    std::uint16_t purchase_count = 0;
    std::int64_t purchase_amount_fen = 0;
    std::int64_t purchase_total_fen = 0;
    std::uint16_t debit_count = 0;
    std::int64_t debit_total_fen = 0;
    std::int64_t power_w = 0;
    std::int64_t price = 6000;
  };

  /// Installs the credit logic on `master`.
  FakeAdf300(meterlink::FakeMaster& master, meterlink::Profile profile);

  /// Sets a circuit's state and writes its registers.
  void set(int slave, int circuit, const Circuit& c);
  const Circuit& circuit(int slave, int circuit) { return circuits_[{slave, circuit}]; }
  /// The circuit draws `wh` (relay closed or not: the test decides); the balance follows.
  void consume(int slave, int circuit, std::int64_t wh);
  int credits_applied() const { return credits_applied_; }
  int debits_applied() const { return debits_applied_; }

 private:
  void publish(int slave, int circuit);
  void put(int slave, int circuit, const std::string& reg, std::int64_t value_in_units);
  meterlink::FakeMaster& master_;
  meterlink::Profile profile_;
  std::map<std::pair<int, int>, Circuit> circuits_;
  int credits_applied_ = 0;
  int debits_applied_ = 0;
};

}  // namespace phil::test
