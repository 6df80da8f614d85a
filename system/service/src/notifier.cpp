// The notifier (notifier.hpp) and the site file's `notifications:` block.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include <phil/common/decimal.hpp>
#include <phil/common/yaml.hpp>
#include <phil/service/notifier.hpp>

namespace phil::service {

namespace {

using domain::NoticeKind;

/// "HH:MM" as minutes after midnight.
int parse_clock_time(const yaml::Node& n) {
  const auto t = n.as_string();
  const auto digit = [&](std::size_t i) { return t[i] >= '0' && t[i] <= '9'; };
  if (t.size() != 5 || t[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) {
    n.fail("\"" + t + "\" is not a time of day HH:MM; e.g. 22:00");
  }
  const int h = (t[0] - '0') * 10 + (t[1] - '0');
  const int m = (t[3] - '0') * 10 + (t[4] - '0');
  if (h > 23 || m > 59) n.fail(t + " is not a time of day (00:00 .. 23:59)");
  return h * 60 + m;
}

text::Lang parse_language(const yaml::Node& n) {
  return text::parse_lang(n.as_choice({"zh_CN", "en"})).value();
}

/// A path the site file names, relative to its folder.
std::string neighbour(const yaml::Node& n) {
  std::filesystem::path p = n.as_string();
  if (p.empty()) n.fail("the path is empty; give a file name");
  if (p.is_relative()) p = std::filesystem::path(n.mark().file).parent_path() / p;
  return p.lexically_normal().string();
}

std::set<domain::AlarmKind> parse_alarm_kinds(const yaml::Node& n) {
  std::set<domain::AlarmKind> kinds;
  for (const auto& e : n.elements()) {
    const auto k = domain::parse_alarm_kind(e.as_string());
    if (!k) {
      std::string known;
      for (std::size_t i = 0; i < domain::kAlarmKindCount; ++i) {
        known += (known.empty() ? "" : ", ") +
                 std::string(domain::to_string(static_cast<domain::AlarmKind>(i)));
      }
      e.fail("unknown alarm kind \"" + e.as_string() + "\"; known: " + known);
    }
    kinds.insert(*k);
  }
  return kinds;
}

notify::GatewaySpec parse_gateway(const yaml::Node& node) {
  yaml::Map m(node);
  notify::GatewaySpec g;
  const auto kind = m.required("kind").as_choice({"http", "command", "file"});
  if (kind == "http") {
    g.kind = notify::GatewaySpec::Kind::kHttp;
    const auto url = m.required("url");
    g.url = url.as_string();
    if (!notify::parse_url(g.url)) {
      url.fail("\"" + g.url + "\" is not http(s)://HOST[:PORT][/PATH]; e.g. " +
               "https://sms.example.com/v1/send");
    }
    if (auto n = m.optional("token_header")) g.token_header = n->as_string();
    const auto token = m.optional("token");
    const auto token_file = m.optional("token_file");
    if (token && token_file) token_file->fail("give token or token_file, not both");
    if (token) g.token = token->as_string();
    if (token_file) {
      const auto path = neighbour(*token_file);
      std::ifstream in(path);
      if (!in) token_file->fail("cannot read " + path + "; check the path and its permissions");
      std::getline(in, g.token);
      while (!g.token.empty() && (g.token.back() == '\r' || g.token.back() == ' ')) {
        g.token.pop_back();
      }
    }
    if (auto n = m.optional("ca_file")) g.ca_file = neighbour(*n);
  } else if (kind == "command") {
    g.kind = notify::GatewaySpec::Kind::kCommand;
    const auto cmd = m.required("command");
    for (const auto& e : cmd.elements())
      g.argv.push_back(e.as_string());
    if (g.argv.empty()) cmd.fail("the command is empty; give [program, args...]");
    if (std::filesystem::path(g.argv.front()).is_relative()) {
      g.argv.front() = (std::filesystem::path(cmd.mark().file).parent_path() / g.argv.front())
                           .lexically_normal()
                           .string();
    }
  } else {
    g.kind = notify::GatewaySpec::Kind::kFile;
    g.path = neighbour(m.required("path"));
  }
  if (auto n = m.optional("timeout")) g.timeout = n->as_duration(Millis(100), Millis(120'000));
  m.finish();
  return g;
}

/// The catalogue's template of a kind.
text::Id template_id(NoticeKind kind) {
  switch (kind) {
    case NoticeKind::kAlarm1:
      return text::Id::kSmsAlarm1;
    case NoticeKind::kAlarm2:
      return text::Id::kSmsAlarm2;
    case NoticeKind::kArrears:
      return text::Id::kSmsArrears;
    case NoticeKind::kRestore:
      return text::Id::kSmsRestore;
    case NoticeKind::kOffice:
      return text::Id::kSmsOffice;
  }
  return text::Id::kSmsOffice;
}

std::string local_minute(TimePoint t, std::chrono::minutes offset) {
  // "2026-03-01T08:30:00+08:00" -> "2026-03-01 08:30"
  auto s = format_timestamp(t, offset);
  return s.substr(0, 10) + " " + s.substr(11, 5);
}

}  // namespace

NotifyConfig parse_notifications(const yaml::Node& node, std::chrono::minutes utc_offset,
                                 bool gateway_optional) {
  yaml::Map m(node);
  NotifyConfig c;
  c.policy.utc_offset = utc_offset;
  if (auto g = gateway_optional ? m.optional("gateway") : m.required("gateway")) {
    c.gateway = parse_gateway(*g);
  } else {
    c.gateway.kind = notify::GatewaySpec::Kind::kFile;
  }
  if (auto n = m.optional("language")) c.language = parse_language(*n);
  if (auto n = m.optional("tenant")) {
    c.policy.tenant_kinds = parse_alarm_kinds(*n);
    for (const auto k : c.policy.tenant_kinds) {
      if (k != domain::AlarmKind::kAlarm1 && k != domain::AlarmKind::kAlarm2 &&
          k != domain::AlarmKind::kArrears) {
        n->fail("a tenant is told of alarm1, alarm2 and arrears only, not " +
                std::string(domain::to_string(k)) + "; subscribe the office to it instead");
      }
    }
  }
  if (auto n = m.optional("restore")) c.policy.restore = n->as_bool();
  if (auto n = m.optional("quiet_hours")) {
    yaml::Map q(*n);
    domain::QuietHours h;
    h.from_minute = parse_clock_time(q.required("from"));
    h.to_minute = parse_clock_time(q.required("to"));
    q.finish();
    c.policy.quiet = h;
  }
  if (auto n = m.optional("daily_limit"))
    c.policy.daily_limit = static_cast<int>(n->as_int(0, 1000));
  if (auto n = m.optional("retry")) {
    yaml::Map r(*n);
    if (auto v = r.optional("first"))
      c.policy.retry_first = v->as_duration(Millis(1000), Millis(3'600'000));
    if (auto v = r.optional("max"))
      c.policy.retry_max = v->as_duration(Millis(1000), Millis(86'400'000));
    if (auto v = r.optional("give_up_after")) {
      c.policy.give_up_after = v->as_duration(Millis(60'000), Millis(7LL * 86'400'000));
    }
    r.finish();
    if (c.policy.retry_max < c.policy.retry_first) n->fail("retry.max is less than retry.first");
  }
  if (auto n = m.optional("office")) {
    for (const auto& e : n->elements()) {
      yaml::Map s(e);
      domain::Subscriber sub;
      sub.phone = s.required("phone").as_string();
      if (sub.phone.empty()) e.fail("the phone is empty");
      sub.kinds = parse_alarm_kinds(s.required("kinds"));
      if (auto l = s.optional("language"))
        sub.language = std::string(text::to_string(parse_language(*l)));
      s.finish();
      c.policy.office.push_back(std::move(sub));
    }
  }
  if (auto n = m.optional("templates")) {
    yaml::Map t(*n);
    for (const auto& key : n->keys()) {
      const auto node_of_kind = t.required(key);
      const auto kind = domain::parse_notice_kind(key);
      if (!kind) {
        node_of_kind.fail("unknown template \"" + key +
                          "\"; known: alarm1, alarm2, arrears, restore, office");
      }
      yaml::Map langs(node_of_kind);
      for (const auto& lang_key : node_of_kind.keys()) {
        const auto text_node = langs.required(lang_key);
        const auto lang = text::parse_lang(lang_key);
        if (!lang || (lang_key != "zh_CN" && lang_key != "en")) {
          text_node.fail("unknown language \"" + lang_key + "\"; give zh_CN or en");
        }
        auto pattern = domain::positional_template(text_node.as_string());
        if (!pattern) text_node.fail("template: " + pattern.error().message);
        c.templates[*kind][*lang] = std::move(*pattern);
      }
      langs.finish();
    }
    t.finish();
  }
  m.finish();
  return c;
}

text::Id alarm_kind_text(domain::AlarmKind kind) {
  using K = domain::AlarmKind;
  using text::Id;
  switch (kind) {
    case K::kAlarm1:
      return Id::kAlarmKindAlarm1;
    case K::kAlarm2:
      return Id::kAlarmKindAlarm2;
    case K::kArrears:
      return Id::kAlarmKindArrears;
    case K::kOverloadTrip:
      return Id::kAlarmKindOverloadTrip;
    case K::kMeterOffline:
      return Id::kAlarmKindMeterOffline;
    case K::kBoxOffline:
      return Id::kAlarmKindBoxOffline;
    case K::kBusOffline:
      return Id::kAlarmKindBusOffline;
    case K::kRelayMismatch:
      return Id::kAlarmKindRelayMismatch;
    case K::kBalanceMismatch:
      return Id::kAlarmKindBalanceMismatch;
    case K::kClockDrift:
      return Id::kAlarmKindClockDrift;
    case K::kMeterSwapped:
      return Id::kAlarmKindMeterSwapped;
    case K::kCommandFailed:
      return Id::kAlarmKindCommandFailed;
    case K::kStatusBitsMismatch:
      return Id::kAlarmKindStatusBits;
  }
  return Id::kAlarmKindCommandFailed;
}

Notifier::Notifier(store::Notifications& store, const domain::Clock& clock,
                   std::optional<NotifyConfig> config, notify::Gateway* gateway)
    : store_(store), clock_(clock), config_(std::move(config)), gateway_(gateway) {
  if (config_ && gateway_ == nullptr) {
    throw std::invalid_argument("a notifier with a configuration needs a gateway");
  }
}

std::string Notifier::render(NoticeKind kind, const domain::NoticeEvent& e, text::Lang lang) const {
  std::string_view pattern = text::pattern(template_id(kind), lang);
  if (config_) {
    if (const auto k = config_->templates.find(kind); k != config_->templates.end()) {
      if (const auto l = k->second.find(lang); l != k->second.end()) pattern = l->second;
    }
  }
  const auto yuan = [&](const std::optional<std::int64_t>& fen) {
    return fen ? format_decimal(*fen, 2) : text::format_in(lang, text::Id::kSmsBalanceUnknown);
  };
  const auto offset = config_ ? config_->policy.utc_offset : std::chrono::minutes(0);
  const auto target = e.key.target.to_string();
  const auto meter = e.key.target.meter() ? target : std::string();
  // An account with no room in the site model: the tenant knows it by its account number, and
  // "{1}房间" must not read "房间" alone.
  const auto& room = e.room.empty() ? e.account : e.room;
  // The order of domain::kNoticeFields.
  return fmt::vformat(
      pattern,
      fmt::make_format_args(e.tenant, room, yuan(e.balance_fen), yuan(e.threshold_fen), meter,
                            e.account, text::pattern(alarm_kind_text(e.key.kind), lang), target,
                            local_minute(e.at, offset)));
}

std::size_t Notifier::write_events() {
  std::size_t written = 0;
  // Bounded: a backlog (the daemon down for a day) is worked off over several passes.
  for (int round = 0; round < 20; ++round) {
    const auto events = store_.notice_events(200);
    if (events.empty()) break;
    std::vector<std::int64_t> ids;
    std::vector<store::NoticeWrite> writes;
    // Accounts told in this batch, per kind: the store's account_told sees only earlier ones.
    std::set<std::pair<std::string, NoticeKind>> told;
    for (const auto& e : events) {
      ids.push_back(e.id);
      if (!config_) continue;
      for (auto& d : domain::plan_notices(e, config_->policy)) {
        if (d.audience == domain::Audience::kTenant && !d.skip &&
            d.phase == domain::NoticePhase::kRaised && !told.insert({d.account, d.kind}).second) {
          d.skip = "told_already";
        }
        store::NoticeWrite w;
        const auto lang = d.language.empty()
                              ? config_->language
                              : text::parse_lang(d.language).value_or(config_->language);
        w.language = std::string(text::to_string(lang));
        w.text = render(d.kind, e, lang);
        if (d.skip == "no_phone") {
          w.reason = text::format(text::Id::kSmsNoPhone, d.account);
        } else if (d.skip) {
          w.reason = text::format(text::Id::kSmsToldAlready, d.account);
        }
        w.draft = std::move(d);
        writes.push_back(std::move(w));
      }
    }
    store_.write_notices(ids, writes, clock_.now());
    written += writes.size();
    if (events.size() < 200) break;
  }
  return written;
}

void Notifier::send_due(std::size_t max_sends, NotifyPass& pass) {
  const auto& policy = config_->policy;
  for (const auto& n : store_.due_notices(clock_.now(), max_sends)) {
    const auto now = clock_.now();
    const auto [day_from, day_to] = domain::local_day_span(now, policy.utc_offset);
    const auto d = domain::decide_send(now, n.created_at, n.audience,
                                       store_.sent_to(n.phone, day_from, day_to), policy);
    using V = domain::SendDecision::Verdict;
    switch (d.verdict) {
      case V::kHold:
        store_.notice_later(n.id, d.until, n.tries, "");
        ++pass.held;
        continue;
      case V::kLimit:
        store_.notice_closed(n.id, domain::NoticeState::kSkipped,
                             text::format(text::Id::kSmsDailyLimit, n.phone, policy.daily_limit),
                             now);
        ++pass.skipped;
        continue;
      case V::kExpire:
        store_.notice_closed(n.id, domain::NoticeState::kExpired,
                             text::format(text::Id::kSmsExpired,
                                          format_duration(policy.give_up_after), n.last_error),
                             now);
        spdlog::warn("notice {} to {} expired unsent: {}", n.id, n.phone, n.last_error);
        ++pass.expired;
        continue;
      case V::kSend:
        break;
    }
    const notify::Sms sms{std::to_string(n.id), n.phone, n.text,
                          std::string(domain::to_string(n.kind))};
    const auto result = gateway_->send(sms);
    const int tries = n.tries + 1;
    if (result) {
      store_.notice_sent(n.id, clock_.now(), tries);
      ++pass.sent;
    } else {
      const auto& err = result.error().message;
      const auto next = domain::next_try(clock_.now(), tries, policy);
      store_.notice_later(n.id, next, tries, err);
      spdlog::warn("notice {} to {}: try {} failed: {}; next try at {}", n.id, n.phone, tries, err,
                   format_timestamp(next, policy.utc_offset));
      ++pass.failed;
    }
  }
}

NotifyPass Notifier::run_iterate(std::size_t max_sends) {
  NotifyPass pass;
  pass.written = write_events();
  if (config_) send_due(max_sends, pass);
  return pass;
}

std::optional<TimePoint> Notifier::next_due() const {
  if (!config_) return std::nullopt;
  return store_.next_notice_due();
}

}  // namespace phil::service
