#include <optional>
#include <utility>

#include <phil/common/decimal.hpp>
#include <phil/common/utf8.hpp>
#include <phil/domain/daily_periods.hpp>
#include <phil/views/command_fields.hpp>

namespace phil::views {

namespace {

using Parsed = phil::Expected<domain::CommandPayload, std::string>;

/// A non-negative decimal with at most `places` places, else the message.
phil::Expected<std::int64_t, std::string> decimal(const std::string& text, int places,
                                                  const std::string& what, const char* example) {
  const auto v = parse_decimal(text, places);
  if (!v || *v < 0) {
    return what + " \"" + utf8::escaped(text) + "\" is not a non-negative decimal with at most " +
           std::to_string(places) + " places (e.g. " + example + ")";
  }
  return *v;
}

}  // namespace

bool box_command(std::string_view verb) {
  return verb == "tou" || verb == "clock";
}

Parsed parse_command(const CommandFields& f, std::string_view prefix) {
  const std::string pre(prefix);
  domain::CommandPayload payload;
  const auto& v = f.verb;
  if (v == "trip") {
    payload = domain::ModePayload{domain::RelayCommand::kForcedOff};
  } else if (v == "close") {
    payload = domain::ModePayload{domain::RelayCommand::kClose};
  } else if (v == "keep-power") {
    payload = domain::ModePayload{domain::RelayCommand::kKeepPower};
  } else if (v == "restore-prepaid") {
    payload = domain::ModePayload{domain::RelayCommand::kPrepaid};
  } else if (v == "thresholds") {
    const auto a1 = decimal(f.alarm1, 2, pre + "alarm1", "20.00");
    if (!a1) return a1.error();
    const auto a2 = decimal(f.alarm2, 2, pre + "alarm2", "5.00");
    if (!a2) return a2.error();
    payload = domain::ThresholdsPayload{*a1, *a2, f.overload_w};
  } else if (v == "price") {
    const auto flat = decimal(f.flat, 4, pre + "flat", "0.6000");
    if (!flat) return flat.error();
    domain::PricePayload p;
    p.prices.fill(*flat);
    const std::pair<const std::string*, std::size_t> others[] = {
        {&f.sharp, 0}, {&f.peak, 1}, {&f.valley, 3}};
    const char* names[] = {"sharp", "peak", "valley"};
    for (std::size_t i = 0; i < 3; ++i) {
      const auto& [text, index] = others[i];
      if (text->empty()) continue;
      const auto price = decimal(*text, 4, pre + names[i], "0.6000");
      if (!price) return price.error();
      p.prices[index] = *price;
    }
    payload = p;
  } else if (v == "tou") {
    auto p = domain::parse_daily_periods(f.periods);
    if (!p) return pre + "periods \"" + utf8::escaped(f.periods) + "\": " + p.error().message;
    payload = domain::TouSchedulePayload{std::move(p.value())};
  } else if (v == "clock") {
    payload = domain::ClockPayload{};
  } else {
    std::string verbs;
    for (const auto verb : kCommandVerbs)
      verbs.append(verbs.empty() ? "" : ", ").append(verb);
    return "\"" + utf8::escaped(v) + "\" is not a command; give one of " + verbs;
  }
  if (auto bad = domain::check_payload(payload)) return *bad;
  return payload;
}

}  // namespace phil::views
