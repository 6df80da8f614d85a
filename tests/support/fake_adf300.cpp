#include "fake_adf300.hpp"

#include <stdexcept>

#include <phil/meterlink/read_plan.hpp>

namespace phil::test {

std::string test_profiles_dir() {
  return std::string(PHIL_SOURCE_DIR) + "/tests/system/data/profiles";
}

FakeAdf300::FakeAdf300(meterlink::FakeMaster& master, meterlink::Profile profile)
    : master_(master), profile_(std::move(profile)) {
  const auto* count = profile_.circuit_register("purchase_count");
  const auto* debit = profile_.circuit_register("debit_count");
  const auto* alarm1 = profile_.circuit_register("alarm1_threshold");
  const auto* sharp = profile_.circuit_register("price_sharp");
  master_.on_write([this, count, debit, alarm1, sharp](
                       meterlink::FakeMaster& m, int slave, std::uint16_t start,
                       std::span<const std::uint16_t> values) -> std::optional<std::uint8_t> {
    const auto circuit_of = [&](const meterlink::Register* r, std::size_t words) {
      return r && start >= r->address && (start - r->address) % r->stride == 0 &&
                     values.size() == words
                 ? (start - r->address) / r->stride + 1
                 : 0;
    };
    // The thresholds (alarm 1, alarm 2, overload: three u32) and the price table (four u32) are
    // kept as written.
    if (circuit_of(alarm1, 6) > 0 || circuit_of(sharp, 8) > 0) {
      for (std::size_t i = 0; i < values.size(); ++i)
        m.set(slave, static_cast<std::uint16_t>(start + i), values[i]);
      return std::nullopt;
    }
    const int d = circuit_of(debit, 3);
    const int n = circuit_of(count, 3);
    if (d == 0 && n == 0) return 2;  // only credits, debits and settings are writable here
    const std::int64_t amount = (std::int64_t{values[1]} << 16) | values[2];  // 0.01 yuan
    if (d > 0) {
      auto& c = circuits_[{slave, d}];
      if (values[0] != static_cast<std::uint16_t>(c.debit_count + 1U)) return 4;
      if (amount > c.balance_fen) return 3;  // a meter never gives more than it holds
      c.debit_count = values[0];
      c.debit_total_fen += amount;
      c.balance_fen -= amount;
      ++debits_applied_;
      publish(slave, d);
      return std::nullopt;
    }
    auto& c = circuits_[{slave, n}];
    if (values[0] != static_cast<std::uint16_t>(c.purchase_count + 1U)) return 4;
    c.purchase_count = values[0];
    c.purchase_amount_fen = amount;
    c.purchase_total_fen += amount;
    c.balance_fen += amount;
    ++credits_applied_;
    publish(slave, n);
    return std::nullopt;
  });
}

void FakeAdf300::put(int slave, int circuit, const std::string& name, std::int64_t value) {
  const auto* r = profile_.circuit_register(name);
  if (!r) throw std::logic_error("no register " + name);
  const int unit_exp = name == "energy_total" ? -3 : (r->unit == "yuan" ? -2 : 0);
  const auto raw = meterlink::rescale(value, unit_exp, r->scale_exp);
  const auto words = meterlink::encode_integer(*raw, r->type, r->word_order);
  if (!words) throw std::logic_error("value does not fit " + name);
  for (std::size_t i = 0; i < words->size(); ++i) {
    master_.set(slave, static_cast<std::uint16_t>(r->address_for(circuit) + i), (*words)[i]);
  }
}

void FakeAdf300::publish(int slave, int circuit) {
  const auto& c = circuits_[{slave, circuit}];
  const bool closed = c.balance_fen > 0;
  put(slave, circuit, "energy_total", c.energy_wh);
  put(slave, circuit, "power", closed ? c.power_w : 0);
  put(slave, circuit, "balance", c.balance_fen);
  put(slave, circuit, "relay", closed ? 1 : 0);
  put(slave, circuit, "mode", 0);
  put(slave, circuit, "status", closed ? 0 : 4);  // bit 2: arrears
  put(slave, circuit, "purchase_count", c.purchase_count);
  put(slave, circuit, "purchase_amount", c.purchase_amount_fen);
  put(slave, circuit, "purchase_total", c.purchase_total_fen);
  if (profile_.circuit_register("debit_count")) {
    put(slave, circuit, "debit_count", c.debit_count);
    put(slave, circuit, "debit_total", c.debit_total_fen);
  }
}

void FakeAdf300::set(int slave, int circuit, const Circuit& c) {
  circuits_[{slave, circuit}] = c;
  publish(slave, circuit);
}

void FakeAdf300::consume(int slave, int circuit, std::int64_t wh) {
  auto& c = circuits_[{slave, circuit}];
  const auto a = domain::accrue(c.price, wh, c.carry);
  c.energy_wh += wh;
  c.balance_fen -= a->fen;
  c.carry = a->carry;
  publish(slave, circuit);
}

}  // namespace phil::test
