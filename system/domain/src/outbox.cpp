#include <algorithm>
#include <charconv>
#include <map>

#include <phil/domain/daily_periods.hpp>
#include <phil/domain/money.hpp>
#include <phil/domain/outbox.hpp>

#include "enum_names.hpp"

namespace phil::domain {

namespace {

constexpr detail::NameTable<CommandKind, 7> kKindNames{{
    {CommandKind::kCredit, "credit"},
    {CommandKind::kPrice, "price"},
    {CommandKind::kThresholds, "thresholds"},
    {CommandKind::kMode, "mode"},
    {CommandKind::kTouSchedule, "tou_schedule"},
    {CommandKind::kClock, "clock"},
    {CommandKind::kDebit, "debit"},
}};

constexpr detail::NameTable<DebitPurpose, 4> kPurposeNames{{
    {DebitPurpose::kRefund, "refund"},
    {DebitPurpose::kReversal, "reversal"},
    {DebitPurpose::kClose, "close"},
    {DebitPurpose::kConvert, "convert"},
}};

constexpr detail::NameTable<RelayCommand, 4> kRelayNames{{
    {RelayCommand::kKeepPower, "keep_power"},
    {RelayCommand::kPrepaid, "prepaid"},
    {RelayCommand::kForcedOff, "forced_off"},
    {RelayCommand::kClose, "close"},
}};

Error invalid(std::string message) {
  return Error{ErrorKind::kInvalid, std::move(message)};
}

/// Splits "k1=v1 k2=v2" into a map; nullopt on a malformed or repeated pair.
std::optional<std::map<std::string, std::string, std::less<>>> split_pairs(std::string_view text) {
  std::map<std::string, std::string, std::less<>> out;
  while (!text.empty()) {
    const auto space = text.find(' ');
    const auto item = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    if (!out.emplace(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1))).second) {
      return std::nullopt;
    }
  }
  return out;
}

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  if (s.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

/// Reads integer fields `keys` (all required, no others) from `text` into `out`.
template <std::size_t N>
Result<void> read_ints(CommandKind k, std::string_view text,
                       const std::array<std::string_view, N>& keys,
                       const std::array<std::int64_t*, N>& out) {
  const std::string where =
      "outbox " + std::string(to_string(k)) + " payload \"" + std::string(text) + "\"";
  auto pairs = split_pairs(text);
  if (!pairs || pairs->size() != N) {
    return invalid(where + ": expected exactly the keys " + [&] {
      std::string all;
      for (auto key : keys)
        all += (all.empty() ? "" : ", ") + std::string(key);
      return all;
    }());
  }
  for (std::size_t i = 0; i < N; ++i) {
    auto it = pairs->find(keys[i]);
    if (it == pairs->end()) return invalid(where + ": missing " + std::string(keys[i]));
    auto v = to_int(it->second);
    if (!v) return invalid(where + ": " + std::string(keys[i]) + " is not an integer");
    *out[i] = *v;
  }
  return {};
}

std::string hhmm(int minute) {
  const int h = minute / 60;
  const int m = minute % 60;
  return std::string{static_cast<char>('0' + h / 10), static_cast<char>('0' + h % 10), ':',
                     static_cast<char>('0' + m / 10), static_cast<char>('0' + m % 10)};
}

/// Fen as yuan text with 2 decimals: 5000000000 -> "50000000.00" (for messages).
std::string yuan_text(std::int64_t fen) {
  const auto whole = fen / 100;
  const auto cents = (fen < 0 ? -fen : fen) % 100;
  return (fen < 0 && whole == 0 ? "-" : "") + std::to_string(whole) + "." +
         (cents < 10 ? "0" : "") + std::to_string(cents);
}

std::optional<int> parse_hhmm(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  auto h = to_int(s.substr(0, 2));
  auto m = to_int(s.substr(3, 2));
  if (!h || !m || *h < 0 || *h > 23 || *m < 0 || *m > 59) return std::nullopt;
  return static_cast<int>(*h * 60 + *m);
}

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

constexpr detail::NameTable<CommandState, 5> kStateNames{{
    {CommandState::kPending, "pending"},
    {CommandState::kInFlight, "in_flight"},
    {CommandState::kConfirmed, "confirmed"},
    {CommandState::kFailed, "failed"},
    {CommandState::kSuperseded, "superseded"},
}};

}  // namespace

std::string_view to_string(CommandKind k) {
  return detail::name_of(kKindNames, k);
}
std::optional<CommandKind> parse_command_kind(std::string_view s) {
  return detail::value_of(kKindNames, s);
}
std::string_view to_string(DebitPurpose p) {
  return detail::name_of(kPurposeNames, p);
}
std::optional<DebitPurpose> parse_debit_purpose(std::string_view s) {
  return detail::value_of(kPurposeNames, s);
}
std::string_view debit_state(CommandState s) {
  switch (s) {
    case CommandState::kPending:
    case CommandState::kInFlight:
      return "pending";
    case CommandState::kConfirmed:
      return "confirmed";
    case CommandState::kFailed:
    case CommandState::kSuperseded:
      break;
  }
  return "cancelled";
}
std::string_view to_string(CommandState s) {
  return detail::name_of(kStateNames, s);
}
std::optional<CommandState> parse_command_state(std::string_view s) {
  return detail::value_of(kStateNames, s);
}

bool is_terminal(CommandState s) {
  return s == CommandState::kConfirmed || s == CommandState::kFailed ||
         s == CommandState::kSuperseded;
}

bool is_box_level(CommandKind k) {
  return k == CommandKind::kTouSchedule || k == CommandKind::kClock;
}

int priority(CommandKind k) {
  switch (k) {
    case CommandKind::kMode:
      return 0;
    case CommandKind::kCredit:
    case CommandKind::kDebit:
      return 1;
    case CommandKind::kThresholds:
      return 2;
    case CommandKind::kPrice:
    case CommandKind::kTouSchedule:
      return 3;
    case CommandKind::kClock:
      return 4;
  }
  return 4;
}

bool supersedes(CommandKind k) {
  return k != CommandKind::kCredit && k != CommandKind::kDebit;
}

std::string_view to_string(RelayCommand c) {
  return detail::name_of(kRelayNames, c);
}
std::optional<RelayCommand> parse_relay_command(std::string_view s) {
  return detail::value_of(kRelayNames, s);
}

MeterMode target_mode(RelayCommand c) {
  switch (c) {
    case RelayCommand::kKeepPower:
      return MeterMode::kKeepPower;
    case RelayCommand::kForcedOff:
      return MeterMode::kForcedOff;
    case RelayCommand::kPrepaid:
    case RelayCommand::kClose:
      return MeterMode::kPrepaid;
  }
  return MeterMode::kUnknown;
}

bool mode_confirmed(RelayCommand c, MeterMode mode, bool relay_closed) {
  if (mode != target_mode(c)) return false;
  return c != RelayCommand::kClose || relay_closed;
}

CommandKind kind_of(const CommandPayload& p) {
  return std::visit(Overloaded{
                        [](const CreditPayload&) { return CommandKind::kCredit; },
                        [](const PricePayload&) { return CommandKind::kPrice; },
                        [](const ThresholdsPayload&) { return CommandKind::kThresholds; },
                        [](const ModePayload&) { return CommandKind::kMode; },
                        [](const TouSchedulePayload&) { return CommandKind::kTouSchedule; },
                        [](const ClockPayload&) { return CommandKind::kClock; },
                        [](const DebitPayload&) { return CommandKind::kDebit; },
                    },
                    p);
}

std::optional<std::string> check_payload(const CommandPayload& p) {
  return std::visit(
      Overloaded{
          [](const CreditPayload& c) -> std::optional<std::string> {
            if (c.amount_fen <= 0) {
              return "credit amount must be positive (got " + std::to_string(c.amount_fen) +
                     " fen)";
            }
            return std::nullopt;
          },
          [](const PricePayload& c) -> std::optional<std::string> {
            for (int i = 0; i < kTouRates; ++i) {
              const auto v = c.prices[static_cast<std::size_t>(i)];
              if (v < 0 || v > kMaxPrice) {
                return std::string(to_string(static_cast<TouRate>(i))) + " price " +
                       std::to_string(v) + " is outside 0.." + std::to_string(kMaxPrice) +
                       " (0.0001 yuan/kWh); enter a price such as 0.6000";
              }
            }
            return std::nullopt;
          },
          [](const ThresholdsPayload& c) -> std::optional<std::string> {
            if (c.alarm2_fen < 0 || c.alarm1_fen < c.alarm2_fen) {
              return "alarm thresholds must satisfy 0 <= alarm 2 <= alarm 1 (got alarm 1 " +
                     std::to_string(c.alarm1_fen) + " fen, alarm 2 " +
                     std::to_string(c.alarm2_fen) + " fen); alarm 2 is the lower, later warning";
            }
            // The ADF300 registers are u32 yuan x 100 and W. Each message names its own field.
            constexpr std::int64_t kU32 = 0xFFFF'FFFF;
            if (c.alarm1_fen > kU32) {
              return "alarm 1 of " + yuan_text(c.alarm1_fen) +
                     " yuan is more than the meter's register holds (at most " + yuan_text(kU32) +
                     " yuan)";
            }
            if (c.overload_w < 0 || c.overload_w > kU32) {
              return "overload threshold " + std::to_string(c.overload_w) +
                     " W is outside 0..4294967295 W (0: no overload protection)";
            }
            return std::nullopt;
          },
          [](const ModePayload&) -> std::optional<std::string> { return std::nullopt; },
          [](const TouSchedulePayload& c) { return check_daily_periods(c.periods); },
          [](const ClockPayload&) -> std::optional<std::string> { return std::nullopt; },
          [](const DebitPayload& c) -> std::optional<std::string> {
            if (c.amount_fen <= 0) {
              return "debit amount must be positive (got " + std::to_string(c.amount_fen) + " fen)";
            }
            if ((c.purpose == DebitPurpose::kReversal) != c.ref_seq.has_value() ||
                (c.ref_seq && *c.ref_seq <= 0)) {
              return std::string(
                  "a debit names the sale it reverses (ref_seq > 0) exactly when "
                  "its purpose is reversal");
            }
            return std::nullopt;
          },
      },
      p);
}

std::string encode_payload(const CommandPayload& p) {
  return std::visit(
      Overloaded{
          [](const CreditPayload& c) {
            return "amount_fen=" + std::to_string(c.amount_fen) +
                   (c.convert ? " purpose=convert" : "");
          },
          [](const PricePayload& c) {
            std::string out;
            for (int i = 0; i < kTouRates; ++i) {
              if (!out.empty()) out += ' ';
              out += std::string(to_string(static_cast<TouRate>(i))) + "=" +
                     std::to_string(c.prices[static_cast<std::size_t>(i)]);
            }
            return out;
          },
          [](const ThresholdsPayload& c) {
            return "alarm1_fen=" + std::to_string(c.alarm1_fen) +
                   " alarm2_fen=" + std::to_string(c.alarm2_fen) +
                   " overload_w=" + std::to_string(c.overload_w);
          },
          [](const ModePayload& c) { return "relay=" + std::string(to_string(c.relay)); },
          [](const TouSchedulePayload& c) {
            std::string out = "periods=";
            for (std::size_t i = 0; i < c.periods.size(); ++i) {
              if (i > 0) out += ',';
              out +=
                  hhmm(c.periods[i].start_minute) + "/" + std::string(to_string(c.periods[i].rate));
            }
            return out;
          },
          [](const ClockPayload&) { return std::string(); },
          [](const DebitPayload& c) {
            return "amount_fen=" + std::to_string(c.amount_fen) +
                   " purpose=" + std::string(to_string(c.purpose)) +
                   (c.ref_seq ? " ref_seq=" + std::to_string(*c.ref_seq) : "");
          },
      },
      p);
}

Result<CommandPayload> decode_payload(CommandKind k, std::string_view text) {
  const std::string where =
      "outbox " + std::string(to_string(k)) + " payload \"" + std::string(text) + "\"";
  CommandPayload out;
  switch (k) {
    case CommandKind::kCredit: {
      CreditPayload c;
      // A conversion's credit says so; a sale's carries the amount only.
      constexpr std::string_view kConvert = " purpose=convert";
      if (text.ends_with(kConvert)) {
        c.convert = true;
        text.remove_suffix(kConvert.size());
      }
      if (auto r = read_ints<1>(k, text, {"amount_fen"}, {&c.amount_fen}); !r) return r.error();
      out = c;
      break;
    }
    case CommandKind::kPrice: {
      PricePayload c;
      auto& v = c.prices;
      if (auto r = read_ints<4>(k, text, {"sharp", "peak", "flat", "valley"},
                                {&v[0], &v[1], &v[2], &v[3]});
          !r) {
        return r.error();
      }
      out = c;
      break;
    }
    case CommandKind::kThresholds: {
      ThresholdsPayload c;
      if (auto r = read_ints<3>(k, text, {"alarm1_fen", "alarm2_fen", "overload_w"},
                                {&c.alarm1_fen, &c.alarm2_fen, &c.overload_w});
          !r) {
        return r.error();
      }
      out = c;
      break;
    }
    case CommandKind::kMode: {
      auto pairs = split_pairs(text);
      if (!pairs || pairs->size() != 1 || !pairs->contains("relay")) {
        return invalid(where + ": expected relay=keep_power|prepaid|forced_off|close");
      }
      auto relay = parse_relay_command(pairs->at("relay"));
      if (!relay) return invalid(where + ": unknown relay command");
      out = ModePayload{*relay};
      break;
    }
    case CommandKind::kTouSchedule: {
      auto pairs = split_pairs(text);
      if (!pairs || pairs->size() != 1 || !pairs->contains("periods")) {
        return invalid(where + ": expected periods=HH:MM/rate,...");
      }
      auto periods = parse_daily_periods(pairs->at("periods"));
      if (!periods) return invalid(where + ": " + periods.error().message);
      out = TouSchedulePayload{std::move(periods.value())};
      break;
    }
    case CommandKind::kClock:
      if (!text.empty()) return invalid(where + ": a clock command carries no payload");
      out = ClockPayload{};
      break;
    case CommandKind::kDebit: {
      auto pairs = split_pairs(text);
      const std::size_t keys = pairs && pairs->contains("ref_seq") ? 3 : 2;
      if (!pairs || pairs->size() != keys || !pairs->contains("amount_fen") ||
          !pairs->contains("purpose")) {
        return invalid(where +
                       ": expected amount_fen=N purpose=refund|reversal|close|convert [ref_seq=N]");
      }
      DebitPayload c;
      const auto amount = to_int(pairs->at("amount_fen"));
      const auto purpose = parse_debit_purpose(pairs->at("purpose"));
      if (!amount || !purpose) return invalid(where + ": amount_fen or purpose is not valid");
      c.amount_fen = *amount;
      c.purpose = *purpose;
      if (keys == 3) {
        c.ref_seq = to_int(pairs->at("ref_seq"));
        if (!c.ref_seq) return invalid(where + ": ref_seq is not an integer");
      }
      out = c;
      break;
    }
  }
  if (auto problem = check_payload(out)) return invalid(where + ": " + *problem);
  return out;
}

Result<std::vector<DailyPeriod>> parse_daily_periods(std::string_view text) {
  std::vector<DailyPeriod> periods;
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto slash = item.find('/');
    const auto start = parse_hhmm(item.substr(0, slash));
    const auto rate =
        slash == std::string_view::npos ? std::nullopt : parse_tou_rate(item.substr(slash + 1));
    if (!start || !rate) {
      const auto row =
          "row " + std::to_string(periods.size() + 1) + " \"" + std::string(item) + "\"";
      if (slash == std::string_view::npos) {
        return invalid(row + " has no rate; write HH:MM/rate, e.g. 08:00/peak");
      }
      if (!start) {
        return invalid(row + ": \"" + std::string(item.substr(0, slash)) +
                       "\" is not a time of day HH:MM (00:00..23:59)");
      }
      return invalid(row + ": \"" + std::string(item.substr(slash + 1)) +
                     "\" is not a rate; use sharp, peak, flat or valley");
    }
    periods.push_back({*start, *rate});
  }
  if (auto problem = check_daily_periods(periods)) return invalid(*problem);
  return periods;
}

std::vector<std::size_t> sendable_heads(const std::vector<QueuedCommand>& open, TimePoint now,
                                        std::size_t limit) {
  // Head of each target: the smallest (priority, id).
  std::map<std::string_view, std::size_t> heads;
  auto key = [&](std::size_t i) { return std::pair(priority(open[i].kind), open[i].id); };
  for (std::size_t i = 0; i < open.size(); ++i) {
    auto [it, inserted] = heads.emplace(open[i].target, i);
    if (!inserted && key(i) < key(it->second)) it->second = i;
  }
  std::vector<std::size_t> out;
  for (const auto& [target, i] : heads) {
    if (open[i].next_attempt_at <= now) out.push_back(i);
  }
  std::sort(out.begin(), out.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  if (out.size() > limit) out.resize(limit);
  return out;
}

namespace {

/// decide_credit and decide_debit: one rule, each by its own count register.
CreditDecision decide_counted(std::optional<std::uint16_t> assigned, std::uint16_t meter_count,
                              std::string_view what, std::string_view count_register,
                              std::string_view what_to_do) {
  // The register wraps at 2^16; the arithmetic is done in 16 bits on purpose.
  if (!assigned) {
    return CreditDecision{
        CreditAction::kWrite, static_cast<std::uint16_t>(meter_count + 1U), true, {}};
  }
  if (meter_count == *assigned) return CreditDecision{CreditAction::kConfirm, *assigned, false, {}};
  if (static_cast<std::uint16_t>(meter_count + 1U) == *assigned) {
    return CreditDecision{CreditAction::kWrite, *assigned, false, {}};
  }
  return CreditDecision{CreditAction::kFail, *assigned, false,
                        std::string(count_register) + " conflict: " + std::string(what) +
                            " was assigned count " + std::to_string(*assigned) +
                            " but the meter reports " + std::to_string(meter_count) +
                            "; another party changed the meter. " + std::string(what_to_do)};
}

}  // namespace

CreditDecision decide_credit(std::optional<std::uint16_t> assigned, std::uint16_t meter_count) {
  return decide_counted(assigned, meter_count, "credit", "purchase_count",
                        "Check the meter's purchase history and re-issue the sale by hand if it "
                        "was not applied");
}

CreditDecision decide_debit(std::optional<std::uint16_t> assigned, std::uint16_t meter_count) {
  return decide_counted(assigned, meter_count, "debit", "debit_count",
                        "Check the meter's debit history and the balance; nothing was booked");
}

Millis retry_delay(int attempts) {
  constexpr Millis kFirst{5'000};
  constexpr Millis kMax{300'000};
  const int doublings = std::clamp(attempts - 1, 0, 16);
  return std::min(kMax, kFirst * (std::int64_t{1} << doublings));
}

}  // namespace phil::domain
