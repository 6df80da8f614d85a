// The operator console as an operator meets it (issue 16), offscreen, against a real prepaid-api
// on loopback with the seed site's virtual fleet and prepaidd behind it (console_ui_test.sh
// brings them up with script/console --no-console; console.env says where they are).
// Screenshots of each page go to $PHIL_SCREENSHOTS. Every wait is bounded.
#include <memory>

#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QProcessEnvironment>
#include <QtCore/QRegularExpression>
#include <QtCore/QTimeZone>
#include <QtCore/QUrl>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>
#include <QtNetwork/QSslCertificate>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWidgets/QApplication>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTabWidget>

#include <phil/console/api_client.hpp>
#include <phil/console/board_model.hpp>
#include <phil/console/board_view.hpp>
#include <phil/console/main_window.hpp>
#include <phil/console/pages.hpp>

using namespace phil::console;

namespace {

QString env(const char* name) {
  return QProcessEnvironment::systemEnvironment().value(name);
}

// A reply, waiting at most `ms`.
ApiReply call(ApiClient& api, const QString& path, const QJsonObject* body = nullptr,
              int ms = 20'000) {
  ApiReply out;
  bool done = false;
  auto cb = [&](const ApiReply& r) {
    out = r;
    done = true;
  };
  if (body != nullptr) {
    api.post(path, *body, nullptr, cb);
  } else {
    api.get(path, nullptr, cb);
  }
  if (!QTest::qWaitFor([&] { return done; }, ms)) out.error = "no answer within the test's wait";
  return out;
}

}  // namespace

class ConsoleUi : public QObject {
  Q_OBJECT

  std::unique_ptr<ApiClient> client(const QString& language = "en") {
    auto api = std::make_unique<ApiClient>(QUrl(env("PHIL_API_URL")));
    QFile ca(env("PHIL_API_CA"));
    if (!ca.open(QIODevice::ReadOnly)) qFatal("no PHIL_API_CA: run through console_ui_test.sh");
    api->addCaCertificates(QSslCertificate::fromData(ca.readAll()));
    api->setLanguage(language);
    return api;
  }

  // Signs `id` in through the login dialog, as a person: id, password, OK.
  bool signIn(ApiClient& api, const QString& id) {
    LoginDialog login(api, id, false);
    login.show();
    login.findChild<QLineEdit*>("login-password")->setText(env("PHIL_CONSOLE_PASSWORD"));
    login.submit();
    return QTest::qWaitFor([&] { return api.signedIn(); }, 20'000);
  }

  void shot(QWidget* w, const QString& name) {
    const auto dir = env("PHIL_SCREENSHOTS");
    if (dir.isEmpty()) return;
    QVERIFY(w->grab().save(dir + "/" + name + ".png"));
  }

  // A main window of `id`, its board loaded.
  std::unique_ptr<MainWindow> window(ApiClient& api) {
    auto w = std::make_unique<MainWindow>(
        api, ConsoleOptions{env("PHIL_FLEET_SIM"), env("PHIL_FLEET_CONTROL")});
    QSignalSpy loaded(w.get(), &MainWindow::boardLoaded);
    w->resize(1280, 860);
    w->show();
    w->reloadBoard();
    if (!loaded.wait(30'000)) qWarning("the board did not load");
    return w;
  }

 private slots:
  void aWrongPasswordIsRefusedWithTheServersMessageAndTheRightOneSignsIn() {
    auto api = client();
    LoginDialog login(*api, "demo-cashier", false);
    login.show();
    login.findChild<QLineEdit*>("login-password")->setText("not the password");
    login.submit();
    QTRY_VERIFY_WITH_TIMEOUT(!login.error().isEmpty() && login.error() != "Signing in…", 20'000);
    QVERIFY(!api->signedIn());
    shot(&login, "1-login-refused");
    QVERIFY(signIn(*api, "demo-cashier"));
    QCOMPARE(api->session().role, QString("cashier"));
    QVERIFY(api->may("sale"));
    QVERIFY(!api->may("command"));
    QVERIFY(!api->session().confirm_above.isEmpty());
  }

  void theBoardShowsTheApisStatesInTheirColoursWithCountsAndHidesWhatTheRoleMayNot() {
    auto api = client();
    QVERIFY(signIn(*api, "demo-cashier"));
    auto w = window(*api);
    // What the server says, and what the board shows: the same meters, the same counts. The
    // daemon polls meanwhile, so a state may move between the two looks: a few tries.
    bool same = false;
    for (int attempt = 0; attempt < 5 && !same; ++attempt) {
      QSignalSpy loaded(w.get(), &MainWindow::boardLoaded);
      w->reloadBoard();
      QVERIFY(loaded.wait(30'000));
      const auto status = call(*api, "/api/status?limit=1");
      const auto counts = status.json.value("counts").toObject();
      same = w->board().rowCount() == status.json.value("total").toInt();
      for (const auto* s : kStatuses)
        same = same && w->boardPage()->shownCount(s) == counts.value(s).toInt();
    }
    QVERIFY2(same, "the board's counts are not the API's");
    // Each state's tiles are painted in its colour.
    auto* view = w->boardPage()->view();
    view->relayout();
    const QImage image = view->viewport()->grab().toImage();
    int checked = 0;
    for (int r = 0; r < w->board().rowCount() && checked < 20; ++r) {
      const auto& t = w->board().tile(r);
      const QRect rect = view->tileRect(t.meter);
      if (rect.isNull() || !image.rect().contains(rect)) continue;
      QCOMPARE(image.pixelColor(rect.right() - 3, rect.bottom() - 3).name(),
               status_color(t.status).name());
      ++checked;
    }
    QVERIFY(checked > 0);
    // A cashier sells; remote commands, operators and the log are not theirs.
    QVERIFY(w->counterPage() != nullptr);
    QVERIFY(w->adminPage() == nullptr);
    QVERIFY(!w->boardPage()->findChild<QWidget*>("board-send")->isVisibleTo(w->boardPage()));
    shot(w.get(), "2-board");
  }

  void aSaleGoesPendingThenConfirmedByTheMeterAndItsReceiptIsAPdf() {
    auto api = client();
    QVERIFY(signIn(*api, "demo-cashier"));
    auto w = window(*api);
    auto* counter = w->counterPage();
    w->tabs()->setCurrentWidget(counter);
    QSignalSpy shown(counter, &CounterPage::accountShown);
    counter->findChild<QLineEdit*>("counter-find")->setText("401");  // the room
    QTest::keyClick(counter->findChild<QLineEdit*>("counter-find"), Qt::Key_Return);
    QVERIFY(shown.wait(20'000));
    QCOMPARE(shown.first().first().toBool(), true);
    QCOMPARE(counter->accountId(), QString("A401"));
    QSignalSpy states(counter, &CounterPage::saleStateChanged);
    counter->sell("12.34");
    QTRY_VERIFY_WITH_TIMEOUT(!states.isEmpty(), 20'000);
    QCOMPARE(states.first().first().toString(), QString("pending"));
    shot(w.get(), "3-counter-pending");
    QTRY_VERIFY_WITH_TIMEOUT(counter->lastSaleState() == "confirmed", 120'000);
    QTRY_VERIFY_WITH_TIMEOUT(states.size() >= 2, 20'000);
    QCOMPARE(states.last().first().toString(), QString("confirmed"));
    // The receipt's lines: the amount, the balance after it, the ledger and system log entries
    // as the server wrote them (the ledger shows the sale with the same log entry).
    QMap<QString, QString> lines;
    for (const auto& [label, value] : counter->receiptLines())
      lines.insert(label, value);
    QCOMPARE(lines.value("Amount"), QString("12.34 yuan"));
    QCOMPARE(lines.value("Tenant"), QString("Zhang 401"));
    QCOMPARE(lines.value("Operator"), QString("demo-cashier"));
    QVERIFY(lines.value("System log entry").toLongLong() > 0);
    auto* ledger = counter->ledger();
    const auto row_of_sale = [&] {
      for (int r = 0; r < ledger->rowCount(); ++r)
        if (ledger->item(r, 0)->text() == lines.value("Ledger entry")) return r;
      return -1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(row_of_sale() >= 0, 20'000);  // the ledger shown again after it
    QCOMPARE(ledger->item(row_of_sale(), 6)->text(), lines.value("System log entry"));
    QCOMPARE(ledger->item(row_of_sale(), 4)->text(), QString("12.34"));
    const QString pdf = QDir::temp().filePath("phil-console-receipt.pdf");
    QFile::remove(pdf);
    QVERIFY(counter->printReceipt(pdf));
    QFile f(pdf);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(f.read(5) == "%PDF-");
    QVERIFY(f.size() > 1000);
    shot(w.get(), "4-counter-confirmed");
  }

  void aLargeSaleAsksAgainAndCancellingItSellsNothing() {
    auto api = client();
    QVERIFY(signIn(*api, "demo-cashier"));
    auto w = window(*api);
    auto* counter = w->counterPage();
    QSignalSpy shown(counter, &CounterPage::accountShown);
    counter->showAccount("A402");
    QVERIFY(shown.wait(20'000));
    const auto before = call(*api, "/api/accounts/A402/ledger?limit=1").json.value("total").toInt();
    // The question box answers No (the operator stops).
    QTimer::singleShot(500, [] {
      if (auto* box = QApplication::activeModalWidget()) {
        QTest::keyClick(box, Qt::Key_Escape);
      }
    });
    QSignalSpy states(counter, &CounterPage::saleStateChanged);
    counter->sell("5000.00");  // above the server's confirm_above (1000.00)
    QTest::qWait(1'500);
    QCOMPARE(states.size(), 0);
    QCOMPARE(call(*api, "/api/accounts/A402/ledger?limit=1").json.value("total").toInt(), before);
  }

  void aBatchTripIsPreviewedConfirmedAndReachesTheMeters() {
    auto api = client();
    QVERIFY(signIn(*api, "demo-engineer"));
    auto w = window(*api);
    auto* board = w->boardPage();
    auto* view = board->view();
    view->relayout();
    // Two tiles of floor 6, chosen with the mouse as a person would.
    QTRY_VERIFY_WITH_TIMEOUT(!view->tileRect("bus1/6/1").isNull(), 10'000);
    board->findChild<QLineEdit*>("board-search")->setText("60");
    view->relayout();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->tileRect("bus1/6/1").center());
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::ControlModifier,
                      view->tileRect("bus1/6/2").center());
    QCOMPARE(view->selectedMeters(), QSet<QString>({"bus1/6/1", "bus1/6/2"}));
    QSignalSpy previewed(board, &BoardPage::previewReady);
    board->preview("trip");
    QVERIFY(previewed.wait(20'000));
    QVERIFY(previewed.first().first().toBool());
    QCOMPARE(board->previewModel()->rowCount(), 2);
    QCOMPARE(board->previewModel()->item(0, 0)->text(), QString("bus1/6/1"));
    shot(w.get(), "5-board-selected");
    QSignalSpy sent(board, &BoardPage::batchSent);
    QSignalSpy progress(board, &BoardPage::batchProgress);
    board->sendPreviewed();
    QVERIFY(sent.wait(20'000));
    QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty() && progress.last().at(0).toInt() == 2, 120'000);
    shot(w.get(), "6-board-batch-done");
    // The meters themselves: forced off, relay open, as read back from them.
    for (const auto* meter : {"bus1/6/1", "bus1/6/2"}) {
      QTRY_VERIFY_WITH_TIMEOUT(call(*api, QString("/api/meters/%1").arg(meter))
                                       .json.value("meter")
                                       .toObject()
                                       .value("mode")
                                       .toString() == "forced_off",
                               120'000);
    }
  }

  void theSalesReportsChartHasTheTablesTotals() {
    auto api = client();
    QVERIFY(signIn(*api, "demo-manager"));
    auto w = window(*api);
    auto* reports = w->reportsPage();
    QVERIFY(reports != nullptr);
    w->tabs()->setCurrentWidget(reports);
    reports->setKind("sales");
    reports->setPeriod(QDate::currentDate().addDays(-2), QDate::currentDate().addDays(1));
    QSignalSpy ready(reports, &ReportsPage::reportReady);
    reports->run();
    QVERIFY(ready.wait(20'000));
    QVERIFY(ready.first().first().toBool());
    auto* table = reports->table();
    QVERIFY(table->rowCount() >= 2);  // a day with sales (the setup's first sales) and the totals
    const auto totals = reports->seriesTotals();
    QVERIFY(!totals.isEmpty());
    // The plotted sales and refunds sum to the totals row the server computed.
    const int last = table->rowCount() - 1;
    const auto sales_name = table->headerData(1, Qt::Horizontal).toString();
    const auto refunds_name = table->headerData(2, Qt::Horizontal).toString();
    QCOMPARE(qRound64(totals.value(sales_name) * 100), yuan_fen(table->item(last, 1)->text()));
    QCOMPARE(qRound64(totals.value(refunds_name) * 100), yuan_fen(table->item(last, 2)->text()));
    QVERIFY(totals.value(sales_name) > 0);
    shot(w.get(), "7-reports");
    // The Excel export is the API's workbook.
    const QString xlsx = QDir::temp().filePath("phil-console-sales.xlsx");
    QSignalSpy exported(reports, &ReportsPage::exported);
    reports->exportXlsx(xlsx);
    QVERIFY(exported.wait(20'000));
    QVERIFY(exported.first().first().toBool());
    QFile f(xlsx);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.read(2), QByteArray("PK"));  // a zip: the xlsx container
  }

  void theLanguageSwitchesEveryPageBetweenChineseAndEnglish() {
    auto api = client("zh-CN");
    QVERIFY(signIn(*api, "demo-admin"));
    install_language("zh_CN");
    auto w = window(*api);
    QCOMPARE(w->tabs()->tabText(0), QString("状态看板"));
    shot(w.get(), "8-board-zh");
    w->setLanguage("en");
    QCOMPARE(w->tabs()->tabText(0), QString("Board"));
    QCOMPARE(api->language(), QString("en"));
    w->setLanguage("zh_CN");
    QCOMPARE(w->tabs()->tabText(0), QString("状态看板"));
    install_language("en");
  }

  void theAdminChecksTheLogsChainAndSeesTheOperators() {
    auto api = client();
    QVERIFY(signIn(*api, "demo-admin"));
    auto w = window(*api);
    auto* admin = w->adminPage();
    QVERIFY(admin != nullptr);
    QVERIFY(w->counterPage() == nullptr);  // an admin does not sell
    w->tabs()->setCurrentWidget(admin);
    QSignalSpy checked(admin, &AdminPage::chainChecked);
    admin->verifyChain();
    QVERIFY(checked.wait(30'000));
    QVERIFY(checked.first().first().toBool());
    QTRY_VERIFY_WITH_TIMEOUT(admin->operators()->rowCount() >= 4, 20'000);
    shot(w.get(), "9-admin");
  }

  void aDoubleClickedTileOpensTheMetersMonthWithTheReportsFigures() {
    auto api = client();
    QVERIFY(signIn(*api, "demo-manager"));  // a manager may read the reports the charts use
    auto w = window(*api);
    auto* view = w->boardPage()->view();
    view->relayout();
    QTRY_VERIFY_WITH_TIMEOUT(!view->tileRect("bus1/4/1").isNull(), 10'000);
    auto* page = w->meterPage();
    QVERIFY(page != nullptr);
    QSignalSpy loaded(page, &MeterPage::loaded);
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, view->tileRect("bus1/4/1").center());
    QCOMPARE(w->tabs()->currentWidget(), page);
    QVERIFY(loaded.wait(30'000));
    QVERIFY2(loaded.first().first().toBool(), qPrintable(loaded.first().at(1).toString()));
    // The same 30 days asked of the API directly: the meter's rows of the energy report.
    const auto day = [](const QDate& d) {
      return QString::fromUtf8(QUrl::toPercentEncoding(
          QDateTime(d, QTime(0, 0), QTimeZone::systemTimeZone()).toString(Qt::ISODate)));
    };
    const QDate today = QDate::currentDate();
    const QString period = "from=" + day(today.addDays(-29)) + "&to=" + day(today.addDays(1));
    const auto energy = call(*api, "/api/reports/energy?by=day&group=meter&" + period);
    QVERIFY2(energy.ok(), qPrintable(energy.error));
    const auto report = energy.json.value("reports").toArray().first().toObject();
    double kwh = 0;
    for (const auto& row : report.value("rows").toArray()) {
      const auto cells = row.toArray();
      if (cells[1].toString() == "bus1/4/1") kwh += cells[6].toString().toDouble();
    }
    const auto totals = page->energyTotals();
    QCOMPARE(totals.size(), 4);  // sharp, peak, flat, valley stacked
    double plotted = 0;
    for (const double v : totals)
      plotted += v;
    QVERIFY2(qAbs(plotted - kwh) < 1e-6, qPrintable(QString("%1 vs %2").arg(plotted).arg(kwh)));
    // The balance line ends at the account's statement closing balance.
    const auto statement = call(*api, "/api/reports/statement?account=A401&" + period);
    QVERIFY2(statement.ok(), qPrintable(statement.error));
    const auto closing = statement.json.value("reports")
                             .toArray()
                             .first()
                             .toObject()
                             .value("totals")
                             .toArray()
                             .at(4)
                             .toString()
                             .toDouble();
    const auto points = page->balancePoints();
    QVERIFY(!points.isEmpty());
    QCOMPARE(points.last().y(), closing);
    // At least the first sale's credit, delivered to the meter.
    bool credit = false;
    for (int r = 0; r < page->commands()->rowCount(); ++r)
      credit = credit || page->commands()->item(r, 1)->text() == "credit";
    QVERIFY(credit);
    QCOMPARE(page->events()->columnCount(), 3);
    shot(w.get(), "12-meter");
  }

  void theBenchPanelSetsACircuitsLoadAndShowsWhatTheMeterHolds() {
    auto api = client();
    QVERIFY(signIn(*api, "demo-engineer"));
    auto w = window(*api);
    auto* bench = w->findChild<BenchPanel*>();
    QVERIFY(bench != nullptr);  // console.env names the fleet's control socket
    w->tabs()->setCurrentWidget(bench);
    bench->findChild<QLineEdit*>("bench-bus")->setText("bus1");
    bench->findChild<QLineEdit*>("bench-address")->setText("5");
    bench->findChild<QLineEdit*>("bench-circuit")->setText("1");
    bench->findChild<QLineEdit*>("bench-load-w")->setText("1800");
    QSignalSpy answered(bench, &BenchPanel::answered);
    QTest::mouseClick(bench->findChild<QPushButton*>("bench-set-load"), Qt::LeftButton);
    QVERIFY(answered.wait(20'000));
    QCOMPARE(answered.last().at(0).toInt(), 0);
    QTest::mouseClick(bench->findChild<QPushButton*>("bench-show"), Qt::LeftButton);
    QVERIFY(answered.wait(20'000));
    QCOMPARE(answered.last().at(0).toInt(), 0);
    const QString shown = answered.last().at(1).toString();
    QVERIFY2(shown.contains("meter bus1/5/1"), qPrintable(shown));
    // The new load is drawn while the relay is closed; an open relay draws nothing.
    const auto power = QRegularExpression("\n  power +(\\d+) W\n").match(shown);
    const auto relay = QRegularExpression("\n  relay +(\\w+)\n").match(shown);
    QVERIFY2(power.hasMatch() && relay.hasMatch(), qPrintable(shown));
    QCOMPARE(power.captured(1), relay.captured(1) == "closed" ? QString("1800") : QString("0"));
    // A load the fleet refuses comes back as its error, and the panel says so.
    bench->findChild<QLineEdit*>("bench-load-w")->setText("-5");
    QTest::mouseClick(bench->findChild<QPushButton*>("bench-set-load"), Qt::LeftButton);
    QVERIFY(answered.wait(20'000));
    QCOMPARE(answered.last().at(0).toInt(), 1);
    QVERIFY2(answered.last().at(1).toString().startsWith("ERROR"),
             qPrintable(answered.last().at(1).toString()));
    shot(w.get(), "11-bench");
  }

  void anEndedSessionAsksForThePasswordAndWhatWasTypedAndAskedGoesOn() {
    auto api = client();
    QVERIFY(signIn(*api, "demo-cashier"));
    auto w = window(*api);
    auto* amount = w->counterPage()->findChild<QLineEdit*>("counter-amount");
    amount->setText("7.50");
    // The session ends elsewhere (its token logged out by another client).
    auto other = client();
    other->setLanguage("en");
    {
      QNetworkRequest r = api->request("/api/session");
      auto* reply = other->network()->deleteResource(r);
      QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 20'000);
      reply->deleteLater();
    }
    QSignalSpy expired(api.get(), &ApiClient::sessionExpired);
    bool answered = false;
    api->get("/api/whoami", w.get(), [&](const ApiReply& r) { answered = r.ok(); });
    QVERIFY(expired.wait(20'000));
    LoginDialog* login = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((login = w->findChild<LoginDialog*>("login")) != nullptr, 10'000);
    QCOMPARE(login->findChild<QLineEdit*>("login-id")->text(), QString("demo-cashier"));
    shot(login, "10-session-ended");
    login->findChild<QLineEdit*>("login-password")->setText(env("PHIL_CONSOLE_PASSWORD"));
    login->submit();
    QTRY_VERIFY_WITH_TIMEOUT(answered, 20'000);  // the kept call went on after the login
    QCOMPARE(amount->text(), QString("7.50"));
  }

 private:
  static qint64 yuan_fen(const QString& yuan) {
    const auto parts = yuan.split('.');
    return parts.value(0).toLongLong() * 100 + parts.value(1).leftJustified(2, '0').toLongLong();
  }
};

QTEST_MAIN(ConsoleUi)
#include "console_ui_test.moc"
