// The site file decoder (prepaidd --config).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include <phil/meterlink/adf300.hpp>
#include <phil/service/site_registration.hpp>
#include <phil/service/system.hpp>

#include "support/fake_adf300.hpp"
#include "support/temp_dir.hpp"

namespace phil::service {
namespace {

SiteConfig parse(const std::string& text) {
  const auto doc = yaml::Document::load_string(text, "site.yaml");
  return parse_site(doc.root(), test::test_profiles_dir());
}

std::string error_of(const std::string& text) {
  try {
    (void)parse(text);
  } catch (const yaml::ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return {};
}

constexpr const char* kFull = R"(name: seed site
poll_interval: 15m
offline_after: 4
price: "0.5500"
buses:
  - id: bus1
    transport: rtu
    port: /dev/ttyUSB0
    baud: 19200
    parity: E
    data_bits: 8
    stop_bits: 1
    response_timeout: 300ms
    poll_interval: 5m
    boxes:
      - {address: 4, model: adf300l-iii, profile: adf300l}
      - {address: 5, model: adf300l-i}
)";

TEST(SiteFile, FullFileDecodes) {
  const auto s = parse(kFull);
  EXPECT_EQ(s.name, "seed site");
  EXPECT_EQ(s.poll_interval, Millis(15 * 60 * 1000));
  EXPECT_EQ(s.offline_after_cycles, 4);
  EXPECT_EQ(s.price, 5500);
  EXPECT_EQ(s.profiles_dir, test::test_profiles_dir());
  ASSERT_EQ(s.buses.size(), 1U);
  const auto& b = s.buses[0];
  EXPECT_EQ(b.id, "bus1");
  EXPECT_EQ(b.port, "/dev/ttyUSB0");
  EXPECT_EQ(b.baud, 19200);
  EXPECT_EQ(b.parity, 'E');
  EXPECT_EQ(b.response_timeout, Millis(300));
  EXPECT_EQ(b.poll_interval, Millis(5 * 60 * 1000));
  ASSERT_EQ(b.boxes.size(), 2U);
  EXPECT_EQ(b.boxes[1].address, 5);
  EXPECT_EQ(b.boxes[1].profile, "adf300l");
}

TEST(SiteFile, DefaultsApplyToOptionalKeys) {
  const auto s =
      parse("name: s\nbuses: [{id: b, port: /dev/x, boxes: [{address: 1, model: adf300l-i}]}]\n");
  EXPECT_EQ(s.poll_interval, Millis(30 * 60 * 1000));
  EXPECT_EQ(s.offline_after_cycles, 3);
  EXPECT_EQ(s.price, 6000);
  EXPECT_EQ(s.max_amount_fen, kDefaultMaxAmountFen);  // 10,000.00 yuan
  EXPECT_EQ(s.buses[0].baud, 9600);
  EXPECT_EQ(s.buses[0].parity, 'N');
  EXPECT_FALSE(s.buses[0].poll_interval);
}

TEST(SiteFile, MaxAmountIsTheSitesLimitOfOneSaleRefundOrTransferInYuan) {
  const auto s = parse(
      "name: s\nmax_amount: \"500.00\"\n"
      "buses: [{id: b, port: /dev/x, boxes: [{address: 1, model: adf300l-i}]}]\n");
  EXPECT_EQ(s.max_amount_fen, 50'000);
  const auto top = parse(
      "name: s\nmax_amount: \"1000000.00\"\n"
      "buses: [{id: b, port: /dev/x, boxes: [{address: 1, model: adf300l-i}]}]\n");
  EXPECT_EQ(top.max_amount_fen, kMaxAmountCeilingFen);
}

TEST(SiteFile, ARelativeSerialPortIsReadAgainstTheSiteFilesFolder) {
  test::TempDir dir;
  const auto path = dir.file("site.yaml");
  {
    std::ofstream out(path);
    out << "name: s\nbuses:\n"
           "  - {id: a, port: vbus/bus1, boxes: [{address: 1, model: adf300l-i}]}\n"
           "  - {id: b, port: ../tty9, boxes: [{address: 1, model: adf300l-i}]}\n"
           "  - {id: c, port: /dev/ttyUSB0, boxes: [{address: 1, model: adf300l-i}]}\n"
           "  - {id: d, port: \"tcp://127.0.0.1:502\", boxes: [{address: 1, model: adf300l-i}]}\n";
  }
  const auto site = load_site_file(path, test::test_profiles_dir());
  const auto folder = std::filesystem::path(path).parent_path();
  EXPECT_EQ(site.buses[0].port, (folder / "vbus/bus1").string());
  EXPECT_EQ(site.buses[1].port, (folder.parent_path() / "tty9").string());
  EXPECT_EQ(site.buses[2].port, "/dev/ttyUSB0");
  EXPECT_EQ(site.buses[3].port, "127.0.0.1:502");
}

TEST(SiteFile, ErrorsNameFileLineColumnAndKey) {
  struct Case {
    std::string text, expect;
  };
  const std::string buses =
      "buses: [{id: b, port: /dev/x, boxes: [{address: 1, model: adf300l-i}]}]\n";
  const Case cases[] = {
      {"name: s\npol_interval: 30m\n" + buses, "site.yaml:2:1: pol_interval: unknown key"},
      {"name: s\nprice: 0.60001\n" + buses, "site.yaml:2:8: price"},
      {"name: s\nmax_amount: \"0.00\"\n" + buses,
       "site.yaml:2:13: max_amount: max_amount 0.00 yuan is out of range; give the most one "
       "sale, refund or transfer may be, in yuan from 0.01 to 1000000.00 (default 10000.00)"},
      {"name: s\nmax_amount: \"1000000.01\"\n" + buses, "site.yaml:2:13: max_amount"},
      {"name: s\nmax_amount: \"10.001\"\n" + buses, "site.yaml:2:13: max_amount"},
      {"name: s\npoll_interval: 30x\n" + buses, "poll_interval"},
      {"name: s\nbuses: [{id: b, port: /dev/x, parity: X, boxes: [{address: 1, model: "
       "adf300l-i}]}]\n",
       "buses[0].parity"},
      // The one list of standard rates the fleet and the sim's baud register also use.
      {"name: s\nbuses: [{id: b, port: /dev/x, baud: 921600, boxes: [{address: 1, model: "
       "adf300l-i}]}]\n",
       "buses[0].baud: invalid value \"921600\"; expected a standard baud rate: 1200, 2400"},
      {"name: s\nbuses: [{id: b, port: /dev/x, baud: 300, boxes: [{address: 1, model: "
       "adf300l-i}]}]\n",
       "buses[0].baud"},
      {"name: s\nbuses: [{id: b, port: /dev/x, boxes: [{address: 300, model: adf300l-i}]}]\n",
       "buses[0].boxes[0].address"},
      {"name: s\nbuses: [{id: b, port: /dev/x, boxes: [{address: 1, model: adf300l-v}]}]\n",
       "buses[0].boxes[0].model: unknown model \"adf300l-v\"; the profiles define: adf300l-i, "
       "adf300l-ii"},
      {"name: s\nbuses: [{id: b, port: /dev/x, boxes: [{address: 1, model: adf300l-i}, "
       "{address: 1, model: adf300l-i}]}]\n",
       "used twice"},
      {"name: s\nbuses: [{id: b, port: /dev/x, transport: tcp, boxes: [{address: 1, model: "
       "adf300l-i}]}]\n",
       "transport"},
      {"name: s\nbuses: [{id: b/c, port: /dev/x, boxes: [{address: 1, model: adf300l-i}]}]\n",
       "buses[0].id"},
      {"name: s\nbuses: [{id: b, port: /dev/x, boxes: [{address: 1, model: adf300l-i, profile: "
       "nope}]}]\n",
       "nope.yaml"},
      {"name: s\nbuses: []\n", "no buses"},
      {"buses: []\n", "missing required key \"name\""},
      {"name: s\nbusses: []\n",
       "site.yaml:2:1: busses: unknown key \"busses\"; allowed here: name"},
      {"name: s\nbuses: [{id: b, prot: /dev/x, boxes: []}]\n", "buses[0].prot: unknown key"},
  };
  for (const auto& c : cases) {
    const auto msg = error_of(c.text);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "want: " << c.expect << "\ngot:  " << msg;
  }
}

/// The repository's profiles: the energy meter's is there.
SiteConfig parse_repository(const std::string& text) {
  const auto doc = yaml::Document::load_string(text, "site.yaml");
  return parse_site(doc.root(), PHIL_SOURCE_DIR "/profiles");
}

TEST(SiteFile, AnEnergyMeterIsABoxOfItsProfileReadButNeverBilled) {
  const auto s = parse_repository(
      "name: s\nbuses: [{id: b, port: /dev/x, billing: host, boxes: [{address: 1, model: "
      "adf300l-i}, {address: 2, model: em-3p, profile: energy-meter}]}]\n");
  ASSERT_EQ(s.buses[0].boxes.size(), 2U);
  EXPECT_EQ(s.buses[0].boxes[1].profile, "energy-meter");
  // The bus's billing mode is its prepaid boxes': an energy meter's box gets none.
  const auto boxes = site_boxes(s);
  ASSERT_EQ(boxes.size(), 2U);
  EXPECT_EQ(boxes[0].billing, domain::BillingMode::kHostSide);
  EXPECT_FALSE(boxes[1].billing);
  ASSERT_TRUE(boxes[1].driver);
  EXPECT_TRUE(boxes[1].driver->energy_only());
  EXPECT_FALSE(boxes[0].driver->energy_only());
}

TEST(SiteFile, AnEnergyMeterWithoutItsProfileOrWithABillingModeIsRefusedSayingWhatToWrite) {
  // A site engineer's likely first try names no profile: the message names the one to add.
  const auto doc = yaml::Document::load_string(
      "name: s\nbuses: [{id: b, port: /dev/x, boxes: [{address: 1, model: adf300l-i}, "
      "{address: 2, model: em-3p}]}]\n",
      "site.yaml");
  std::string e;
  try {
    (void)parse_site(doc.root(), PHIL_SOURCE_DIR "/profiles");
    ADD_FAILURE() << "an energy meter was read with the ADF300 profile";
  } catch (const yaml::ConfigError& error) {
    e = error.what();
  }
  EXPECT_TRUE(e.starts_with("site.yaml:2:")) << e;
  EXPECT_NE(e.find("boxes[1].model"), std::string::npos) << e;
  EXPECT_NE(e.find("energy-meter.yaml"), std::string::npos) << e;
  EXPECT_NE(e.find("add `profile: energy-meter`"), std::string::npos) << e;
  std::string billed;
  try {
    (void)parse_repository(
        "name: s\nbuses: [{id: b, port: /dev/x, boxes: [{address: 2, model: em-1p, profile: "
        "energy-meter, billing: host}]}]\n");
    ADD_FAILURE() << "an energy meter was given a billing mode";
  } catch (const yaml::ConfigError& error) {
    billed = error.what();
  }
  EXPECT_NE(billed.find("never billed"), std::string::npos) << billed;
  EXPECT_NE(billed.find("billing"), std::string::npos) << billed;
}

TEST(SiteFile, BillingOfABusAndOfABoxIsReadAsABillingMode) {
  const auto s = parse(
      "name: s\nbuses: [{id: b, port: /dev/x, billing: host, boxes: [{address: 1, model: "
      "adf300l-i}, {address: 2, model: adf300l-i, billing: meter}]}]\n");
  const auto& b = s.buses[0];
  EXPECT_EQ(b.billing, domain::BillingMode::kHostSide);
  EXPECT_EQ(b.billing_of(1), domain::BillingMode::kHostSide);
  EXPECT_EQ(b.billing_of(2), domain::BillingMode::kMeterSide);
  EXPECT_FALSE(parse("name: s\nbuses: [{id: b, port: /dev/x, boxes: [{address: 1, model: "
                     "adf300l-i}]}]\n")
                   .buses[0]
                   .billing_of(1));
  EXPECT_NE(error_of("name: s\nbuses: [{id: b, port: /dev/x, boxes: [{address: 1, model: "
                     "adf300l-i, billing: card}]}]\n")
                .find("buses[0].boxes[0].billing: invalid value \"card\"; expected one of: "
                      "meter, host"),
            std::string::npos);
}

TEST(SiteWords, BillingWordsRoundTripAndOthersAreRefused) {
  for (const auto m : {domain::BillingMode::kMeterSide, domain::BillingMode::kHostSide})
    EXPECT_EQ(parse_site_billing(site_word(m)), m);
  EXPECT_EQ(site_word(domain::BillingMode::kMeterSide), "meter");
  EXPECT_EQ(site_word(domain::BillingMode::kHostSide), "host");
  for (const auto* bad : {"", "host-side", "meter-side", "Host", "card"})
    EXPECT_FALSE(parse_site_billing(bad)) << bad;
}

TEST(SiteWords, TransportNamesRoundTripAndOthersAreRefused) {
  for (const auto t : {Transport::kRtu, Transport::kRtuOverTcp, Transport::kTcp})
    EXPECT_EQ(parse_transport(to_string(t)), t);
  EXPECT_EQ(to_string(Transport::kRtu), "rtu");
  EXPECT_EQ(to_string(Transport::kRtuOverTcp), "rtu-over-tcp");
  EXPECT_EQ(to_string(Transport::kTcp), "tcp");
  for (const auto* bad : {"", "pty", "udp", "TCP", "rtu-over-tcp://"})
    EXPECT_FALSE(parse_transport(bad)) << bad;
}

}  // namespace
}  // namespace phil::service

namespace phil::service {
namespace {

// ---- notifications (issue 14 item 4) ----

std::string buses() {
  return "buses: [{id: b, port: /dev/x, boxes: [{address: 1, model: adf300l-i}]}]\n";
}

TEST(SiteFile, TheNotificationsBlockChoosesTheGatewayAndThePolicy) {
  const auto s = parse(
      "name: s\nutc_offset: \"+08:00\"\nnotifications:\n"
      "  gateway: {kind: http, url: \"https://sms.example.com/v1\", "
      "token_header: X-Token, token: abc, timeout: 5s}\n"
      "  language: en\n  restore: true\n  daily_limit: 3\n"
      "  quiet_hours: {from: \"22:30\", to: \"07:00\"}\n"
      "  retry: {first: 1m, max: 1h, give_up_after: 12h}\n"
      "  office: [{phone: \"139\", kinds: [bus_offline, command_failed]}]\n"
      "  templates: {alarm1: {en: \"{tenant}: {balance}\"}}\n" +
      buses());
  ASSERT_TRUE(s.notify);
  const auto& n = *s.notify;
  EXPECT_EQ(n.gateway.kind, notify::GatewaySpec::Kind::kHttp);
  EXPECT_EQ(n.gateway.token_header, "X-Token");
  EXPECT_EQ(n.gateway.token, "abc");
  EXPECT_EQ(n.gateway.timeout, Millis(5000));
  EXPECT_EQ(n.language, text::Lang::kEn);
  EXPECT_TRUE(n.policy.restore);
  EXPECT_EQ(n.policy.daily_limit, 3);
  ASSERT_TRUE(n.policy.quiet);
  EXPECT_EQ(n.policy.quiet->from_minute, 22 * 60 + 30);
  EXPECT_EQ(n.policy.quiet->to_minute, 7 * 60);
  EXPECT_EQ(n.policy.retry_first, Millis(60'000));
  EXPECT_EQ(n.policy.give_up_after, Millis(12LL * 3600 * 1000));
  EXPECT_EQ(n.policy.utc_offset, std::chrono::minutes(480));
  ASSERT_EQ(n.policy.office.size(), 1U);
  EXPECT_TRUE(n.policy.office[0].kinds.contains(domain::AlarmKind::kCommandFailed));
  EXPECT_EQ(n.templates.at(domain::NoticeKind::kAlarm1).at(text::Lang::kEn), "{0}: {2}");
  EXPECT_FALSE(parse("name: s\n" + buses()).notify) << "nobody is told without the block";
}

TEST(SiteFile, ABadNotificationsBlockIsRefusedWhereItIsWrong) {
  const std::string head = "name: s\nnotifications:\n";
  const std::pair<std::string, std::string> cases[] = {
      {head + "  language: en\n", "gateway"},
      {head + "  gateway: {kind: pigeon}\n", "notifications.gateway.kind"},
      {head + "  gateway: {kind: http, url: \"ftp://x\"}\n", "is not http(s)://HOST"},
      {head + "  gateway: {kind: file, path: x, colour: red}\n", "colour: unknown key"},
      {head + "  gateway: {kind: file, path: x}\n  tenant: [bus_offline]\n",
       "subscribe the office to it instead"},
      {head + "  gateway: {kind: file, path: x}\n  quiet_hours: {from: \"25:00\", to: \"07:00\"}\n",
       "not a time of day"},
      {head + "  gateway: {kind: file, path: x}\n  templates: {alarm1: {en: \"{name}\"}}\n",
       "unknown field {name}"},
      {head + "  gateway: {kind: file, path: x}\n  templates: {alarm9: {en: x}}\n",
       "unknown template \"alarm9\""},
      {head + "  gateway: {kind: file, path: x}\n  office: [{phone: \"1\", kinds: [nope]}]\n",
       "unknown alarm kind \"nope\""},
      {head + "  gateway: {kind: http, url: \"https://x/\", token: a, token_file: b}\n",
       "give token or token_file, not both"},
  };
  for (const auto& [text, expect] : cases) {
    const auto err = error_of(text + buses());
    EXPECT_NE(err.find(expect), std::string::npos) << "for:\n" << text << "got: " << err;
  }
}

TEST(SiteFile, TheStatusScanIsOffUnlessTheSiteFileAsksForIt) {
  EXPECT_FALSE(parse("name: s\n" + buses()).status_scan);
  EXPECT_FALSE(parse("name: s\nstatus_scan: off\n" + buses()).status_scan);
  const auto defaults = parse("name: s\nstatus_scan: {}\n" + buses()).status_scan;
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->every, Millis(20'000));
  EXPECT_EQ(defaults->reply_delay, Millis(20));
  const auto set = parse("name: s\nstatus_scan: {every: 45s, reply_delay: 5ms}\n" + buses());
  ASSERT_TRUE(set.status_scan);
  EXPECT_EQ(set.status_scan->every, Millis(45'000));
  EXPECT_EQ(set.status_scan->reply_delay, Millis(5));
  const std::pair<std::string, std::string> bad[] = {
      {"status_scan: on\n", "status_scan is off or a map"},
      {"status_scan: {every: 500ms}\n", "status_scan.every"},
      {"status_scan: {every: 2h}\n", "status_scan.every"},
      {"status_scan: {reply_delay: 2s}\n", "status_scan.reply_delay"},
      {"status_scan: {evry: 20s}\n", "unknown key \"evry\""},
  };
  for (const auto& [text, expect] : bad) {
    const auto err = error_of("name: s\n" + text + buses());
    EXPECT_NE(err.find(expect), std::string::npos) << "for:\n" << text << "got: " << err;
  }
}

}  // namespace
}  // namespace phil::service
