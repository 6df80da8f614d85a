// The console's status board with 10,000 meters (issue 16): targets first paint < 1 s and a live
// update of 1,000 changed tiles < 50 ms, offscreen at 1280x860.
// - first paint: the API's ten pages of GET /api/status (1,000 rows each, as the API writes them)
//   parsed, loaded into the model, sorted and filtered by the proxy, laid out and painted;
// - live update: 1,000 feed rows (a state change each, as GET /api/events sends them) parsed and
//   applied, and the board painted again.
// The network is not in it (perf_api measures the API's side: 76.5 ms for the board's page).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <QtCore/QElapsedTimer>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtWidgets/QApplication>
#include <nlohmann/json.hpp>

#include <phil/console/board_model.hpp>
#include <phil/console/board_view.hpp>

#include "perf_args.hpp"

namespace {

// A board row as the API writes it (views::board_row_json's fields).
nlohmann::json row(int i, const char* status) {
  const int box = i / 36 + 1;
  const int circuit = i % 36 + 1;
  const int floor = box / 4 + 1;
  return {{"meter", "bus" + std::to_string(box / 50 + 1) + "/" + std::to_string(box) + "/" +
                        std::to_string(circuit)},
          {"account", "A" + std::to_string(100000 + i)},
          {"tenant", "Tenant " + std::to_string(i)},
          {"room", std::to_string(floor * 100 + circuit)},
          {"building", "b" + std::to_string(floor / 20 + 1)},
          {"floor", floor},
          {"status", status},
          {"balance", std::to_string(i % 500) + ".25"},
          {"relay", "closed"},
          {"mode", "prepaid"},
          {"billing_mode", "meter-side"},
          {"energy_meter", false},
          {"comm_manager", "cm1"},
          {"actions", nlohmann::json::array()},
          {"action_text", ""},
          {"age_s", 53},
          {"state_age_s", 13},
          {"read_at", "2026-12-07T14:40:57+00:00"},
          {"state_at", "2026-12-07T14:41:37+00:00"}};
}

}  // namespace

int main(int argc, char** argv) {
  const auto args =
      phil::perf::parse_common_args(argc, argv, "perf_console_board [--smoke] [--out FILE]");
  if (!args) return 2;
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  const int meters = args->smoke ? 1'000 : 10'000;
  const int changes = args->smoke ? 100 : 1'000;
  const int runs = args->smoke ? 2 : 7;
  const char* statuses[] = {"normal", "normal",  "normal",     "alarm1",
                            "alarm2", "arrears", "not_opened", "offline"};

  std::vector<std::string> pages;  // the API's bodies, 1,000 rows a page
  for (int first = 0; first < meters; first += 1000) {
    nlohmann::json items = nlohmann::json::array();
    for (int i = first; i < std::min(meters, first + 1000); ++i)
      items.push_back(row(i, statuses[i % 8]));
    pages.push_back(nlohmann::json{{"ok", true}, {"items", items}, {"total", meters}}.dump());
  }
  std::vector<std::string> feed;  // 1,000 state changes as the feed's data lines
  for (int k = 0; k < changes; ++k) {
    const int i = (k * 7919) % meters;
    feed.push_back(row(i, statuses[(i + 3) % 8]).dump());
  }

  std::vector<double> first_paint;
  std::vector<double> update;
  for (int run = 0; run < runs; ++run) {
    phil::console::BoardModel model;
    phil::console::BoardFilter filter;
    filter.setSourceModel(&model);
    phil::console::BoardView view;
    view.setModel(&filter);
    view.resize(1280, 860);
    view.show();
    QApplication::processEvents();

    QElapsedTimer t;
    t.start();
    QJsonArray all;
    for (const auto& body : pages) {
      const auto page = QJsonDocument::fromJson(QByteArray::fromStdString(body)).object();
      for (const auto& item : page.value("items").toArray())
        all.append(item);
    }
    model.load(all);
    view.relayout();
    (void)view.viewport()->grab();  // paints the tiles in sight, as a screen would
    first_paint.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);

    t.restart();
    std::vector<QJsonObject> rows;
    rows.reserve(feed.size());
    for (const auto& data : feed)
      rows.push_back(QJsonDocument::fromJson(QByteArray::fromStdString(data)).object());
    model.applyMany(rows);
    (void)view.viewport()->grab();
    update.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    if (model.rowCount() != meters) {
      std::fprintf(stderr, "perf_console_board: the board holds %d meters, not %d\n",
                   model.rowCount(), meters);
      return 1;
    }
  }
  const nlohmann::json out{
      {"benchmark", "console_board"},
      {"meters", meters},
      {"changed_tiles", changes},
      {"runs", runs},
      {"viewport", "1280x860 offscreen"},
      {"first_paint_ms_median", phil::perf::median(first_paint)},
      {"first_paint_ms_max", *std::max_element(first_paint.begin(), first_paint.end())},
      {"live_update_ms_median", phil::perf::median(update)},
      {"live_update_ms_max", *std::max_element(update.begin(), update.end())},
      {"targets", {{"first_paint_ms", 1000}, {"live_update_ms", 50}}}};
  std::printf("%s\n", out.dump(2).c_str());
  if (!args->out.empty()) std::ofstream(args->out) << out.dump(2) << "\n";
  return 0;
}
