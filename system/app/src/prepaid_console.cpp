// prepaid-console: the operator console (issue 16). Wires the API client, the login and the main
// window; everything else is in system/console.
#include <cstdio>

#include <QtCore/QCommandLineParser>
#include <QtCore/QFile>
#include <QtCore/QProcessEnvironment>
#include <QtNetwork/QSslCertificate>
#include <QtWidgets/QApplication>

#include <phil/console/api_client.hpp>
#include <phil/console/main_window.hpp>

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("prepaid-console");
  QApplication::setApplicationVersion(PHIL_VERSION);
  QCommandLineParser cli;
  cli.setApplicationDescription("prepaid-hil operator console: talks to prepaid-api over HTTPS");
  cli.addHelpOption();
  cli.addVersionOption();
  const QCommandLineOption api({"a", "api"}, "the API's address", "URL", "https://127.0.0.1:8443");
  const QCommandLineOption ca("ca", "trust this certificate (PEM): the API's own, or the site's CA",
                              "FILE");
  const QCommandLineOption user("user", "the operator id to sign in as", "ID");
  const QCommandLineOption language("language", "zh_CN or en (default: the system's)", "LANG");
  const QCommandLineOption sim("fleet-sim", "adf300-sim, for the bench panel", "FILE");
  const QCommandLineOption control("fleet-control",
                                   "the fleet's control socket (shows the bench panel)", "FILE");
  cli.addOptions({api, ca, user, language, sim, control});
  cli.process(app);

  const QUrl base(cli.value(api));
  if (!base.isValid() || (base.scheme() != "https" && base.scheme() != "http")) {
    std::fprintf(stderr,
                 "prepaid-console: --api \"%s\" is not an https:// address, e.g. "
                 "https://127.0.0.1:8443\n",
                 qPrintable(cli.value(api)));
    return 2;
  }
  phil::console::ApiClient client(base);
  if (cli.isSet(ca)) {
    QFile f(cli.value(ca));
    const auto certs = f.open(QIODevice::ReadOnly) ? QSslCertificate::fromData(f.readAll())
                                                   : QList<QSslCertificate>{};
    if (certs.isEmpty()) {
      std::fprintf(stderr,
                   "prepaid-console: --ca %s holds no PEM certificate; give the API's "
                   "api.crt or the site's CA\n",
                   qPrintable(cli.value(ca)));
      return 2;
    }
    client.addCaCertificates(certs);
  }
  const auto lang = cli.isSet(language) ? cli.value(language) : phil::console::default_language();
  if (lang != "zh_CN" && lang != "en") {
    std::fprintf(stderr, "prepaid-console: --language %s: choose zh_CN or en\n", qPrintable(lang));
    return 2;
  }
  phil::console::install_language(lang);
  client.setLanguage(lang == "en" ? "en" : "zh-CN");

  phil::console::LoginDialog login(client, cli.value(user), false);
  // A demo (script/console) or a test gives the password in the environment; a person types it.
  const auto password = QProcessEnvironment::systemEnvironment().value("PHIL_PASSWORD");
  if (!password.isEmpty() && cli.isSet(user)) {
    login.setPassword(password);
    login.submit();
  }
  if (!client.signedIn() && login.exec() != QDialog::Accepted) return 1;
  phil::console::MainWindow window(client, {cli.value(sim), cli.value(control)});
  window.show();
  window.reloadBoard();
  return QApplication::exec();
}
