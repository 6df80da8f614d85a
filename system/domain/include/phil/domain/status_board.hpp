#pragma once
// The status board (issue 14 item 1): every meter with its status, balance, relay, mode, last
// reading and what an operator must do about it, grouped building -> floor -> box -> circuit,
// with counts per status, and the filters that narrow it. The store reads the rows in one query
// (store::Queries::status_board); these rules filter, count and group them. Pure.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/reading.hpp>
#include <phil/domain/site_model.hpp>
#include <phil/domain/status.hpp>

namespace phil::domain {

/// The six statuses, in the order the board counts and its legend lists them.
inline constexpr std::array kBoardStatuses{MeterStatus::kNormal,    MeterStatus::kAlarm1,
                                           MeterStatus::kAlarm2,    MeterStatus::kArrears,
                                           MeterStatus::kNotOpened, MeterStatus::kOffline};

/// What an operator must do about a meter before it is billed right again.
enum class BoardAction : std::uint8_t {
  kMeterSwapped,       ///< an on-site swap detected, not completed (meter replace --in-place)
  kBoxBillingStopped,  ///< its box is not the one the site file expects (box confirm)
  kBalanceMismatch,    ///< the account's meter-side balance check disagrees with the ledger
};

/// "meter_swapped", "box_billing_stopped", "balance_mismatch".
std::string_view to_string(BoardAction a);

/// One meter of the board, as the store keeps it.
struct BoardRow {
  MeterId meter;
  std::optional<std::string> building;  ///< its room's, else its box's
  std::optional<int> floor;             ///< likewise
  std::optional<std::string> room;
  std::optional<std::string> comm_manager;  ///< of its bus
  std::optional<std::string> account;       ///< the open account it belongs to
  std::string tenant;                       ///< of that account ("" without one)
  /// As the last poll derived it (or an account change set it): the board derives nothing.
  MeterStatus status = MeterStatus::kNotOpened;
  BillingMode billing_mode = BillingMode::kMeterSide;
  /// The balance that holds the account's money, fen: the meter's last read one (meter-side;
  /// nullopt until read), the account's ledger balance (host-side; nullopt without an account).
  std::optional<std::int64_t> balance_fen;
  std::optional<bool> relay_closed;  ///< as last read; nullopt: never read
  std::optional<MeterMode> mode;     ///< as last read; nullopt: never read
  std::optional<TimePoint> read_at;  ///< the last successful reading; nullopt: never read
  /// The last read of its state (balance, relay, status): read_at or a status scan since.
  std::optional<TimePoint> state_at;
  std::optional<TimePoint> swap_detected_at;  ///< an on-site swap waiting for the operator
  /// Why its box's billing is stopped (the box identity mismatch); nullopt: billed.
  std::optional<std::string> box_mismatch;
  /// Its account's last meter-side balance check finding (meters minus expectation), fen.
  std::optional<std::int64_t> mismatch_fen;
  /// A plain energy meter (profile kind energy_only, issue 14 item 6): read for energy reports,
  /// never billed nor commanded (as_energy_meter).
  bool energy_meter = false;
};

/// `row` as the board shows a plain energy meter: no account to open, no balance, relay or mode
/// (it has none; what the store keeps of them is a prepaid reading's default), status normal or
/// offline (one never read yet is not "not opened": nothing can be opened on it), and no action
/// required (board_actions: nothing of it is billed).
void as_energy_meter(BoardRow& row);

/// What the row asks of an operator, in the order of BoardAction; empty for none (always for an
/// energy meter).
std::vector<BoardAction> board_actions(const BoardRow& row);

/// What narrows the board; every field given must hold (and). Texts compare exactly, except
/// `text`: a substring, ASCII letters in any case, of the meter id, account, tenant, room,
/// building or comm manager.
struct BoardFilter {
  std::optional<std::string> building{};
  std::optional<int> floor{};
  std::optional<std::string> bus{};
  std::optional<int> box{};  ///< the box's Modbus address (with `bus`: that bus's box)
  std::optional<MeterStatus> status{};
  std::optional<std::string> account{};
  std::optional<std::string> text{};
};

bool matches(const BoardRow& row, const BoardFilter& filter);

/// Meters per status, and in all.
struct StatusCounts {
  std::array<std::size_t, kBoardStatuses.size()> by_status{};  ///< in kBoardStatuses order
  std::size_t total = 0;
  std::size_t of(MeterStatus s) const;
};

StatusCounts count_statuses(std::span<const BoardRow> rows);

/// The board's groups: buildings by id (meters placed in none last), floors by number (none
/// last), boxes by bus and address, meters by circuit.
struct BoardBox {
  std::string bus;
  int box = 0;
  std::vector<BoardRow> meters;
};
struct BoardFloor {
  std::optional<int> floor;
  std::vector<BoardBox> boxes;
};
struct BoardBuilding {
  std::optional<std::string> building;
  std::vector<BoardFloor> floors;
};

/// `rows` grouped as above (every row once, whatever order they came in).
std::vector<BoardBuilding> group_board(std::vector<BoardRow> rows);

}  // namespace phil::domain
