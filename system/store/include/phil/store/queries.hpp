#pragma once
// The read side: meters, accounts, the ledger, events and commands for display and for the
// decisions made on them (host-side billing reads a meter and its account's balance). Reads see
// committed data only and write nothing.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/box_identity.hpp>
#include <phil/domain/ledger.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/reading.hpp>
#include <phil/domain/site_model.hpp>
#include <phil/domain/status.hpp>
#include <phil/domain/status_board.hpp>
#include <phil/store/ledger.hpp>
#include <phil/store/outbox.hpp>

namespace phil::store {

struct MeterRecord {
  domain::MeterId id;
  std::string model;
  std::optional<std::string> account;  ///< open account the meter belongs to
  std::optional<TimePoint> read_at;    ///< last successful reading; nullopt: never read
  domain::MeterReading last;           ///< valid if read_at
  /// When its state (balance, relay, mode, status bits of `last`) was last read: by the last
  /// full reading, or a status scan since (PollSink::record_states); nullopt: never read.
  std::optional<TimePoint> state_at;
  domain::MeterStatus status = domain::MeterStatus::kNotOpened;
  int failed_cycles = 0;                         ///< poll cycles in a row without an answer
  std::optional<std::int64_t> billed_energy_wh;  ///< energy billed up to; nullopt: no baseline
  std::int64_t carry = 0;                        ///< sub-fen remainder, cost units (money.hpp)
  /// Who deducts for this meter's energy: its own setting, else the site default. Host-side
  /// meters are charged and tripped/closed by the system.
  domain::BillingMode billing_mode = domain::BillingMode::kMeterSide;
  /// A plain energy meter (SiteAdmin::register_meters): never billed nor commanded.
  bool metering_only = false;
};

struct LedgerRecord {
  std::int64_t seq = 0;
  std::string account;
  domain::EntryKind kind = domain::EntryKind::kSale;
  std::optional<domain::MeterId> meter;
  std::int64_t amount_fen = 0;         ///< magnitude; direction from the kind
  std::int64_t energy_wh = 0;          ///< charge: energy charged
  std::int64_t carry = 0;              ///< charge: remainder carried after this entry
  std::int64_t balance_after_fen = 0;  ///< account balance after this entry
  std::string operator_id;             ///< who: an operator, or "system" for charges
  TimePoint at{};
  std::optional<std::int64_t> ref_seq;  ///< reversal: the sale it cancels
  /// The system log row written with the entry (the number a receipt shows); none for entries
  /// older than the log's link to the ledger (schema v11) and in stores without a log.
  std::optional<std::int64_t> log_entry{};
};

struct EventRecord {
  std::int64_t id = 0;
  std::optional<domain::MeterId> meter;
  std::string kind;  ///< e.g. "meter_replaced", "credit_conflict"
  std::string details;
  TimePoint at{};
};

/// An account for display (prepaidctl account show).
struct AccountRecord {
  std::string id;
  std::string tenant;
  std::string phone;
  std::optional<std::string> room;
  TimePoint opened_at{};
  std::optional<TimePoint> closed_at;
  std::int64_t balance_fen = 0;         ///< ledger balance
  std::vector<domain::MeterId> meters;  ///< attached now, first one receives the credits
  /// Last finding of the meter-side balance check: meters minus expectation; nullopt: agree.
  std::optional<std::int64_t> mismatch_fen;
};

/// Where a meter is and how it is set (prepaidctl meter show).
struct MeterPlacement {
  std::optional<std::string> room;
  std::optional<std::string> building;
  std::optional<int> floor;
  std::optional<std::string> comm_manager;
  domain::Thresholds thresholds;  ///< in force (own values, else the site's)
  /// What the meter holds, as the last read-back of a thresholds command confirmed it; nullopt
  /// until one is confirmed (issue 12.5: downloaded at first contact and when they change).
  std::optional<domain::Thresholds> on_meter_thresholds;
  std::optional<TimePoint> on_meter_thresholds_at;  ///< when that read-back was
  /// The newest thresholds command still open (pending or in flight), if any: its id.
  std::optional<std::int64_t> thresholds_command;
  /// The price table the meter holds, as the read-back of its newest confirmed price command
  /// showed it, and when; nullopt if none was confirmed (issue 12.4).
  std::optional<domain::PricePayload> on_meter_prices;
  std::optional<TimePoint> on_meter_prices_at;
  domain::BillingMode billing_mode = domain::BillingMode::kMeterSide;
  std::optional<domain::MeterId> replaces;     ///< the meter this one replaced, if any
  std::optional<domain::MeterId> replaced_by;  ///< the meter that replaced this one, if any
  /// An on-site swap detected on this meter (its serial changed, its counters went back) and
  /// not yet completed by `meter replace --in-place`: action required (issue 12.8).
  std::optional<domain::SwapAction> swap_action;
  std::optional<TimePoint> swap_detected_at;
};

/// What the store keeps of a box's identity (issue 12.8): what it last reported of itself
/// against the site file, and an operator's confirmation of a mismatch.
struct BoxIdentityRecord {
  std::string bus;
  int address = 0;
  bool check_due = true;                        ///< its next answered poll reads it
  std::optional<domain::BoxIdentity> reported;  ///< last read; nullopt: never read
  std::optional<TimePoint> read_at;
  /// Why the box is not the one the site file expects: its billing is stopped (no charges of
  /// its meters, no credits or debits delivered to them) until an operator confirms.
  std::optional<std::string> mismatch;
  std::optional<TimePoint> mismatch_at;
  std::optional<domain::BoxIdentity> confirmed;  ///< what the operator confirmed, if anyone did
  std::optional<std::string> confirmed_by;
  std::optional<TimePoint> confirmed_at;
};

class Queries {
 public:
  virtual ~Queries() = default;

  /// nullopt if the meter is not registered.
  virtual std::optional<MeterRecord> meter(const domain::MeterId& id) const = 0;
  /// nullopt if there is no such account (open or closed).
  virtual std::optional<AccountRecord> account(const std::string& id) const = 0;
  /// nullopt if the meter is not configured.
  virtual std::optional<MeterPlacement> meter_placement(const domain::MeterId& id) const = 0;
  /// The account's balance as kept with its ledger entries (each entry moves it in the same
  /// transaction; verify_ledger checks it equals the sum of the journal); nullopt if there is no
  /// such account. One row read: callers may ask every poll.
  virtual std::optional<std::int64_t> account_balance_fen(const std::string& account) const = 0;
  /// The ledger entries of an account (of every account if nullopt), by seq.
  virtual std::vector<LedgerRecord> ledger(const std::optional<std::string>& account) const = 0;
  /// One ledger entry by its seq; nullopt if there is none.
  virtual std::optional<LedgerRecord> ledger_entry(std::int64_t seq) const = 0;
  /// The events of a meter (every event if nullopt), oldest first.
  virtual std::vector<EventRecord> events(const std::optional<domain::MeterId>& meter) const = 0;
  /// The serial number last read from a meter; nullopt if none was read yet.
  virtual std::optional<std::string> meter_serial(const domain::MeterId& id) const = 0;
  /// Commands of a meter, newest first, at most `limit`.
  virtual std::vector<CommandRecord> meter_commands(const domain::MeterId& id, int limit) const = 0;
  /// The debits of an account (refunds and reversals of money its meter held), oldest first.
  virtual std::vector<CommandRecord> account_debits(const std::string& account) const = 0;
  /// One command by id; nullopt if there is none.
  virtual std::optional<CommandRecord> command(std::int64_t id) const = 0;
  /// The account's closing (started, going on or finished); nullopt if it was never asked.
  virtual std::optional<ClosingRecord> account_closing(const std::string& account) const = 0;
  /// The meter's newest register emptying (going on or finished); nullopt if it never had one.
  virtual std::optional<ConversionRecord> meter_conversion(const domain::MeterId& meter) const = 0;
  /// A box's identity as last read and checked; nullopt if it was never read.
  virtual std::optional<BoxIdentityRecord> box_identity(const std::string& bus,
                                                        int address) const = 0;
  /// Number of confirmed and of open (pending or in flight) commands on a bus.
  struct CommandCounts {
    std::uint64_t confirmed = 0;
    std::uint64_t open = 0;
  };
  virtual CommandCounts command_counts(const std::string& bus) const = 0;
  /// Every registered meter as the status board shows it (issue 14 item 1), in one query, in
  /// no particular order: domain::group_board orders and groups them, domain::matches filters.
  virtual std::vector<domain::BoardRow> status_board() const = 0;
};

}  // namespace phil::store
