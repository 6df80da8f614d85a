#pragma once
// Money and time as the console shows them: yuan with 2 decimals (integer fen inside, never a
// floating point), times in the PC's zone with the offset.
#include <optional>

#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QString>

namespace phil::console {

/// What an amount field accepts: yuan, at most 7 digits before the point, at most 2 after.
inline constexpr const char* kYuanPattern = R"(^\d{1,7}(\.\d{0,2})?$)";

/// "50", "50.5", "50.05" -> fen; nullopt for anything else (negative, 3 decimals, text).
std::optional<qint64> yuan_to_fen(const QString& yuan);
/// As yuan_to_fen, with a leading '-' allowed (a balance in arrears, as the API writes it).
std::optional<qint64> signed_yuan_to_fen(const QString& yuan);
/// 5005 -> "50.05"; -5 -> "-0.05".
QString fen_to_yuan(qint64 fen);
/// An account's balance for people (GET /api/accounts/ID's "account"): what its meters hold
/// for a meter-side account, the ledger's for a host-side one; yuan.
QString account_balance(const QJsonObject& account);
/// An API timestamp (ISO 8601 with offset) in the PC's zone, "2026-12-07 22:41:46 +08:00";
/// the text itself if it is not one.
QString local_time(const QString& iso);
/// A receipt as HTML: the title, then one line per (label, value), values escaped.
QString receipt_html(const QList<QPair<QString, QString>>& lines, const QString& title);

}  // namespace phil::console
