#include <QtCore/QDateTime>
#include <QtCore/QJsonArray>
#include <QtCore/QRegularExpression>
#include <QtCore/QTimeZone>

#include <phil/console/money.hpp>

namespace phil::console {

std::optional<qint64> yuan_to_fen(const QString& yuan) {
  static const QRegularExpression re(QString::fromLatin1(kYuanPattern));
  const auto t = yuan.trimmed();
  if (!re.match(t).hasMatch()) return std::nullopt;
  const auto dot = t.indexOf('.');
  const auto whole = dot < 0 ? t : t.left(dot);
  auto frac = dot < 0 ? QString() : t.mid(dot + 1);
  while (frac.size() < 2)
    frac += '0';
  return whole.toLongLong() * 100 + frac.toLongLong();
}

std::optional<qint64> signed_yuan_to_fen(const QString& yuan) {
  const auto t = yuan.trimmed();
  if (!t.startsWith('-')) return yuan_to_fen(t);
  const auto f = yuan_to_fen(t.mid(1));
  return f ? std::optional<qint64>(-*f) : std::nullopt;
}

QString fen_to_yuan(qint64 fen) {
  const bool negative = fen < 0;
  const qint64 a = negative ? -fen : fen;
  return QStringLiteral("%1%2.%3")
      .arg(negative ? "-" : "")
      .arg(a / 100)
      .arg(a % 100, 2, 10, QChar('0'));
}

QString account_balance(const QJsonObject& account) {
  qint64 meters = 0;
  bool meter_side = false;
  for (const auto& m : account.value("meters").toArray()) {
    const auto o = m.toObject();
    if (o.value("billing_mode").toString() != "meter-side") continue;
    if (const auto f = signed_yuan_to_fen(o.value("balance").toString())) {
      meter_side = true;
      meters += *f;
    }
  }
  return meter_side ? fen_to_yuan(meters) : account.value("balance").toString();
}

QString local_time(const QString& iso) {
  auto t = QDateTime::fromString(iso, Qt::ISODate);
  if (!t.isValid()) return iso;
  t = t.toLocalTime();
  const int offset = t.offsetFromUtc();
  const int a = offset < 0 ? -offset : offset;
  return t.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) +
         QStringLiteral(" %1%2:%3")
             .arg(offset < 0 ? '-' : '+')
             .arg(a / 3600, 2, 10, QChar('0'))
             .arg(a % 3600 / 60, 2, 10, QChar('0'));
}

QString receipt_html(const QList<QPair<QString, QString>>& lines, const QString& title) {
  QString html = QStringLiteral("<h3 style='text-align:center'>%1</h3><table width='100%'>")
                     .arg(title.toHtmlEscaped());
  for (const auto& [label, value] : lines) {
    html += QStringLiteral("<tr><td>%1</td><td align='right'><b>%2</b></td></tr>")
                .arg(label.toHtmlEscaped(), value.toHtmlEscaped());
  }
  return html + QStringLiteral("</table>");
}

}  // namespace phil::console
