#pragma once
// The administrative model of a site (seed: 系统设置 "buildings, meters and default parameters"):
//   site -> building -> floor -> room                       (where a tenant lives)
//   comm manager (serial server) -> bus -> box -> meter      (how a circuit is reached)
// plus the site's defaults: balance alarm thresholds 1 and 2, overload threshold, billing mode
// and the tolerance of the meter-side balance check. A meter may override each threshold and
// its billing mode. Pure data and rules, no I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <phil/domain/meter_id.hpp>
#include <phil/domain/result.hpp>

namespace phil::domain {

/// Who deducts money for energy (DESIGN.md "Billing modes").
enum class BillingMode : std::uint8_t {
  kMeterSide,  ///< the meter deducts by its own price table and trips at zero; the system mirrors
  kHostSide,   ///< the system charges energy deltas and decides trip/close
};

/// "meter-side" | "host-side".
std::string_view to_string(BillingMode m);
std::optional<BillingMode> parse_billing_mode(std::string_view s);

/// Balance alarms (fen) and overload (W); alarm 1 is the early warning, so alarm1 >= alarm2.
struct Thresholds {
  std::int64_t alarm1_fen = 2000;  ///< seed-site default 20.00 yuan
  std::int64_t alarm2_fen = 500;   ///< 5.00 yuan
  std::int64_t overload_w = 0;     ///< 0: no overload protection
  bool operator==(const Thresholds&) const = default;
};

/// A meter's own values; each one absent takes the site default.
struct ThresholdOverrides {
  std::optional<std::int64_t> alarm1_fen;
  std::optional<std::int64_t> alarm2_fen;
  std::optional<std::int64_t> overload_w;
  bool operator==(const ThresholdOverrides&) const = default;
};

/// The thresholds in force: each override, else the default.
Thresholds effective(const Thresholds& defaults, const ThresholdOverrides& own);

/// Why the thresholds are not acceptable (negative, alarm2 above alarm1, beyond what the meter's
/// registers hold); nullopt if they are.
std::optional<std::string> check_thresholds(const Thresholds& t);

/// Default tolerance of the meter-side balance check, fen (1.00 yuan).
inline constexpr std::int64_t kDefaultMismatchToleranceFen = 100;

struct SiteSettings {
  std::string name;
  Thresholds thresholds;
  BillingMode billing_mode = BillingMode::kMeterSide;
  std::int64_t mismatch_tolerance_fen = kDefaultMismatchToleranceFen;
  bool operator==(const SiteSettings&) const = default;
};

struct BuildingSpec {
  std::string id;  ///< e.g. "xinduhui"
  std::string name;
};

struct FloorSpec {
  std::string building;
  int number = 0;  ///< may be negative (basements)
};

struct RoomSpec {
  std::string id;  ///< unique in the site, e.g. "401"
  std::string building;
  int floor = 0;
};

/// A comm manager / serial server: the device that carries one or more RS485 buses to the host.
struct CommManagerSpec {
  std::string id;
  std::string name;
  std::string address;  ///< e.g. "192.168.1.20:4001"; free text, may be empty
};

struct BusSpec {
  std::string id;
  std::string comm_manager;  ///< empty: wired to the host directly
};

struct BoxSpec {
  std::string bus;
  int address = 1;    ///< Modbus address 1..247
  std::string model;  ///< e.g. "adf300l-iii"
  std::string building;
  std::optional<int> floor;  ///< where the box hangs; nullopt: not recorded
  /// Its model only meters (a plain energy meter: its device profile's kind energy_only). Not in
  /// the site model file: set from the device profiles by whoever reads them
  /// (service::Operations::import_site); the import marks the box's meters with it.
  bool metering_only = false;
};

struct MeterSpec {
  MeterId id;
  std::optional<std::string> room;
  ThresholdOverrides thresholds;
  std::optional<BillingMode> billing_mode;  ///< nullopt: the site default
};

/// A tenant account the site file opens (seed: 开户 at commissioning). Import rules
/// (store::Store::import_site):
///   - an account not in the database is opened with these meters (the first one receives the
///     credits) and, if `first_sale_fen` > 0, a first sale through the same path as
///     `account open --sale` (ledger entry and credit command in the import's transaction);
///   - an open account already in the database with exactly these meters, in this order, is kept:
///     no sale is made again; `tenant`, `phone` and `room`, where given, replace the stored ones
///     (absent: the stored value stays);
///   - its meters differing from the stored ones (changed by meter replace/move, or a typo), the
///     account being closed, or a meter in another open account refuse the whole import;
///   - accounts in the database but absent from the file are kept open (closing one is an
///     operator action with a refund: account close).
/// A first sale in a site file above this is taken for a typo (sell more with a sale). It is also
/// the highest limit a site may set for one sale, refund, transfer or first sale (the site file's
/// `max_amount`, default 10,000.00 yuan), which service::Operations applies to an import's first
/// sales as to every other.
inline constexpr std::int64_t kMaxFirstSaleFen = 100'000'000;  // 1,000,000.00 yuan

struct AccountSpec {
  std::string id;                     ///< e.g. "A401"
  std::optional<std::string> tenant;  ///< nullopt: keep / empty for a new account
  std::optional<std::string> phone;   ///< check_phone
  std::optional<std::string> room;    ///< a room of the model
  std::vector<MeterId> meters;        ///< 1..n meters of the model, each in one account only
  std::int64_t first_sale_fen = 0;    ///< 0: none; made only when the account is opened
  std::string source;                 ///< where it is declared ("file:line:col"), for messages
};

struct SiteModel {
  SiteSettings settings;
  std::vector<BuildingSpec> buildings;
  std::vector<FloorSpec> floors;
  std::vector<RoomSpec> rooms;
  std::vector<CommManagerSpec> comm_managers;
  std::vector<BusSpec> buses;
  std::vector<BoxSpec> boxes;
  std::vector<MeterSpec> meters;
  std::vector<AccountSpec> accounts;
};

/// Checks a model on its own: ids unique and well-formed, every reference (floor to building,
/// room to floor, bus to comm manager, box to bus and floor, meter to box and room, account to
/// room and meters) resolved, each meter in at most one account, accounts with 1..n meters, a
/// valid phone and no negative first sale, thresholds and tolerance valid. One line per problem;
/// empty if it holds.
std::vector<std::string> check_site_model(const SiteModel& m);

/// The refusal of an import for `problems` (one line each, from check_site_model or the device
/// check): kInvalid, "the site model is refused, nothing was imported:" and the lines indented.
Error site_model_refused(const std::vector<std::string>& problems);

/// Why a tenant's phone number is not acceptable (only digits, spaces, '+', '-', '(' and ')';
/// 3..20 characters with at least 3 digits); nullopt if it is. An empty number is acceptable.
std::optional<std::string> check_phone(std::string_view phone);

/// The meter-side balance check of one account: what its meters hold against what the ledger
/// says they should hold.
struct BalanceCheck {
  std::int64_t ledger_fen = 0;       ///< the account's ledger balance
  std::int64_t undelivered_fen = 0;  ///< credits of the account still pending in the outbox
  std::int64_t meters_fen = 0;       ///< sum of the balances its meters last reported
  std::int64_t tolerance_fen = kDefaultMismatchToleranceFen;
};

/// The meters' balance minus the expectation (ledger - undelivered) if it is beyond the
/// tolerance; nullopt if they agree.
std::optional<std::int64_t> balance_mismatch(const BalanceCheck& c);

}  // namespace phil::domain
