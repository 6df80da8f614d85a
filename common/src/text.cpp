#include <atomic>
#include <cstdlib>

#include <phil/common/text.hpp>

#include "text_catalogues.hpp"

namespace phil::text {

namespace {

std::atomic<Lang> g_language{Lang::kEn};
// A thread's own language while a LanguageScope lives on it (a server answers each request in
// the language its client asks for, on whichever thread serves it).
thread_local std::optional<Lang> t_language;

bool starts_with_word(std::string_view s, std::string_view word) {
  if (!s.starts_with(word)) return false;
  if (s.size() == word.size()) return true;
  const char next = s[word.size()];
  return next == '_' || next == '-' || next == '.' || next == '@';
}

}  // namespace

std::string_view to_string(Lang lang) {
  switch (lang) {
    case Lang::kEn:
      return "en";
    case Lang::kZhCN:
      return "zh_CN";
  }
  return "en";
}

std::optional<Lang> parse_lang(std::string_view s) {
  if (s == "C" || s == "POSIX" || starts_with_word(s, "C") || starts_with_word(s, "en")) {
    return Lang::kEn;
  }
  if (starts_with_word(s, "zh")) return Lang::kZhCN;
  return std::nullopt;
}

Lang lang_from_environment() {
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read at start-up
    if (value == nullptr || *value == '\0') continue;
    return parse_lang(value).value_or(Lang::kEn);
  }
  return Lang::kEn;
}

void set_language(Lang lang) {
  g_language.store(lang, std::memory_order_relaxed);
}

Lang language() {
  if (t_language) return *t_language;
  return g_language.load(std::memory_order_relaxed);
}

std::string_view pattern(Id id) {
  return pattern(id, language());
}

std::string_view pattern(Id id, Lang lang) {
  return lang == Lang::kZhCN ? pattern_zh_cn(id) : pattern_en(id);
}

std::string_view pattern_en(Id id) {
  switch (id) {
    case Id::kYamlSyntax:
      return "YAML syntax error: {0}. Fix the syntax at this position";
    case Id::kYamlUnknownKey:
      return "unknown key \"{0}\"; allowed here: {1}. Remove it or correct its spelling";
    case Id::kYamlMissingKey:
      return "missing required key \"{0}\". Add it";
    case Id::kYamlWrongType:
      return "expected {0}, got {1}. Correct the value";
    case Id::kYamlOutOfRange:
      return "value {0} is out of range [{1}, {2}]. Use a value in the range";
    case Id::kYamlBadValue:
      return "invalid value \"{0}\"; expected {1}";
    case Id::kYamlCannotOpen:
      return "cannot read the file ({0}). Check the path";
    case Id::kYamlDuplicate:
      return "duplicate {0}. Keep only one";
    case Id::kYamlSeveralDocuments:
      return "a second YAML document starts at line {0}; one document per file is read. Remove "
             "it (and its '---') or put it in a file of its own";
    case Id::kYamlNotText:
      return "this is not a text file ({0} at line {1}, column {2}); a YAML file is expected. "
             "Check that the path names the right file";
    case Id::kTextInvalidUtf8:
      return "byte 0x{0} that is not UTF-8";
    case Id::kTextControlChar:
      return "control character U+{0}";
    case Id::kUnknownModel:
      return "unknown model \"{0}\"; the profiles define: {1}. Correct the model name";
    case Id::kCircuitOutOfModel:
      return "circuit {0} does not exist on model {1} (circuits 1..{2}). Use a circuit in range";
    case Id::kNoProfiles:
      return "no profile (*.yaml) found in {0}. Point --profiles at the profiles directory";
    case Id::kCannotReadDir:
      return "cannot read the directory ({0}). Check the path";
    case Id::kAmountOverLimit:
      return "{0} of {1} yuan is more than one {0} may be (at most {2} yuan, the site file's "
             "max_amount); {3}";
    case Id::kCreditOverRegister:
      return "{0} of {1} yuan cannot be credited to meter {2}: {3}; nothing was written";
    case Id::kDebitNotPossible:
      return "{0} of {1} yuan cannot be taken off meter {2}, which holds the account's money: "
             "{3}; nothing was written";
    case Id::kBalanceOverRegister:
      return "{0} of {1} yuan would take meter {2}'s balance to {3} yuan (last read {4}, {5} "
             "still to be credited), past the {6} yuan its balance register holds; at most {7} "
             "yuan fits now, nothing was written";
    case Id::kTransferOverRegister:
      return "transfer of {0} yuan cannot be credited to meter {1}: its purchase_amount and "
             "balance registers take at most {2} yuan now; nothing was written";
    case Id::kCommandNotEncodable:
      return "{0} command for {1} refused: {2}; give a value the meter can hold, nothing was "
             "queued";
    case Id::kCloseAtZero:
      return "close of meter {0} refused: balance {1}: sell first, or use keep-power";
    case Id::kCloseAwaitingCredit:
      return "close of meter {0} refused: balance {1}, and a credit of {2} yuan is still being "
             "delivered: close after it is confirmed, or use keep-power";
    case Id::kCloseRelayHeldAtZero:
      return "meter {0} keeps its relay open at balance {1}: sell first, or use keep-power";
    case Id::kOnMeterUnknown:
      return "not known yet (no download read back): {0}";
    case Id::kOnMeterDiffers:
      return "DIFFERS from the stored values: {0}";
    case Id::kSettingsDownloadQueued:
      return "a download is queued (command {0}); see command status";
    case Id::kSettingsDownloadMissing:
      return "nothing is queued; send the stored values with {0}";
    case Id::kNoTariffInForce:
      return "none assigned (the site price of the site file charges); assign one with prepaidctl "
             "tariff assign";
    case Id::kTariffTiered:
      return "tiered: the meter cannot apply it, so the system charges (host-side)";
    case Id::kRegisterEmptying:
      return "the ledger holds the money since {1} ({0}); the meter's balance register is being "
             "emptied: {2}";
    case Id::kRegisterEmptied:
      return "emptied: {0} yuan taken off at {1}; the ledger holds the account's money";
    case Id::kRegisterNotEmptied:
      return "NOT emptied: {0}";
    case Id::kLoginRefused:
      return "operator {0} is unknown or the password is wrong";
    case Id::kLoginLocked:
      return "operator {0} is locked until {1} after {2} failed logins in a row; wait, or ask an "
             "admin to set a new password";
    case Id::kLoginDisabled:
      return "operator {0} is disabled; ask an admin";
    case Id::kActorWithoutRole:
      return "{0} has no role: every action needs the role of a logged-in operator (prepaidctl "
             "login)";
    case Id::kSessionUnknown:
      return "the session is not known to this database; log in again with prepaidctl login";
    case Id::kSessionEnded:
      return "the session of operator {0} has ended ({1}); log in again with prepaidctl login";
    case Id::kNotLoggedIn:
      return "not logged in to {0}: run prepaidctl login, or give the password with "
             "--password-file FILE or the environment variable PHIL_PASSWORD";
    case Id::kSecretFileOpen:
      return "{0} may be read by others (mode {1}); {2}";
    case Id::kSecretFileOwner:
      return "{0} belongs to another user; it is not used. Log in again";
    case Id::kPasswordsDiffer:
      return "the two passwords differ; nothing was changed";
    case Id::kGeneratedPassword:
      return "password of {0} (shown once; keep it safe): {1}";
    case Id::kActionNeedsRole:
      return "{0} ({1}) may not {2}: that needs the role {3}; ask an operator who has it";
    case Id::kRegisterFilling:
      return "going back to meter-side billing since {1} ({0}): the ledger's money is being put "
             "onto the meter ({3} yuan so far): {2}";
    case Id::kRegisterFilled:
      return "meter-side again: {0} yuan put onto the meter at {1}; it holds the account's money";
    case Id::kRegisterNotFilled:
      return "still host-side, the way back stopped: {0}";
    case Id::kPricesUnknown:
      return "not known yet (no price download read back); send it with prepaidctl command price";
    case Id::kPricesDiffer:
      return "DIFFERS from the stored tariff: the meter deducts at other prices; send the stored "
             "ones with prepaidctl command price";
    case Id::kPriceIsOwnTariff:
      return "meter {0} is charged by these prices from the meter's read-back on: its own tariff "
             "is now {1} (prepaidctl tariff list)";
    case Id::kSwapActionRequired:
      return "ACTION REQUIRED: a new device was found on site ({0}); {1}: {2}";
    case Id::kSwapMovesBalance:
      return "the old device's last balance {0} yuan is to be credited onto it";
    case Id::kSwapMovesNothing:
      return "no money is on the meter to move; acknowledge it";
    case Id::kBoxBillingStopped:
      return "box {0} is not the box the site file expects (since {1}): {2}; BILLING STOPPED "
             "(no charges, no credits or debits delivered) until confirmed: prepaidctl box "
             "confirm {0}";
    case Id::kBoxConfirmed:
      return "box {0} confirmed as it reports itself (model code {1}, {2} circuits); billing of "
             "its meters goes on";
    case Id::kBadTimeArg:
      return "{0} \"{1}\" is not a time with its offset; write e.g. 2026-04-01T00:00:00+08:00";
    case Id::kBoardMeter:
      return "meter";
    case Id::kBoardRoom:
      return "room";
    case Id::kBoardAccount:
      return "account";
    case Id::kBoardTenant:
      return "tenant";
    case Id::kBoardStatus:
      return "status";
    case Id::kBoardBalance:
      return "balance";
    case Id::kBoardRelay:
      return "relay";
    case Id::kBoardMode:
      return "mode";
    case Id::kBoardReadAt:
      return "last reading";
    case Id::kBoardAge:
      return "age";
    case Id::kBoardAction:
      return "action required";
    case Id::kBoardBuilding:
      return "building {0}";
    case Id::kBoardNoBuilding:
      return "no building";
    case Id::kBoardFloor:
      return "floor {0}";
    case Id::kBoardNoFloor:
      return "no floor";
    case Id::kBoardBox:
      return "box {0}";
    case Id::kStatusNormal:
      return "normal";
    case Id::kStatusAlarm1:
      return "alarm 1";
    case Id::kStatusAlarm2:
      return "alarm 2";
    case Id::kStatusArrears:
      return "arrears";
    case Id::kStatusNotOpened:
      return "not opened";
    case Id::kStatusOffline:
      return "offline";
    case Id::kRelayClosed:
      return "closed";
    case Id::kRelayOpen:
      return "open";
    case Id::kModePrepaid:
      return "prepaid";
    case Id::kModeKeepPower:
      return "keep power";
    case Id::kModeForcedOff:
      return "forced off";
    case Id::kModeUnknown:
      return "unknown";
    case Id::kNeverRead:
      return "never read";
    case Id::kAgeMinutes:
      return "{0} min";
    case Id::kAgeHours:
      return "{0} h {1} min";
    case Id::kAgeDays:
      return "{0} d {1} h";
    case Id::kBoardLegend:
      return "legend: {0}";
    case Id::kBoardCounts:
      return "{0} meters: {1}";
    case Id::kBoardEmpty:
      return "no meter matches";
    case Id::kActionMeterSwapped:
      return "meter swapped on site: {0}";
    case Id::kActionBoxStopped:
      return "box billing stopped: {0}";
    case Id::kActionBalanceMismatch:
      return "balance mismatch {0} yuan: check the account";
    case Id::kAlarmKindAlarm1:
      return "balance alarm 1";
    case Id::kAlarmKindAlarm2:
      return "balance alarm 2";
    case Id::kAlarmKindArrears:
      return "arrears";
    case Id::kAlarmKindOverloadTrip:
      return "overload trip";
    case Id::kAlarmKindMeterOffline:
      return "meter offline";
    case Id::kAlarmKindBoxOffline:
      return "box offline";
    case Id::kAlarmKindBusOffline:
      return "comm manager offline";
    case Id::kAlarmKindRelayMismatch:
      return "relay mismatch";
    case Id::kAlarmKindBalanceMismatch:
      return "balance mismatch";
    case Id::kAlarmKindClockDrift:
      return "clock drift";
    case Id::kAlarmKindMeterSwapped:
      return "meter swapped";
    case Id::kAlarmKindCommandFailed:
      return "command failed";
    case Id::kAlarmKindStatusBits:
      return "device status disagrees";
    case Id::kAlarmId:
      return "id";
    case Id::kAlarmKind:
      return "kind";
    case Id::kAlarmTarget:
      return "target";
    case Id::kAlarmRaised:
      return "raised";
    case Id::kAlarmCleared:
      return "cleared";
    case Id::kAlarmAcked:
      return "acknowledged";
    case Id::kAlarmActive:
      return "active";
    case Id::kAlarmAccount:
      return "account {0}";
    case Id::kAlarmNone:
      return "no alarm matches";
    case Id::kAlarmCounts:
      return "{0} alarm(s), {1} active";
    case Id::kAlarmAckedBy:
      return "alarm {0} ({1}, {2}) acknowledged by {3} at {4}";
    case Id::kAlarmUnknown:
      return "no alarm {0}; see the ids with prepaidctl alarm list";
    case Id::kAlarmAckedAlready:
      return "alarm {0} was acknowledged already by {1} at {2}; nothing changed";
    case Id::kAlarmBadKind:
      return "--kind \"{0}\" is not an alarm kind; give one of: {1}";
    case Id::kAlarmBadTarget:
      return "--meter \"{0}\" is not a meter, box or bus; give BUS/BOX/CIRCUIT (e.g. bus1/3/12), "
             "BUS/BOX or BUS";
    case Id::kAlarmBadId:
      return "alarm id \"{0}\" is not a number; see the ids with prepaidctl alarm list";
    case Id::kOfflineWent:
      return "went offline";
    case Id::kOfflineBack:
      return "back";
    case Id::kOfflineFor:
      return "for";
    case Id::kOfflineStill:
      return "still offline";
    case Id::kOfflineTotal:
      return "{0} ({1}): offline {2} time(s), {3} in all";
    case Id::kOfflineNone:
      return "nothing was offline in the period";
    case Id::kOfflinePeriod:
      return "offline from {0} to {1}";
    case Id::kOfflineBadPeriod:
      return "the period from {0} to {1} is empty: --from must be before --to";
    case Id::kScenarioPassed:
      return "PASS";
    case Id::kScenarioFailed:
      return "FAIL";
    case Id::kReportWritten:
      return "report: {0}";
    case Id::kReportEmptyPeriod:
      return "the report's period is empty: --from {0} is not before --to {1}; give a --from "
             "before the --to";
    case Id::kShiftOtherCashier:
      return "{0} may see only their own shift report, not {1}'s; ask a manager or an auditor for "
             "another cashier's";
    case Id::kReportNoAccount:
      return "account {0} does not exist; check the id";
    case Id::kBadReportChoice:
      return "{0} \"{1}\" is not one of {2}; give one of them";
    case Id::kRollupsRebuilt:
      return "report roll-ups rebuilt from {0} readings and {1} charges";
    case Id::kXlsxFailed:
      return "cannot write the workbook {0}: {1}; check the folder exists and is writable";
    case Id::kReportSales:
      return "Sales";
    case Id::kReportShift:
      return "Shift report of {0}";
    case Id::kReportEnergy:
      return "Energy by {0}";
    case Id::kReportReadings:
      return "Readings export";
    case Id::kReportAlarms:
      return "Alarms";
    case Id::kReportOffline:
      return "Offline meters and comm managers";
    case Id::kColOfflineMinutes:
      return "offline (min)";
    case Id::kReportStatement:
      return "Statement of account {0}";
    case Id::kReportStatementUse:
      return "Daily use of account {0}";
    case Id::kReportDaily:
      return "Daily report {0}";
    case Id::kReportPeriod:
      return "period: {0} to {1}";
    case Id::kReportAsOf:
      return "state as of {0}";
    case Id::kReportMadeAt:
      return "made at: {0}";
    case Id::kReportTotal:
      return "total";
    case Id::kColPeriod:
      return "period";
    case Id::kColCashier:
      return "cashier";
    case Id::kColSale:
      return "sales";
    case Id::kColRefund:
      return "refunds";
    case Id::kColReversal:
      return "reversals";
    case Id::kColPending:
      return "pending";
    case Id::kColNet:
      return "net";
    case Id::kColCount:
      return "entries";
    case Id::kColGroup:
      return "group";
    case Id::kColSharp:
      return "sharp";
    case Id::kColPeak:
      return "peak";
    case Id::kColFlat:
      return "flat";
    case Id::kColValley:
      return "valley";
    case Id::kColEnergy:
      return "energy";
    case Id::kColCharge:
      return "charges";
    case Id::kColTime:
      return "time";
    case Id::kColEntry:
      return "entry";
    case Id::kColKind:
      return "kind";
    case Id::kColAmount:
      return "amount";
    case Id::kColBalanceAfter:
      return "balance after";
    case Id::kColOperator:
      return "operator";
    case Id::kColEnergyRegister:
      return "energy register";
    case Id::kColItem:
      return "item";
    case Id::kColValue:
      return "value";
    case Id::kDailySales:
      return "sales";
    case Id::kDailyRefunds:
      return "refunds";
    case Id::kDailyReversals:
      return "reversals";
    case Id::kDailyPending:
      return "pending debits";
    case Id::kDailyEnergy:
      return "energy used";
    case Id::kDailyCharges:
      return "energy charged";
    case Id::kDailyLogSeq:
      return "system log head: sequence";
    case Id::kDailyLogHash:
      return "system log head: hash";
    case Id::kGroupMeter:
      return "meter";
    case Id::kGroupAccount:
      return "account";
    case Id::kGroupFloor:
      return "floor";
    case Id::kGroupBuilding:
      return "building";
    case Id::kGroupSite:
      return "site";
    case Id::kBatchPreview:
      return "{0} ({1}) for {2} meters; the checks refuse {3} of them";
    case Id::kBatchMore:
      return "... and {0} more";
    case Id::kBatchConfirm:
      return "Send {0} to {1} meters? Type yes to send: ";
    case Id::kBatchNotConfirmed:
      return "not sent: not confirmed (type yes at the question, or give --yes in a script; "
             "--dry-run only shows the preview)";
    case Id::kBatchNothingToSend:
      return "not sent: the checks refuse every meter of the selection";
    case Id::kBatchSent:
      return "batch #{0}: {1} queued for {2} meters, {3} refused; follow it with: prepaidctl "
             "command status --batch {0}";
    case Id::kBatchProgress:
      return "batch #{0}: {1} meters: {2} confirmed, {3} pending, {4} failed, {5} superseded, {6} "
             "refused";
    case Id::kBatchDone:
      return "done";
    case Id::kBatchRunning:
      return "in progress";
    case Id::kBatchNone:
      return "no batch was sent yet";
    case Id::kBatchSelectionAll:
      return "every meter";
    case Id::kBatchSelectionFile:
      return "meters file {0}";
    case Id::kReportBatch:
      return "Batch #{0}: {1} ({2})";
    case Id::kReportBatchPlan:
      return "Batch preview: {0} ({1})";
    case Id::kReportBatches:
      return "Batch commands";
    case Id::kColBatch:
      return "batch";
    case Id::kColCommand:
      return "command";
    case Id::kColState:
      return "state";
    case Id::kColAttempts:
      return "attempts";
    case Id::kColResult:
      return "result";
    case Id::kColUpdated:
      return "updated";
    case Id::kColSelection:
      return "selection";
    case Id::kColMembers:
      return "meters";
    case Id::kColConfirmed:
      return "confirmed";
    case Id::kColOpen:
      return "pending";
    case Id::kColFailed:
      return "failed";
    case Id::kColRefused:
      return "refused";
    case Id::kCommandPending:
      return "pending";
    case Id::kCommandInFlight:
      return "in flight";
    case Id::kCommandConfirmed:
      return "confirmed";
    case Id::kCommandFailed:
      return "failed";
    case Id::kCommandSuperseded:
      return "superseded";
    case Id::kCommandRefused:
      return "refused";
    case Id::kCommandTrip:
      return "trip";
    case Id::kCommandClose:
      return "close";
    case Id::kCommandKeepPower:
      return "keep power";
    case Id::kCommandRestorePrepaid:
      return "restore prepaid";
    case Id::kCommandThresholds:
      return "thresholds";
    case Id::kCommandPrice:
      return "price";
    case Id::kSmsAlarm1:
      return "{0}, room {1}: your electricity balance is {2} yuan, at or below {3} yuan. Please "
             "top up soon. ({8})";
    case Id::kSmsAlarm2:
      return "{0}, room {1}: your electricity balance is only {2} yuan (below {3} yuan). Power "
             "will be cut at zero; please top up now. ({8})";
    case Id::kSmsArrears:
      return "{0}, room {1}: your electricity balance is {2} yuan and the power is cut. Top up to "
             "restore it. ({8})";
    case Id::kSmsRestore:
      return "{0}, room {1}: thank you, your balance is {2} yuan and the power is back on. ({8})";
    case Id::kSmsOffice:
      return "Alarm: {6} at {7} ({8}). Please check: prepaidctl alarm list --active";
    case Id::kSmsNoPhone:
      return "account {0} has no phone; add one with prepaidctl account edit";
    case Id::kSmsToldAlready:
      return "the tenant of account {0} was told already (another meter of the account)";
    case Id::kSmsDailyLimit:
      return "{0} had its {1} messages today (the site's daily_limit)";
    case Id::kSmsExpired:
      return "not sent within {0}: {1}";
    case Id::kSmsBalanceUnknown:
      return "unknown";
    case Id::kReportSms:
      return "SMS";
    case Id::kColAccount:
      return "account";
    case Id::kColPhone:
      return "phone";
    case Id::kColSentAt:
      return "sent at";
    case Id::kColMessage:
      return "message";
    case Id::kColReason:
      return "why";
    case Id::kNoticeRestore:
      return "power restored";
    case Id::kNoticeOffice:
      return "office alarm";
    case Id::kNoticePending:
      return "pending";
    case Id::kNoticeSent:
      return "sent";
    case Id::kNoticeSkipped:
      return "skipped";
    case Id::kNoticeExpired:
      return "expired";
    case Id::kEnergyMeterNotCommanded:
      return "{0} command for {1} refused: it is an energy meter (model {2}), read for energy "
             "reports only and never commanded; nothing was queued";
    case Id::kEnergyMeterNotBilled:
      return "{0} refused: meter {1} is an energy meter (model {2}), read for energy reports only "
             "and never billed; leave it out of accounts, nothing was written";
    case Id::kBoardEnergyMeter:
      return "energy meter";
    case Id::kApiNoRoute:
      return "no such endpoint: {0} {1}; the endpoints are listed at /api/openapi.json";
    case Id::kApiWrongMethod:
      return "{0} does not take {1}; it takes {2}";
    case Id::kApiBadTarget:
      return "the request target is not a valid path: use percent escapes of UTF-8, without "
             "control characters";
    case Id::kApiBadJson:
      return "the body is not a JSON object: {0}; send Content-Type: application/json with an "
             "object";
    case Id::kApiMissingField:
      return "{0} is required";
    case Id::kApiWrongType:
      return "{0} must be {1}";
    case Id::kApiUnknownField:
      return "{0} is not a field of this request; it takes {1}";
    case Id::kApiUnknownParam:
      return "{0} is not a parameter of {1}; it takes {2}";
    case Id::kApiBadNumber:
      return "{0} \"{1}\" is not a whole number from {2} to {3}";
    case Id::kApiUnauthenticated:
      return "log in first: send the session's token as the header Authorization: Bearer TOKEN";
    case Id::kApiSessionEnded:
      return "the session has ended (expired, idle or logged out): log in again";
    case Id::kApiTooManyLogins:
      return "too many login attempts from this address: wait {0} s and try again";
    case Id::kApiOriginRefused:
      return "requests from pages at {0} are not allowed; the administrator may add it to "
             "allowed_origins";
    case Id::kApiBodyTooLarge:
      return "the request body is larger than {0} bytes";
    case Id::kApiHeaderTooLarge:
      return "the request line and header fields are larger than {0} bytes";
    case Id::kApiTooManyStreams:
      return "{0} live feeds are open, the most this server takes; close one (another console "
             "or tab) or raise limits.max_streams in the API configuration";
    case Id::kApiTimeout:
      return "the whole request did not arrive within {0} s";
    case Id::kApiBadHttp:
      return "the request is not valid HTTP/1.1: {0}";
    case Id::kApiInternal:
      return "the server could not answer this request; its log has the details under {0}";
    case Id::kApiTlsRequired:
      return "this server answers over HTTPS only";
    case Id::kApiTypeString:
      return "a string";
    case Id::kApiTypeYuan:
      return "an amount in yuan as a string with at most 2 decimals, such as \"12.30\"";
    case Id::kApiTypeInteger:
      return "a whole number";
    case Id::kApiTypeBoolean:
      return "true or false";
    case Id::kApiTypeStrings:
      return "an array of strings";
    case Id::kApiGivenTwice:
      return "{0} is given more than once; give it once";
    case Id::kApiBadMeterPath:
      return "{0}/{1}/{2} is not a meter id; write bus/box/circuit, e.g. bus1/4/1";
    case Id::kApiBadTime:
      return "{0} \"{1}\" is not a time; write ISO 8601 with the offset, e.g. "
             "2026-03-01T08:00:00+08:00";
    case Id::kApiBadChoice:
      return "{0} \"{1}\" is not one of {2}";
    case Id::kApiTypeObject:
      return "a JSON object";
    case Id::kTenantLoginRefused:
      return "account {0} is unknown, has no tenant password yet, or the password is wrong; the "
             "property office sets one";
    case Id::kTenantLoginLocked:
      return "account {0} is locked until {1} after {2} failed logins in a row; wait, or ask the "
             "property office for a new password";
    case Id::kTenantSessionEnded:
      return "your session has ended; log in again";
    case Id::kEnd:
      break;
  }
  return "?";
}

LanguageScope::LanguageScope(Lang lang) : previous_(t_language) {
  t_language = lang;
}

LanguageScope::~LanguageScope() {
  t_language = previous_;
}

}  // namespace phil::text
