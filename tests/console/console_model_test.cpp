// The console's models without a network (QTest, offscreen): the board's rows, counts, order and
// filters, the tiles' colours as painted, selection by mouse, money as people read it, the API's
// tables.
#include <QtCore/QJsonArray>
#include <QtCore/QJsonObject>
#include <QtGui/QImage>
#include <QtTest/QTest>

#include <phil/console/board_model.hpp>
#include <phil/console/board_view.hpp>
#include <phil/console/money.hpp>
#include <phil/console/table_model.hpp>

using namespace phil::console;

namespace {

QJsonObject row(const QString& meter, const QString& status, int floor, const QString& room,
                const QString& balance = "10.00") {
  return {{"meter", meter},        {"status", status},   {"floor", floor},
          {"room", room},          {"building", "b1"},   {"tenant", "T " + room},
          {"account", "A" + room}, {"balance", balance}, {"relay", "closed"}};
}

}  // namespace

class ConsoleModels : public QObject {
  Q_OBJECT
 private slots:
  void theBoardCountsEveryStateAndAFeedRowChangesOneTileInPlace() {
    BoardModel m;
    m.load({row("bus1/4/1", "normal", 4, "401"), row("bus1/4/2", "arrears", 4, "402"),
            row("bus1/5/1", "normal", 5, "501")});
    QCOMPARE(m.rowCount(), 3);
    QCOMPARE(m.counts().value("normal"), 2);
    QCOMPARE(m.counts().value("arrears"), 1);
    QCOMPARE(m.counts().value("offline"), 0);
    int changed = 0;
    connect(&m, &QAbstractItemModel::dataChanged, this, [&] { ++changed; });
    m.apply(row("bus1/4/1", "offline", 4, "401"));
    QCOMPARE(changed, 1);
    QCOMPARE(m.rowCount(), 3);
    QCOMPARE(m.tile(m.rowOf("bus1/4/1")).status, QString("offline"));
    m.apply(row("bus1/6/1", "alarm1", 6, "601"));  // a new meter: added
    QCOMPARE(m.rowCount(), 4);
    m.remove("bus1/4/2");
    QCOMPARE(m.rowCount(), 3);
    QCOMPARE(m.rowOf("bus1/5/1") >= 0, true);
    QCOMPARE(m.tile(m.rowOf("bus1/5/1")).meter, QString("bus1/5/1"));
  }

  void manyChangedRowsAreOneSignalPerStretch() {
    BoardModel m;
    QJsonArray rows;
    for (int c = 1; c <= 100; ++c)
      rows.append(row(QString("bus1/4/%1").arg(c), "normal", 4, QString::number(400 + c)));
    m.load(rows);
    int signals_seen = 0;
    connect(&m, &QAbstractItemModel::dataChanged, this, [&] { ++signals_seen; });
    std::vector<QJsonObject> changes;
    for (int c = 1; c <= 50; ++c)
      changes.push_back(row(QString("bus1/4/%1").arg(c), "arrears", 4, QString::number(400 + c)));
    changes.push_back(row("bus1/4/90", "arrears", 4, "490"));
    m.applyMany(changes);
    QCOMPARE(signals_seen, 2);
    QCOMPARE(m.counts().value("arrears"), 51);
  }

  void theFilterKeepsStatesFloorsAndSearchAndOrdersByPlace() {
    BoardModel m;
    m.load({row("bus1/5/1", "normal", 5, "501"), row("bus1/4/2", "arrears", 4, "402"),
            row("bus1/4/1", "normal", 4, "401"), row("bus2/1/1", "offline", -1, "")});
    BoardFilter f;
    f.setSourceModel(&m);
    QCOMPARE(f.rowCount(), 4);
    QStringList order;
    for (int r = 0; r < f.rowCount(); ++r)
      order << f.index(r, 0).data(BoardModel::kMeterRole).toString();
    QCOMPARE(order,
             QStringList({"bus1/4/1", "bus1/4/2", "bus1/5/1", "bus2/1/1"}));  // unplaced last
    f.setStatuses({"arrears", "offline"});
    QCOMPARE(f.rowCount(), 2);
    f.setStatuses({});
    f.setFloor(4);
    QCOMPARE(f.rowCount(), 2);
    f.setFloor(-1);
    f.setSearch("T 50");  // a tenant's name
    QCOMPARE(f.rowCount(), 1);
    f.setSearch("a402");  // an account, any case
    QCOMPARE(f.rowCount(), 1);
    QCOMPARE(f.index(0, 0).data(BoardModel::kMeterRole).toString(), QString("bus1/4/2"));
  }

  void eachTileIsPaintedInItsStatesColourAndClicksSelectIt() {
    BoardModel m;
    m.load({row("bus1/4/1", "normal", 4, "401"), row("bus1/4/2", "arrears", 4, "402"),
            row("bus1/4/3", "alarm1", 4, "403"), row("bus1/4/4", "not_opened", 4, "404")});
    BoardFilter f;
    f.setSourceModel(&m);
    BoardView v;
    v.setModel(&f);
    v.resize(600, 300);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    const QImage shot = v.viewport()->grab().toImage();
    for (const auto* meter : {"bus1/4/1", "bus1/4/2", "bus1/4/3", "bus1/4/4"}) {
      const QRect r = v.tileRect(meter);
      QVERIFY2(!r.isNull(), meter);
      // A point inside the tile, off its text: its background.
      const QColor painted = shot.pixelColor(r.right() - 3, r.bottom() - 3);
      const auto status = m.tile(m.rowOf(meter)).status;
      QCOMPARE(painted.name(), status_color(status).name());
    }
    // A click selects one tile, Ctrl+click adds, a second Ctrl+click removes.
    QTest::mouseClick(v.viewport(), Qt::LeftButton, {}, v.tileRect("bus1/4/1").center());
    QCOMPARE(v.selectedMeters(), QSet<QString>({"bus1/4/1"}));
    QTest::mouseClick(v.viewport(), Qt::LeftButton, Qt::ControlModifier,
                      v.tileRect("bus1/4/3").center());
    QCOMPARE(v.selectedMeters().size(), 2);
    QTest::mouseClick(v.viewport(), Qt::LeftButton, Qt::ControlModifier,
                      v.tileRect("bus1/4/1").center());
    QCOMPARE(v.selectedMeters(), QSet<QString>({"bus1/4/3"}));
    // A rubber band from empty space over two tiles selects both.
    const QPoint start(v.viewport()->width() - 5, v.viewport()->height() - 5);
    QTest::mousePress(v.viewport(), Qt::LeftButton, {}, start);
    QMouseEvent move(QEvent::MouseMove, v.tileRect("bus1/4/3").center(),
                     v.viewport()->mapToGlobal(v.tileRect("bus1/4/3").center()), Qt::NoButton,
                     Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(v.viewport(), &move);
    QTest::mouseRelease(v.viewport(), Qt::LeftButton, {}, v.tileRect("bus1/4/3").center());
    QCOMPARE(v.selectedMeters(), QSet<QString>({"bus1/4/3", "bus1/4/4"}));
  }

  void moneyIsYuanWithTwoDecimalsFromWholeFen() {
    QCOMPARE(yuan_to_fen("50").value(), 5000);
    QCOMPARE(yuan_to_fen("50.5").value(), 5050);
    QCOMPARE(yuan_to_fen(" 0.05 ").value(), 5);
    QVERIFY(!yuan_to_fen("-1.00"));
    QVERIFY(!yuan_to_fen("1.005"));
    QVERIFY(!yuan_to_fen("abc"));
    QVERIFY(!yuan_to_fen(""));
    QCOMPARE(signed_yuan_to_fen("-1.50").value(), -150);
    QCOMPARE(signed_yuan_to_fen("2").value(), 200);
    QVERIFY(!signed_yuan_to_fen("--1"));
    QCOMPARE(fen_to_yuan(5005), QString("50.05"));
    QCOMPARE(fen_to_yuan(-5), QString("-0.05"));
    QCOMPARE(fen_to_yuan(0), QString("0.00"));
    const QJsonObject meter_side{
        {"balance", "0.00"},
        {"meters", QJsonArray{QJsonObject{{"billing_mode", "meter-side"}, {"balance", "30.99"}},
                              QJsonObject{{"billing_mode", "meter-side"}, {"balance", "-1.50"}}}}};
    QCOMPARE(account_balance(meter_side), QString("29.49"));
    const QJsonObject host_side{{"balance", "12.30"},
                                {"meters", QJsonArray{QJsonObject{{"billing_mode", "host-side"}}}}};
    QCOMPARE(account_balance(host_side), QString("12.30"));
  }

  void anApiTableKeepsItsTextsAndItsTotalsRowLast() {
    QStandardItemModel m;
    fill_table(
        m, QJsonObject{{"columns", QJsonArray{QJsonObject{{"name", "period"}, {"type", "text"}},
                                              QJsonObject{{"name", "sales"}, {"type", "money"}}}},
                       {"rows", QJsonArray{QJsonArray{"2026-12-06", "10.00"},
                                           QJsonArray{"2026-12-07", "2.50"}}},
                       {"totals", QJsonArray{"total", "12.50"}}});
    QCOMPARE(m.rowCount(), 3);
    QCOMPARE(m.item(2, 1)->text(), QString("12.50"));
    QVERIFY(m.item(2, 1)->font().bold());
    QCOMPARE(m.headerData(1, Qt::Horizontal, Qt::UserRole).toString(), QString("money"));
  }
};

QTEST_MAIN(ConsoleModels)
#include "console_model_test.moc"
