#include <algorithm>
#include <tuple>

#include <phil/domain/status_board.hpp>

#include "enum_names.hpp"

namespace phil::domain {

namespace {

constexpr detail::NameTable<BoardAction, 3> kActionNames{{
    {BoardAction::kMeterSwapped, "meter_swapped"},
    {BoardAction::kBoxBillingStopped, "box_billing_stopped"},
    {BoardAction::kBalanceMismatch, "balance_mismatch"},
}};

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// `needle` in `hay`, ASCII letters in any case.
bool contains(std::string_view hay, std::string_view needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                     [](char a, char b) { return lower(a) == lower(b); }) != hay.end();
}

bool text_matches(const BoardRow& r, std::string_view t) {
  const auto in = [&](const std::optional<std::string>& v) { return v && contains(*v, t); };
  return contains(r.meter.to_string(), t) || in(r.account) || contains(r.tenant, t) || in(r.room) ||
         in(r.building) || in(r.comm_manager);
}

/// Sort key: a missing building or floor after every present one.
auto place_key(const BoardRow& r) {
  return std::make_tuple(!r.building.has_value(), r.building.value_or(""), !r.floor.has_value(),
                         r.floor.value_or(0), r.meter.bus, r.meter.box, r.meter.circuit);
}

}  // namespace

std::string_view to_string(BoardAction a) {
  return detail::name_of(kActionNames, a);
}

void as_energy_meter(BoardRow& row) {
  row.energy_meter = true;
  if (row.status != MeterStatus::kOffline) row.status = MeterStatus::kNormal;
  row.balance_fen.reset();
  row.relay_closed.reset();
  row.mode.reset();
  row.mismatch_fen.reset();
}

std::vector<BoardAction> board_actions(const BoardRow& row) {
  std::vector<BoardAction> out;
  if (row.energy_meter) return out;
  if (row.swap_detected_at) out.push_back(BoardAction::kMeterSwapped);
  if (row.box_mismatch) out.push_back(BoardAction::kBoxBillingStopped);
  if (row.mismatch_fen) out.push_back(BoardAction::kBalanceMismatch);
  return out;
}

bool matches(const BoardRow& row, const BoardFilter& f) {
  if (f.building && row.building != f.building) return false;
  if (f.floor && row.floor != f.floor) return false;
  if (f.bus && row.meter.bus != *f.bus) return false;
  if (f.box && row.meter.box != *f.box) return false;
  if (f.status && row.status != *f.status) return false;
  if (f.account && row.account != f.account) return false;
  return !f.text || text_matches(row, *f.text);
}

std::size_t StatusCounts::of(MeterStatus s) const {
  for (std::size_t i = 0; i < kBoardStatuses.size(); ++i) {
    if (kBoardStatuses[i] == s) return by_status[i];
  }
  return 0;
}

StatusCounts count_statuses(std::span<const BoardRow> rows) {
  StatusCounts c;
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < kBoardStatuses.size(); ++i) {
      if (kBoardStatuses[i] == r.status) ++c.by_status[i];
    }
    ++c.total;
  }
  return c;
}

std::vector<BoardBuilding> group_board(std::vector<BoardRow> rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const BoardRow& a, const BoardRow& b) {
    return place_key(a) < place_key(b);
  });
  std::vector<BoardBuilding> out;
  for (auto& r : rows) {
    if (out.empty() || out.back().building != r.building) out.push_back({r.building, {}});
    auto& floors = out.back().floors;
    if (floors.empty() || floors.back().floor != r.floor) floors.push_back({r.floor, {}});
    auto& boxes = floors.back().boxes;
    if (boxes.empty() || boxes.back().bus != r.meter.bus || boxes.back().box != r.meter.box) {
      boxes.push_back({r.meter.bus, r.meter.box, {}});
    }
    boxes.back().meters.push_back(std::move(r));
  }
  return out;
}

}  // namespace phil::domain
