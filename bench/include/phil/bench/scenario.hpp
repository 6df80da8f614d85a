#pragma once
// A scenario as data: the virtual fleet, the system's site settings, accounts, and a timeline of
// actions and expectations in simulated time. The YAML schema is documented in
// scenarios/README.md; load_scenario() validates it strictly (file:line:col and key, unknown keys
// rejected) before anything runs.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/common/yaml.hpp>
#include <phil/domain/outbox.hpp>
#include <phil/domain/permissions.hpp>
#include <phil/domain/site_model.hpp>
#include <phil/domain/tariff.hpp>
#include <phil/service/notifier.hpp>
#include <phil/service/system.hpp>
#include <phil/sim/fleet.hpp>

namespace phil::bench {

/// A meter in a scenario, "bus/box/circuit".
struct MeterRef {
  std::string bus;
  int box = 0;
  int circuit = 0;
  std::string to_string() const;
};

/// What a check looks at. Meter truth comes from the virtual meter; system view from the
/// billing system's store.
enum class Quantity {
  kRelay,                ///< meter truth: open | closed
  kBalance,              ///< meter truth: yuan (fen inside)
  kEnergy,               ///< meter truth: kWh (Wh inside)
  kPower,                ///< meter truth: W
  kPurchaseCount,        ///< meter truth: count of the last accepted credit
  kPurchaseTotal,        ///< meter truth: yuan, sum of accepted credits
  kDebitCount,           ///< meter truth: count of the last accepted debit
  kDebitTotal,           ///< meter truth: yuan, sum of accepted debits
  kMode,                 ///< meter truth: prepaid | keep_power | forced_off
  kStatus,               ///< system view: not_opened | normal | alarm1 | alarm2 | arrears | offline
  kSystemRelay,          ///< system view: relay as last read
  kSystemBalance,        ///< system view: meter balance as last read, yuan
  kSystemEnergy,         ///< system view: energy as last read, kWh
  kLedgerBalance,        ///< account's ledger-derived balance, yuan (subject: account)
  kLedgerMatchesMeter,   ///< |ledger balance - meter truth balance| <= tolerance (subject: account)
  kLedgerConsistent,     ///< verify_ledger() finds nothing
  kSystemPurchaseCount,  ///< system view: purchase_count as last read
  kFailedCycles,         ///< system view: poll cycles in a row without an answer
  kReadAge,              ///< system view: time since the last successful reading, ms
  kLastCommand,          ///< system view: state of the meter's newest outbox command
  kOpenCommands,         ///< system view: the meter's commands pending or in flight
  kNoDoubleCredit,       ///< meter purchase_total == confirmed credits == the account's sales
  kEvent,                ///< system view: an event of this kind was recorded for the meter
  /// the account's closing (subject: account): none | started | blocked | done
  kClosing,
  kRefunded,  ///< what the account's finished closing paid back, yuan (subject: account)
  /// The final check of one account (FinalCheckSpec): its ledger adds up, and a meter-side
  /// account's money meter agrees with it (subject: account; tolerance per meter).
  kFinalAccount,
  /// SMS sent to the account's tenant (subject: account): how many notices of kind `word`
  /// (alarm1, alarm2, arrears, restore) the gateway accepted, compared with `number`.
  kSms,
};

enum class Op { kEq, kNe, kLt, kLe, kGt, kGe };

/// One comparison. Numbers are scaled integers in the quantity's inner unit (fen, Wh, W,
/// count); words (open, arrears, ...) are kept as text.
struct Check {
  Quantity quantity = Quantity::kRelay;
  MeterRef meter;       ///< for meter quantities and kLedgerMatchesMeter
  std::string account;  ///< for ledger quantities
  Op op = Op::kEq;
  std::int64_t number = 0;
  std::string word;            ///< used when the quantity is a word
  std::int64_t tolerance = 0;  ///< same unit as number
  std::string text;            ///< how the check was written, for messages
};

/// How long an expectation may take to come true.
struct Within {
  /// kScans: status scans (system.status_scan) completed on the checks' buses.
  enum class Kind { kNow, kPolls, kCommands, kScans, kDuration };
  Kind kind = Kind::kNow;
  int count = 0;
  Millis duration{0};
};

struct SaleAction {
  std::string account;
  std::int64_t amount_fen = 0;
  /// `refused: "text"`: the sale must be refused with a message containing this text, and
  /// nothing written (no ledger entry, no credit); nullopt: it must be accepted.
  std::optional<std::string> refused;
};
/// A refund (an amount of an account) or the reversal of an account's Nth sale, through the
/// operator's desk; a debit it queues is delivered at once.
struct MoneyBackAction {
  std::string account;
  std::int64_t amount_fen = 0;         ///< refund: the amount
  std::optional<int> sale;             ///< reversal: which sale of the account, from 1 (the first)
  std::optional<std::string> refused;  ///< as SaleAction::refused
};
/// Closes an account (销户) through the operator's desk (Operations::close_account): its
/// meters' closing steps go on in the system's iterations (`expect: {account, closing: done}`
/// waits for them); asked again while the account is closing, it resumes blocked meters.
struct CloseAccountAction {
  std::string account;
  std::optional<std::string> refused;  ///< as SaleAction::refused
};
/// Moves a meter into another account through the operator's desk (Operations::move_meter,
/// without money: the meter's account is host-side). A meter-side account it joins becomes
/// host-side: the ledger takes what its meter holds and that register is emptied next.
struct MoveMeterAction {
  MeterRef meter;
  std::string to_account;
  std::optional<std::string> refused;  ///< as SaleAction::refused
};
/// An operator adds a tariff version taking effect when the step runs and assigns it to one
/// meter or as the site default (Operations::add_tariff, then assign_tariff). For a meter-side
/// meter, the price download is queued (and a tiered tariff converts its account to host-side at
/// the next poll). Refused: the step fails.
struct TariffAction {
  std::optional<MeterRef> meter;  ///< nullopt: the site default
  std::string name;
  domain::Tariff tariff;  ///< passes domain::check_tariff
};
/// The system is stopped and started again on the same database (the daemon restarted), with
/// the site file's billing declaration changed if `billing` is given: for the box `box`
/// ("bus/address") or, without it, every bus. Declaring a meter of an open account another mode
/// converts its account (SiteAdmin::set_billing_mode).
struct RestartAction {
  std::optional<domain::BillingMode> billing;
  std::optional<std::pair<std::string, int>> box;  ///< bus and address; nullopt: every bus
};
struct LoadAction {
  MeterRef meter;
  sim::LoadSpec load;
};
/// Injects a fault into the virtual fleet from the step's time on (sim::FaultSpec; its start is
/// set when the step runs).
struct FaultAction {
  std::string name;  ///< how clear_fault refers to it (the step's `id`, else "fault<N>")
  sim::FaultSpec fault;
};
/// Ends one fault injected earlier (by name), or every fault (`all`).
struct ClearFaultAction {
  std::string name;  ///< empty: all
};
/// The virtual meter of a circuit is swapped for a new one (counters and balance from zero).
struct ReplaceMeterAction {
  MeterRef meter;
};
/// The operator completes an on-site swap the system detected on a meter (`meter replace
/// --in-place`, Operations::replace_meter_in_place): the old device's last balance is credited
/// onto the new one, delivered at once. Refused (no swap detected): the step fails.
struct ReplaceInPlaceAction {
  MeterRef meter;
};
/// An operator confirms a box whose identity did not match the site file (`prepaidctl box
/// confirm`, Operations::confirm_box): its billing goes on. Refused: the step fails.
struct ConfirmBoxAction {
  std::string bus;
  int address = 0;
};
/// A remote command through the system's outbox (System::command), delivered at once.
struct CommandAction {
  MeterRef meter;
  domain::CommandPayload payload;
  std::optional<std::string> refused;  ///< as SaleAction::refused (nothing queued)
};
/// An on-demand read (System::read_now): "bus", "bus/box" or "bus/box/circuit".
struct ReadNowAction {
  std::string target;
};

struct Step {
  enum class Kind { kAdvance, kUntil, kExpect, kAction };
  Kind kind = Kind::kAdvance;
  yaml::Mark mark;   ///< where the step is written
  std::string text;  ///< one-line description for logs and reports
  // kAdvance / kAction: when (absolute or relative to the previous step's end).
  std::optional<TimePoint> at_absolute;
  std::optional<Millis> at_relative;
  // kUntil: condition and limit; kExpect: checks and window.
  std::vector<Check> checks;
  Millis max{0};
  Within within;
  // kAction
  std::variant<std::monostate, SaleAction, LoadAction, FaultAction, ClearFaultAction,
               ReplaceMeterAction, ReplaceInPlaceAction, ConfirmBoxAction, CommandAction,
               ReadNowAction, MoneyBackAction, CloseAccountAction, MoveMeterAction, TariffAction,
               RestartAction>
      action;
};

struct AccountSpec {
  std::string id;
  std::string tenant;
  std::vector<MeterRef> meters;
  std::int64_t first_sale_fen = 0;
  std::string phone;  ///< `phone:` the tenant's, for SMS; "" none
};

struct SystemSpec {
  Millis poll_interval{30 * 60 * 1000};
  Millis response_timeout{200};
  int offline_after = 3;
  std::int64_t price = 6000;  ///< 0.0001 yuan/kWh
  /// `max_amount: "10000.00"`: the site's limit of one sale, refund or transfer (the site
  /// file's key of the same name); nullopt: the site's default.
  std::optional<std::int64_t> max_amount_fen;
  /// `billing: meter`: the meters deduct and trip by themselves; `host`: the system charges and
  /// sends trip / close (every bus of the scenario); nullopt: as the site model in the database
  /// says (meter-side unless a site import says otherwise).
  std::optional<domain::BillingMode> billing;
  /// `box_models: {bus1/1: adf300l-i}`: the model the site file says a box is, where it is not
  /// the fleet's (a box swapped for another model, issue 12.8); by "bus/address".
  std::map<std::string, std::string> box_models;
  /// `notifications:` as the site file's block (service::parse_notifications), its gateway
  /// optional: without one the SMS go to the file gateway's sms.jsonl in the run's folder.
  std::optional<service::NotifyConfig> notify;
  /// `status_scan: {every: 20s}` as the site file's key (service::parse_status_scan): each
  /// meter's state read between the full readings; nullopt: off.
  std::optional<service::StatusScan> status_scan;
};

/// What the runner checks after every scenario's timeline ("final: ledger = meters"): every
/// account's ledger entries add up to its balance, a meter-side account's money meter holds
/// that balance within `tolerance_fen` and has taken exactly the money the ledger says went in
/// and out, and the ledger verifies. `final_check: {tolerance: "0.05"}` widens the tolerance;
/// `final_check: {skip: "why"}` opts a scenario out that leaves a mismatch on purpose.
struct FinalCheckSpec {
  std::int64_t tolerance_fen = 1;   ///< per meter, fen (default 0.01 yuan)
  std::optional<std::string> skip;  ///< the reason the check is not made
  yaml::Mark mark;                  ///< where `final_check` is written (else the file's start)
};

struct Scenario {
  std::string id;  ///< file stem path, e.g. "arrears/trip-and-restore"
  std::string file;
  std::string name;
  std::string description;
  ZonedTime start;
  Millis step{60'000};  ///< bench tick: the longest the clock moves between two checks
  sim::FleetSpec fleet;
  SystemSpec system;
  /// Who acts (scenario key `operator: {id, role}`): the id in every audit row, default "qa".
  /// Without a role, each step acts with the first role that may take its action
  /// (domain::roles_for: a cashier sells, an engineer sends commands, a manager adds tariffs);
  /// with one, every step acts with it (a step it may not take fails, as at the counter).
  std::string operator_id = "qa";
  std::optional<domain::Role> operator_role;
  std::vector<AccountSpec> accounts;
  std::vector<Step> timeline;
  FinalCheckSpec final_check;
};

/// Loads and validates a scenario file. `id` names it in reports. Throws yaml::ConfigError.
Scenario load_scenario(const std::string& path, const std::string& id,
                       const std::string& profiles_dir);
/// The same for scenario text; `name` stands for the file in messages and in Scenario::file.
Scenario load_scenario_text(std::string_view text, const std::string& name, const std::string& id,
                            const std::string& profiles_dir);
/// The same for a parsed document.
Scenario parse_scenario(const yaml::Document& doc, const std::string& id,
                        const std::string& profiles_dir);

}  // namespace phil::bench
