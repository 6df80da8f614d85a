#pragma once
// Test-only: the operator's desk next to a System under test. The System runs buses and answers
// look-ups; every operator action goes through service::Operations, the one front door, on its
// own connection to the same database, as prepaidctl does beside prepaidd. The call shapes are
// the short ones the tests use (operator id as a string, a sale without its ledger seq); each
// acts with the role its action needs (a cashier opens and sells, an engineer sends commands).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <phil/domain/clock.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/outbox.hpp>
#include <phil/domain/result.hpp>
#include <phil/service/operations.hpp>
#include <phil/service/system.hpp>
#include <phil/store/store.hpp>

namespace phil::test {

class Desk {
 public:
  /// Operations on the SQLite file `db_path` (the System's database) for `site`.
  Desk(const std::string& db_path, const domain::Clock& clock, service::SiteConfig site)
      : ops_(service::Operations::open(db_path, clock, std::move(site))) {}
  /// Operations on a connection from `stores` (e.g. the in-memory role doubles' factory).
  Desk(const store::StoreFactory& stores, const domain::Clock& clock, service::SiteConfig site)
      : store_(stores(store::Checkpoints::kAtCommit)),
        ops_(std::make_unique<service::Operations>(*store_, clock, std::move(site))) {}

  domain::Result<void> open_account(const std::string& account, const std::string& tenant,
                                    const std::vector<domain::MeterId>& meters,
                                    std::int64_t first_sale_fen, const std::string& operator_id) {
    service::OpenAccount req;
    req.account = account;
    req.tenant = tenant;
    req.meters = meters;
    req.first_sale_fen = first_sale_fen;
    return ops().open_account(service::Actor{operator_id, domain::Role::kCashier}, req);
  }
  /// The sale's ledger seq.
  domain::Result<std::int64_t> sale(const std::string& account, std::int64_t amount_fen,
                                    const std::string& operator_id) {
    return ops().sale(service::Actor{operator_id, domain::Role::kCashier}, account, amount_fen);
  }
  /// The command's outbox id.
  domain::Result<std::int64_t> command(const domain::MeterId& target,
                                       const domain::CommandPayload& payload,
                                       const std::string& operator_id) {
    return ops().command(service::Actor{operator_id, domain::Role::kEngineer}, target, payload);
  }
  /// A stored read-now request's id (the daemon's way: the bus worker runs it).
  domain::Result<std::int64_t> request_read(std::string_view target) {
    return ops().read_now(service::Actor{"test", domain::Role::kEngineer}, target);
  }

  service::Operations& ops() { return *ops_; }

 private:
  std::unique_ptr<store::Store> store_;  ///< the factory's connection (second constructor)
  std::unique_ptr<service::Operations> ops_;
};

}  // namespace phil::test
