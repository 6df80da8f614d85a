#pragma once
// The notifier (issue 14 item 4, 报警短信): turns the alarms' events into notices and sends them.
//
// Each pass (run_iterate) first writes the notices of the events the alarms left (the store's
// Notifications role: consumed in the transaction that writes them, so an occurrence gives its
// notices once whatever restarts), texts made from the templates in the notice's language with
// the tenant, room, balance and threshold filled in; then sends the pending notices that are due
// through the gateway, one at a time: sent, held to the end of quiet hours, skipped at the
// phone's daily limit, retried with backoff after a failure, expired when too old. The clock is
// injected and the caller steps the passes (the collector's notifier thread, the bench).
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <phil/common/text.hpp>
#include <phil/common/time.hpp>
#include <phil/domain/clock.hpp>
#include <phil/domain/notices.hpp>
#include <phil/notify/gateway.hpp>
#include <phil/store/notices.hpp>

namespace phil::yaml {
class Node;
}

namespace phil::service {

/// The site file's `notifications:` block.
struct NotifyConfig {
  notify::GatewaySpec gateway;
  domain::NoticePolicy policy;              ///< its utc_offset is the site's
  text::Lang language = text::Lang::kZhCN;  ///< tenants' notices and office ones by default
  /// Templates replacing the catalogue's, per kind and language, as positional patterns
  /// (domain::positional_template of the site file's named ones).
  std::map<domain::NoticeKind, std::map<text::Lang, std::string>> templates;
};

/// Parses the `notifications:` node strictly (unknown keys are errors; a template naming an
/// unknown field is one). Relative paths (file gateway, ca_file, token_file, a command's
/// program) are the site file's neighbours. `gateway` is required unless `gateway_optional`
/// (the bench's scenarios), where its absence leaves a file gateway without a path for the
/// caller to fill. Throws yaml::ConfigError.
NotifyConfig parse_notifications(const yaml::Node& node, std::chrono::minutes utc_offset,
                                 bool gateway_optional = false);

/// What one pass did.
struct NotifyPass {
  std::size_t written = 0;  ///< notices written from events (pending or skipped)
  std::size_t sent = 0;
  std::size_t failed = 0;   ///< tries that failed (the notice waits for its retry)
  std::size_t held = 0;     ///< quiet hours
  std::size_t skipped = 0;  ///< daily limit
  std::size_t expired = 0;
};

class Notifier {
 public:
  /// Without a config the notifier only consumes the alarms' events (nobody is told). `store`,
  /// `clock` and `gateway` must outlive the notifier; `gateway` may be null without a config.
  Notifier(store::Notifications& store, const domain::Clock& clock,
           std::optional<NotifyConfig> config, notify::Gateway* gateway);

  /// Writes the waiting events' notices, then sends what is due (at most `max_sends`). Throws
  /// store::StoreError on a database failure (nothing half-written: the events stay).
  NotifyPass run_iterate(std::size_t max_sends = 50);
  /// When a pending notice is next due (nullopt: none).
  std::optional<TimePoint> next_due() const;

  /// The text of a notice of `kind` for `event` in `lang` (the site's template or the
  /// catalogue's): what run_iterate writes.
  std::string render(domain::NoticeKind kind, const domain::NoticeEvent& event,
                     text::Lang lang) const;

 private:
  std::size_t write_events();
  void send_due(std::size_t max_sends, NotifyPass& pass);

  store::Notifications& store_;
  const domain::Clock& clock_;
  std::optional<NotifyConfig> config_;
  notify::Gateway* gateway_;
};

/// The text layer's id of an alarm kind's name ("balance alarm 1", "报警1").
text::Id alarm_kind_text(domain::AlarmKind kind);

}  // namespace phil::service
