#pragma once
// What prepaidctl's views (account show, meter show) share: how they print times, optional text
// and commands, and how they look a meter up. Private to the app.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <phil/common/time.hpp>
#include <phil/service/operations.hpp>

#include "prepaidctl_admin.hpp"

namespace phil::app {

/// An instant as the views print it: UTC, "2026-03-01T00:30:00+00:00".
std::string when(TimePoint t);
/// The text, or JSON null.
nlohmann::json opt(const std::optional<std::string>& v);
/// A command's id, kind, amount, state, attempts and last error.
nlohmann::json command_json(const store::CommandRecord& c);
/// The meter's record, or nullopt if it is not configured.
std::optional<store::MeterRecord> meter_or_none(const service::Operations& ops,
                                                const service::Actor& actor,
                                                const domain::MeterId& id);
/// `meter show`: where the meter is, how it is set (stored against on-meter), its last reading,
/// commands and events; exit 0, or 1 with the refusal.
int meter_show(const service::Operations& ops, const AdminCommands& c, const AdminTarget& t);

}  // namespace phil::app
