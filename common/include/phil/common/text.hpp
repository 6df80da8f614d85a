#pragma once
// The one place user-facing text comes from. Every message shown to an operator, a QA engineer
// or a site engineer is a template here, keyed by a stable id, with two complete catalogues:
// English (text.cpp) and zh_CN (text_zh_cn.cpp), the language of the site's people. Code never
// embeds user-facing text inline. Each catalogue is a switch without a default, so an id without
// its pattern in either language does not compile (-Wswitch, warnings are errors); a test checks
// that both patterns of an id take the same placeholders.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace phil::text {

enum class Id {
  // Configuration errors.
  kYamlSyntax,            // {0}=message
  kYamlUnknownKey,        // {0}=key {1}=allowed keys
  kYamlMissingKey,        // {0}=key
  kYamlWrongType,         // {0}=expected {1}=got
  kYamlOutOfRange,        // {0}=value {1}=min {2}=max
  kYamlBadValue,          // {0}=value {1}=expected form
  kYamlCannotOpen,        // {0}=reason
  kYamlDuplicate,         // {0}=what
  kYamlSeveralDocuments,  // {0}=line of the second document
  kYamlNotText,           // {0}=what is wrong {1}=line {2}=column
  kTextInvalidUtf8,       // {0}=byte (hex)
  kTextControlChar,       // {0}=code point (hex)
  // Devices (phil/common/device_models.hpp).
  kUnknownModel,       // {0}=model {1}=known models
  kCircuitOutOfModel,  // {0}=circuit {1}=model {2}=circuits
  kNoProfiles,         // {0}=dir
  kCannotReadDir,      // {0}=reason
  // Refusals at the counter (service::Operations).
  kAmountOverLimit,  // {0}=action {1}=amount, yuan {2}=the site's max_amount, yuan {3}=what to do
  kCreditOverRegister,    // {0}=action {1}=amount, yuan {2}=meter {3}=why (the driver's words)
  kDebitNotPossible,      // {0}=action {1}=amount, yuan {2}=meter {3}=why (the driver's words)
  kBalanceOverRegister,   // {0}=action {1}=amount {2}=meter {3}=balance after {4}=last read
                          // {5}=still to be credited {6}=register's most {7}=most now, all yuan
  kTransferOverRegister,  // {0}=amount, yuan {1}=new meter {2}=most it takes now, yuan
  kCommandNotEncodable,   // {0}=command kind {1}=target {2}=why (the driver's words)
  kCloseAtZero,           // {0}=meter {1}=balance, yuan
  kCloseAwaitingCredit,   // {0}=meter {1}=balance, yuan {2}=credits still to be delivered, yuan
  // Command delivery (the bus worker's failure reasons).
  kCloseRelayHeldAtZero,  // {0}=meter {1}=balance, yuan
  // Settings on the meter against the stored ones (prepaidctl meter show).
  kOnMeterUnknown,           // {0}=what is done about it (one of the two below)
  kOnMeterDiffers,           // {0}=what is done about it (one of the two below)
  kSettingsDownloadQueued,   // {0}=command id
  kSettingsDownloadMissing,  // {0}=the command to type
  kNoTariffInForce,          // (meter show) no tariff assigned to the meter or the site
  kTariffTiered,             // (meter show) a tiered tariff: no price table on the meter
  kPricesUnknown,            // (meter show) no price download read back yet
  kPricesDiffer,             // (meter show) the meter's prices are not the stored tariff's
  kPriceIsOwnTariff,         // (command price) {0}=meter {1}=the tariff it now has as its own
  // The meter's balance register after its account became host-side (prepaidctl meter show).
  kRegisterEmptying,    // {0}=why the account became host-side {1}=since {2}=the debit, or none
  kRegisterEmptied,     // {0}=amount taken off, yuan {1}=when
  kRegisterNotEmptied,  // {0}=why it was given up
  // Operators and roles (issue 13).
  kActionNeedsRole,    // {0}=operator {1}=their role {2}=the action {3}=the roles that may
  kLoginRefused,       // {0}=operator id
  kLoginLocked,        // {0}=operator id {1}=until when {2}=failures that lock
  kLoginDisabled,      // {0}=operator id
  kActorWithoutRole,   // {0}=actor id
  kSessionUnknown,     // (a token the database does not know)
  kSessionEnded,       // {0}=operator id {1}=why (expired, idle, revoked)
  kNotLoggedIn,        // {0}=the database
  kSecretFileOpen,     // {0}=file {1}=mode (octal) {2}=what to do
  kSecretFileOwner,    // {0}=file
  kPasswordsDiffer,    // (the second typing differs)
  kGeneratedPassword,  // {0}=operator id {1}=the password
  // The way back to meter-side: the ledger's money put onto the meter (prepaidctl meter show).
  kRegisterFilling,    // {0}=why {1}=since {2}=the command, or what it waits for {3}=moved, yuan
  kRegisterFilled,     // {0}=moved onto the meter, yuan {1}=when
  kRegisterNotFilled,  // {0}=why it was given up or cancelled
  // Box identity and on-site swaps (issue 12.8; prepaidctl meter show, box confirm).
  kSwapActionRequired,  // {0}=when detected {1}=what moves {2}=the command to type
  kSwapMovesBalance,    // {0}=the old device's last balance, yuan
  kSwapMovesNothing,    // (host-side, or no open account: no money on the meter to move)
  kBoxBillingStopped,   // {0}=box {1}=since {2}=why
  kBoxConfirmed,        // {0}=box {1}=model code {2}=circuits
  // Command-line arguments (prepaidctl).
  kBadTimeArg,  // {0}=option {1}=the value as typed
  // Status board (issue 14 item 1; prepaidctl status): headers, groups, names, legend.
  kBoardMeter,             // (header) the meter, bus/box/circuit
  kBoardRoom,              // (header)
  kBoardAccount,           // (header)
  kBoardTenant,            // (header)
  kBoardStatus,            // (header)
  kBoardBalance,           // (header) yuan
  kBoardRelay,             // (header)
  kBoardMode,              // (header)
  kBoardReadAt,            // (header) the last reading's time
  kBoardAge,               // (header) how long ago
  kBoardAction,            // (header) what an operator must do
  kBoardBuilding,          // {0}=building id
  kBoardNoBuilding,        // (meters placed in no building)
  kBoardFloor,             // {0}=floor number
  kBoardNoFloor,           // (meters placed on no floor)
  kBoardBox,               // {0}=bus/box
  kStatusNormal,           // (status name) an open account, balance above alarm 1
  kStatusAlarm1,           // (status name)
  kStatusAlarm2,           // (status name)
  kStatusArrears,          // (status name)
  kStatusNotOpened,        // (status name)
  kStatusOffline,          // (status name)
  kRelayClosed,            // (relay as read)
  kRelayOpen,              // (relay as read)
  kModePrepaid,            // (meter mode)
  kModeKeepPower,          // (meter mode)
  kModeForcedOff,          // (meter mode)
  kModeUnknown,            // (meter mode)
  kNeverRead,              // (no reading yet)
  kAgeMinutes,             // {0}=minutes
  kAgeHours,               // {0}=hours {1}=minutes
  kAgeDays,                // {0}=days {1}=hours
  kBoardLegend,            // {0}=the statuses in their colours
  kBoardCounts,            // {0}=meters shown {1}=count per status
  kBoardEmpty,             // (no meter matches the filters)
  kActionMeterSwapped,     // {0}=the command to type
  kActionBoxStopped,       // {0}=the command to type
  kActionBalanceMismatch,  // {0}=meters minus the ledger, yuan
  // Alarms (issue 14 item 3; prepaidctl alarm): kind names, headers, results, refusals.
  kAlarmKindAlarm1,           // (alarm kind) balance alarm 1
  kAlarmKindAlarm2,           // (alarm kind) balance alarm 2
  kAlarmKindArrears,          // (alarm kind)
  kAlarmKindOverloadTrip,     // (alarm kind)
  kAlarmKindMeterOffline,     // (alarm kind)
  kAlarmKindBoxOffline,       // (alarm kind)
  kAlarmKindBusOffline,       // (alarm kind) the comm manager or bus
  kAlarmKindRelayMismatch,    // (alarm kind)
  kAlarmKindBalanceMismatch,  // (alarm kind)
  kAlarmKindClockDrift,       // (alarm kind)
  kAlarmKindMeterSwapped,     // (alarm kind)
  kAlarmKindCommandFailed,    // (alarm kind)
  kAlarmKindStatusBits,       // (alarm kind) the device's status bits disagree
  kAlarmId,                   // (header)
  kAlarmKind,                 // (header)
  kAlarmTarget,               // (header) meter, box, bus or account
  kAlarmRaised,               // (header) when raised
  kAlarmCleared,              // (header) when cleared
  kAlarmAcked,                // (header) who acknowledged, when
  kAlarmActive,               // (an alarm not cleared)
  kAlarmAccount,              // {0}=account (an account as an alarm's target)
  kAlarmNone,                 // (no alarm matches)
  kAlarmCounts,               // {0}=alarms shown {1}=of them active
  kAlarmAckedBy,              // {0}=alarm id {1}=kind {2}=target {3}=operator {4}=when
  kAlarmUnknown,              // {0}=alarm id
  kAlarmAckedAlready,         // {0}=alarm id {1}=operator {2}=when
  kAlarmBadKind,              // {0}=the value as typed {1}=the kinds
  kAlarmBadTarget,            // {0}=the value as typed
  kAlarmBadId,                // {0}=the value as typed
  kOfflineWent,               // (header) when it went offline
  kOfflineBack,               // (header) when it answered again
  kOfflineFor,                // (header) how long
  kOfflineStill,              // (a spell not ended)
  kOfflineTotal,              // {0}=target {1}=kind {2}=times offline {3}=how long in all
  kOfflineNone,               // (nothing was offline in the period)
  kOfflinePeriod,             // {0}=from {1}=to
  kOfflineBadPeriod,          // {0}=from {1}=to
  // Bench.
  kScenarioPassed,
  kScenarioFailed,
  kReportWritten,  // {0}=path

  // Reports (issue 14 item 5; prepaidctl report): errors, titles, headers, items.
  kReportEmptyPeriod,   // {0}=from {1}=to
  kShiftOtherCashier,   // {0}=the operator {1}=the cashier asked for
  kReportNoAccount,     // {0}=account
  kBadReportChoice,     // {0}=option {1}=the value as typed {2}=the choices
  kRollupsRebuilt,      // {0}=readings {1}=charges
  kXlsxFailed,          // {0}=file {1}=why
  kReportSales,         // (title)
  kReportShift,         // (title) {0}=cashier
  kReportEnergy,        // (title) {0}=grouped by
  kReportReadings,      // (title)
  kReportAlarms,        // (title)
  kReportOffline,       // (title)
  kColOfflineMinutes,   // (header) minutes offline within the period
  kReportStatement,     // (title) {0}=account
  kReportStatementUse,  // (title) {0}=account
  kReportDaily,         // (title) {0}=day
  kReportPeriod,        // {0}=from {1}=to
  kReportMadeAt,        // {0}=when
  kReportAsOf,          // {0}=when: the period of a snapshot (a batch's preview)
  kReportTotal,         // (row name)
  kColPeriod,           // (header)
  kColCashier,          // (header)
  kColSale,             // (header) yuan
  kColRefund,           // (header) yuan
  kColReversal,         // (header) yuan
  kColPending,          // (header) yuan
  kColNet,              // (header) yuan
  kColCount,            // (header)
  kColGroup,            // (header)
  kColSharp,            // (header) kWh
  kColPeak,             // (header) kWh
  kColFlat,             // (header) kWh
  kColValley,           // (header) kWh
  kColEnergy,           // (header) kWh
  kColCharge,           // (header) yuan
  kColTime,             // (header)
  kColEntry,            // (header)
  kColKind,             // (header)
  kColAmount,           // (header) yuan
  kColBalanceAfter,     // (header) yuan
  kColOperator,         // (header)
  kColEnergyRegister,   // (header) kWh
  kColItem,             // (header)
  kColValue,            // (header)
  kDailySales,          // (item)
  kDailyRefunds,        // (item)
  kDailyReversals,      // (item)
  kDailyPending,        // (item)
  kDailyEnergy,         // (item)
  kDailyCharges,        // (item)
  kDailyLogSeq,         // (item)
  kDailyLogHash,        // (item)
  kGroupMeter,          // (group name)
  kGroupAccount,        // (group name)
  kGroupFloor,          // (group name)
  kGroupBuilding,       // (group name)
  kGroupSite,           // (group name)

  // Batch commands (issue 14 item 2; prepaidctl command ... with a selection, command status).
  kBatchPreview,        // {0}=command {1}=payload {2}=meters {3}=of them refused
  kBatchMore,           // {0}=rows not shown
  kBatchConfirm,        // {0}=command {1}=meters to queue
  kBatchNotConfirmed,   // (nothing sent)
  kBatchNothingToSend,  // (every meter refused)
  kBatchSent,           // {0}=batch {1}=command {2}=queued {3}=refused
  kBatchProgress,       // {0}=batch {1}=members {2}=confirmed {3}=pending {4}=failed {5}=superseded
                        // {6}=refused
  kBatchDone,           // (every member's command is finished)
  kBatchRunning,        // (some members' commands are still to be sent)
  kBatchNone,           // (no batch was sent yet)
  kBatchSelectionAll,   // (a batch of every meter)
  kBatchSelectionFile,  // {0}=file
  kReportBatch,         // (title) {0}=batch {1}=command {2}=payload
  kReportBatchPlan,     // (title) {0}=command {1}=payload
  kReportBatches,       // (title)
  kColBatch,            // (header)
  kColCommand,          // (header) the command's number
  kColState,            // (header) where the command is
  kColAttempts,         // (header)
  kColResult,           // (header) the last error or the refusal
  kColUpdated,          // (header)
  kColSelection,        // (header)
  kColMembers,          // (header)
  kColConfirmed,        // (header)
  kColOpen,             // (header) pending or in flight
  kColFailed,           // (header)
  kColRefused,          // (header)
  kCommandPending,      // (command state)
  kCommandInFlight,     // (command state)
  kCommandConfirmed,    // (command state)
  kCommandFailed,       // (command state)
  kCommandSuperseded,   // (command state)
  kCommandRefused,      // (a batch member the checks refused)
  kCommandTrip,         // (command name)
  kCommandClose,        // (command name)
  kCommandKeepPower,    // (command name)
  kCommandRestorePrepaid,    // (command name)
  kCommandThresholds,        // (command name)
  kCommandPrice,             // (command name)
  kEnergyMeterNotCommanded,  // {0}=command kind {1}=meter or box {2}=model
  kEnergyMeterNotBilled,     // {0}=action (account open, sale, ...) {1}=meter {2}=model
  kBoardEnergyMeter,         // (the status board's balance cell of an energy meter)

  // Notifications (service::Notifier): SMS templates and why a notice was not sent.
  kSmsAlarm1,   // (SMS) {0}=tenant {1}=room {2}=balance {3}=threshold, yuan {4}=meter {5}=account
                // {6}=alarm {7}=target {8}=time
  kSmsAlarm2,   // (SMS) fields as kSmsAlarm1
  kSmsArrears,  // (SMS) fields as kSmsAlarm1
  kSmsRestore,  // (SMS) fields as kSmsAlarm1
  kSmsOffice,   // (SMS to the office) fields as kSmsAlarm1
  kSmsNoPhone,  // (notice skipped) {0}=account
  kSmsToldAlready,     // (notice skipped) {0}=account
  kSmsDailyLimit,      // (notice skipped) {0}=phone {1}=the daily limit
  kSmsExpired,         // (notice expired) {0}=give-up age {1}=the last error
  kSmsBalanceUnknown,  // (SMS field) a balance not read yet

  kReportSms,      // (report title)
  kColAccount,     // (header)
  kColPhone,       // (header)
  kColSentAt,      // (header)
  kColMessage,     // (header)
  kColReason,      // (header) why a notice was not sent, or its last error
  kNoticeRestore,  // (SMS kind) power back after arrears
  kNoticeOffice,   // (SMS kind) an office subscriber's alarm
  kNoticePending,  // (SMS state)
  kNoticeSent,     // (SMS state)
  kNoticeSkipped,  // (SMS state)
  kNoticeExpired,  // (SMS state)

  // prepaid-api (system/api): the answers of the HTTPS API to bad requests.
  kApiNoRoute,      // {0}=method {1}=path
  kApiWrongMethod,  // {0}=path {1}=method {2}=methods it takes
  kApiBadTarget,
  kApiBadJson,       // {0}=parser's message
  kApiMissingField,  // {0}=field
  kApiWrongType,     // {0}=field {1}=what it must be
  kApiUnknownField,  // {0}=field {1}=fields it takes
  kApiUnknownParam,  // {0}=parameter {1}=path {2}=parameters it takes
  kApiBadNumber,     // {0}=parameter {1}=value {2}=least {3}=most
  kApiUnauthenticated,
  kApiSessionEnded,
  kApiTooManyLogins,   // {0}=seconds to wait
  kApiOriginRefused,   // {0}=origin
  kApiBodyTooLarge,    // {0}=bytes
  kApiHeaderTooLarge,  // {0}=bytes
  kApiTimeout,         // {0}=seconds
  kApiBadHttp,         // {0}=parser's message
  kApiInternal,        // {0}=reference
  kApiTlsRequired,
  kApiTypeString,
  kApiTypeYuan,
  kApiTypeInteger,
  kApiTypeBoolean,
  kApiTypeStrings,
  kApiTypeObject,
  kApiGivenTwice,      // {0}=parameter
  kApiBadMeterPath,    // {0}=bus {1}=box {2}=circuit
  kApiBadTime,         // {0}=parameter {1}=value
  kApiBadChoice,       // {0}=parameter {1}=value {2}=choices
  kApiTooManyStreams,  // {0}=streams open

  // Tenants' own access (the tenant page).
  kTenantLoginRefused,  // {0}=account
  kTenantLoginLocked,   // {0}=account {1}=until {2}=failures
  kTenantSessionEnded,

  kEnd  ///< keep last: the number of ids, for the catalogue test; never shown
};

/// The languages of the catalogues.
enum class Lang : std::uint8_t {
  kEn,    ///< English
  kZhCN,  ///< simplified Chinese, mainland (zh_CN)
};

/// "en" | "zh_CN".
std::string_view to_string(Lang lang);

/// A language name as a person or a locale gives it: "en", "zh_CN", and locale names such as
/// "zh_CN.UTF-8", "zh-CN", "zh", "en_US.UTF-8", "C", "POSIX" (English). nullopt for any other.
std::optional<Lang> parse_lang(std::string_view s);

/// The language the environment asks for, in POSIX order: LC_ALL, else LC_MESSAGES, else LANG
/// (the first that is set and not empty decides). Chinese if it names zh, else English.
Lang lang_from_environment();

/// Chooses the language of pattern() and format() for the whole process. A main calls it once
/// at start-up (from --lang, else lang_from_environment()); tests set it and set it back.
void set_language(Lang lang);

/// The language in use: this thread's LanguageScope's if one lives, else the process's (English
/// until set_language is called).
Lang language();

/// While it lives, pattern() and format() on this thread use `lang` (a request's language in a
/// server, without changing the process's). Scopes nest; each restores what it found.
class LanguageScope {
 public:
  explicit LanguageScope(Lang lang);
  ~LanguageScope();
  LanguageScope(const LanguageScope&) = delete;
  LanguageScope& operator=(const LanguageScope&) = delete;

 private:
  std::optional<Lang> previous_;
};

/// The template for `id` in `lang`.
std::string_view pattern(Id id, Lang lang);

/// The template for `id` in the language in use.
std::string_view pattern(Id id);

/// Formats the template for `id` with `args` (fmt syntax, positional) in the language in use.
template <typename... Args>
std::string format(Id id, Args&&... args) {
  return fmt::vformat(pattern(id), fmt::make_format_args(args...));
}

/// Formats the template for `id` in `lang`.
template <typename... Args>
std::string format_in(Lang lang, Id id, Args&&... args) {
  return fmt::vformat(pattern(id, lang), fmt::make_format_args(args...));
}

}  // namespace phil::text
