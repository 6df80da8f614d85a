#include "watch_book.hpp"

#include <algorithm>

#include <phil/common/decimal.hpp>

#include "register_codec.hpp"

namespace phil::sim::detail {

namespace {

bool in_scope(const MeterId& scope, const MeterId& place) {
  return scope.bus.empty() ||
         (scope.bus == place.bus && (scope.address == 0 || scope.address == place.address) &&
          (scope.circuit == 0 || place.circuit == 0 || scope.circuit == place.circuit));
}

std::string yuan(std::int64_t fen) {
  return format_decimal(fen, 2) + " yuan";
}

}  // namespace

std::uint64_t WatchBook::add(const MeterId& scope, Sink sink) {
  if (watchers_.empty()) seen_.clear();  // stale: nobody was looking
  watchers_.push_back(Watcher{next_id_, scope, std::move(sink)});
  return next_id_++;
}

void WatchBook::remove(std::uint64_t id) {
  std::erase_if(watchers_, [id](const Watcher& w) { return w.id == id; });
  std::erase_if(lines_, [id](const Line& l) { return l.watcher == id; });
}

std::vector<std::pair<WatchBook::Sink, std::string>> WatchBook::take() {
  std::vector<std::pair<Sink, std::string>> out;
  for (auto& l : lines_) {
    for (const auto& w : watchers_) {
      if (w.id == l.watcher) out.emplace_back(w.sink, std::move(l.text));
    }
  }
  lines_.clear();
  return out;
}

void WatchBook::emit(const Place& where, TimePoint at, const std::string& what) {
  std::string text = format_timestamp(at, where.utc_offset);
  text += " " + where.id.text() + " ";
  text += what;
  for (const auto& w : watchers_) {
    if (in_scope(w.scope, where.id)) lines_.push_back({w.id, text});
  }
}

WatchBook::Seen WatchBook::seen_of(const Box& box, int n) {
  const CircuitModel& c = box.circuit(n);
  return Seen{c.relay_closed(), c.mode(),      c.status(),    c.purchase_count(),
              c.debit_count(),  box.serial(n), c.last_trip(), c.last_overload_trip(),
              box.powered()};
}

void WatchBook::observe(const std::string& bus, int address, const Box& box, TimePoint at,
                        std::chrono::minutes utc_offset) {
  if (watchers_.empty()) return;
  Seen supply;
  supply.powered = box.powered();
  const auto [was, first_look] = seen_.try_emplace({bus, address, 0}, supply);
  if (!first_look && was->second.powered != box.powered()) {
    emit({{bus, address, 0}, utc_offset}, at, box.powered() ? "power back" : "power lost");
    was->second.powered = box.powered();
  }
  for (int n = 1; n <= box.circuit_count(); ++n) {
    const Seen now = seen_of(box, n);
    const auto [it, first] = seen_.try_emplace({bus, address, n}, now);
    if (first) continue;
    circuit_changes({{bus, address, n}, utc_offset}, box.circuit(n), it->second, now, at);
    it->second = now;
  }
}

void WatchBook::circuit_changes(const Place& where, const CircuitModel& c, const Seen& was,
                                const Seen& now, TimePoint at) {
  const std::string balance = "balance " + yuan(c.balance_fen());
  const auto say = [&](const std::string& what) { emit(where, at, what); };
  if (now.serial != was.serial) {
    say("meter replaced: serial " + std::to_string(now.serial));
    return;
  }
  if (!c.has_relay()) return;
  if (now.purchase_count != was.purchase_count) {
    say("credit #" + std::to_string(now.purchase_count) + " +" + yuan(c.last_purchase_fen()) +
        ", " + balance);
  }
  if (now.debit_count != was.debit_count) {
    say("debit #" + std::to_string(now.debit_count) + " -" + yuan(c.last_debit_fen()) + ", " +
        balance);
  }
  if (now.mode != was.mode) say("mode " + std::string(codec::mode_name(now.mode)));
  // A trip since the last look is the one instant known exactly: the balance crossed its
  // thresholds no later than that.
  const bool tripped = now.last_trip != was.last_trip && now.last_trip.has_value();
  const TimePoint crossed = tripped ? std::min(at, *now.last_trip) : at;
  const auto crossing = [&](bool before, bool after, const std::string& name,
                            std::int64_t threshold) {
    if (before == after) return;
    emit(where, crossed,
         balance + (after ? " at or below " : " above ") + name + " " + yuan(threshold) +
             (after ? "" : " again"));
  };
  crossing(was.flags.alarm1, now.flags.alarm1, "alarm1", c.alarm1_fen());
  crossing(was.flags.alarm2, now.flags.alarm2, "alarm2", c.alarm2_fen());
  if (was.flags.arrears != now.flags.arrears) {
    emit(where, crossed,
         balance + (now.flags.arrears ? ": arrears (at or below 0)" : ": out of arrears"));
  }
  if (now.relay == was.relay) return;
  if (now.relay) {
    say("relay closed");
  } else if (tripped) {
    emit(where, *now.last_trip, "relay open: balance ran out, " + balance);
  } else if (now.last_overload_trip != was.last_overload_trip && now.last_overload_trip) {
    emit(where, *now.last_overload_trip,
         "relay open: overload above " + std::to_string(c.overload_w()) + " W");
  } else {
    say(now.mode == Mode::kForcedOff ? "relay open: forced off" : "relay open");
  }
}

}  // namespace phil::sim::detail
