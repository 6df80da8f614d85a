#include "delivery.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <variant>

#include <spdlog/spdlog.h>

#include <phil/common/decimal.hpp>
#include <phil/common/text.hpp>

#include "host_billing.hpp"
#include "supervision.hpp"

namespace phil::service::detail {

namespace {

using domain::MeterId;

/// Read-backs that disagree with a setting after this many writes fail it for an operator
/// (e.g. a close on a meter in arrears: it keeps its relay open).
constexpr int kMaxSettingMismatches = 5;

/// Records an attempt that did not complete; a silent box is skipped for the rest of the
/// iteration and its commands wait for its backoff. Every failed try counts, pre-write reads
/// included; the count is stored with the command (CommandRecord::tries), so a restart keeps
/// the backoff.
void defer(BusContext& ctx, const store::CommandRecord& cmd, const std::string& why,
           bool box_silent, int attempts, TimePoint now) {
  auto& bus = ctx.bus;
  auto* box = bus.box(cmd.meter.box);
  const int tries = cmd.tries + 1;
  auto next = now + domain::retry_delay(std::max({1, attempts, tries}));
  if (box_silent && box) {
    if (!ctx.is_silent(*box)) box->last_error = why;  // the first failure's reason
    ctx.mark_silent(*box, now);
    next = ctx.release_time(*box, now);
  }
  ctx.outbox().defer_command(cmd.id, why, next, now, tries);
  spdlog::warn("{}: command {} ({} {}) not delivered yet: {}; next try by {}", bus.config.id,
               cmd.id, domain::to_string(cmd.kind), cmd.meter.to_string(), why,
               format_timestamp(next, std::chrono::minutes(0)));
}

/// defer() after a failed request: the box counts as silent by the silent-box rule, and an
/// unavailable port is reported as the bus's (once), not as the box's silence.
void defer(BusContext& ctx, const store::CommandRecord& cmd, const std::string& what,
           const meterlink::LinkError& e, int attempts, TimePoint now) {
  ctx.note_port(e, now);
  defer(ctx, cmd, what + ": " + e.message, silent(e), attempts, now);
}

/// A credit or a debit: one write of (count, amount) decided by the count the meter reads back
/// (domain::decide_credit / decide_debit), so each is applied exactly once.
struct Counted {
  std::string_view noun;            ///< "credit", "debit"
  std::string_view count_register;  ///< "purchase_count", "debit_count"
  domain::CreditDecision (*decide)(std::optional<std::uint16_t>, std::uint16_t);
  std::uint16_t (*count_of)(const meterlink::CreditState&);
  meterlink::LinkResult<void> (meterlink::Adf300Driver::*write)(meterlink::ModbusMaster&, int, int,
                                                                std::uint16_t, std::int64_t) const;
};

constexpr Counted kCredit{"credit", "purchase_count", &domain::decide_credit,
                          [](const meterlink::CreditState& s) { return s.purchase_count; },
                          &meterlink::Adf300Driver::write_credit};
constexpr Counted kDebit{"debit", "debit_count", &domain::decide_debit,
                         [](const meterlink::CreditState& s) { return s.debit_count; },
                         &meterlink::Adf300Driver::write_debit};

void confirm_counted(BusContext& ctx, const Counted& what, const store::CommandRecord& cmd,
                     const meterlink::CreditState& s, TimePoint now) {
  // A debit's ledger entry is written by the store in this same transaction.
  ctx.outbox().confirm_command(cmd.id, s, now, ctx.shared.rules());
  // A sale made in any process ends with this credit: a host-side meter the system tripped
  // is closed again if the balance is back above 0.
  if (auto* box = ctx.bus.box(cmd.meter.box)) host_billing(ctx, *box, now, cmd.meter);
  spdlog::info("{} {} of {} fen confirmed on {} ({} {}, balance {} fen)", what.noun, cmd.id,
               cmd.amount_fen, cmd.meter.to_string(), what.count_register, what.count_of(s),
               s.balance_fen);
}

void fail(BusContext& ctx, const store::CommandRecord& cmd, const std::string& reason,
          TimePoint now) {
  ctx.outbox().fail_command(cmd.id, reason, now);
  spdlog::error("command {} on {} failed: {}", cmd.id, cmd.meter.to_string(), reason);
}

/// Carries out a decision that ends the command (confirm, or fail on a conflict). False when
/// the decision is to write: the command is still open.
bool settle_counted(BusContext& ctx, const Counted& what, const store::CommandRecord& cmd,
                    const domain::CreditDecision& decision, const meterlink::CreditState& state,
                    TimePoint now) {
  if (decision.action == domain::CreditAction::kConfirm) {
    confirm_counted(ctx, what, cmd, state, now);
    return true;
  }
  if (decision.action == domain::CreditAction::kFail) {
    fail(ctx, cmd, decision.reason, now);
    return true;
  }
  return false;
}

/// One delivery attempt of a credit or a debit. True when the command reached a final state.
bool deliver_counted(BusContext& ctx, const Counted& what, BoxRuntime& box,
                     const store::CommandRecord& cmd, TimePoint now) {
  auto& master = ctx.master();
  const auto& driver = *box.driver;
  const int circuit = cmd.meter.circuit;
  const std::string noun(what.noun);
  const std::string count_register(what.count_register);
  auto before = driver.read_credit_state(master, box.address, circuit);
  if (!before) {
    defer(ctx, cmd, "reading " + count_register, before.error(), cmd.attempts, now);
    return false;
  }
  const auto decision = what.decide(cmd.purchase_count, what.count_of(before.value()));
  if (settle_counted(ctx, what, cmd, decision, before.value(), now)) return true;
  // Durable before the write: after a crash or a lost reply, the same count is decided on.
  ctx.outbox().begin_attempt(
      cmd.id, decision.assign ? std::optional<std::uint16_t>(decision.count) : std::nullopt, now);
  const int attempts = cmd.attempts + 1;
  const auto written =
      (driver.*what.write)(master, box.address, circuit, decision.count, cmd.amount_fen);
  if (!written && written.error().kind == meterlink::LinkErrorKind::kEncode) {
    // Nothing was sent, and the same count and amount never will encode: an operator decides.
    // (Had an earlier attempt been applied, the count read above would have confirmed.)
    fail(ctx, cmd,
         noun + " cannot be sent to " + cmd.meter.to_string() + ": " + written.error().message,
         now);
    return true;
  }
  if (!written && silent(written.error())) {
    // Request or reply lost (or the port gone, nothing sent): the meter's count decides next
    // time, never a new count.
    defer(ctx, cmd, "writing " + noun, written.error(), attempts, now);
    return false;
  }
  // Written, refused (kException: nothing applied) or answered wrongly (kBadReply: may have been
  // applied): the count read back decides, as after a lost reply.
  auto after = driver.read_credit_state(master, box.address, circuit);
  if (!after) {
    defer(ctx, cmd, "reading back", after.error(), attempts, now);
    return false;
  }
  const auto check = what.decide(decision.count, what.count_of(after.value()));
  if (settle_counted(ctx, what, cmd, check, after.value(), now)) return true;
  const bool refused = !written && written.error().kind == meterlink::LinkErrorKind::kException;
  if (refused && cmd.kind == domain::CommandKind::kDebit) {
    // The meter refuses a debit larger than its balance (the tenant used the money meanwhile):
    // repeating it changes nothing. Cancelled; nothing was taken off or booked.
    fail(ctx, cmd,
         "the meter refused the debit (" + written.error().message + "); its balance is " +
             format_decimal(after.value().balance_fen, 2) + " yuan, nothing was taken off",
         now);
    return true;
  }
  defer(ctx, cmd,
        written   ? "meter acknowledged but did not apply the " + noun
        : refused ? "meter refused the " + noun + ": " + written.error().message
                  : "meter did not apply the " + noun + ": " + written.error().message,
        false, attempts, now);
  return false;
}

/// Why a setting command can never be sent to its target (checked before the first write), or
/// nullopt: the profile lacks a register, a value does not fit it, a box has no clock. The same
/// check (Adf300Driver::check_command) refuses such a command when it is queued, so this
/// catches only a command queued before the profile changed.
std::optional<std::string> unsendable(const BusContext& ctx, const BoxRuntime& box,
                                      const store::CommandRecord& cmd) {
  const auto ok = box.driver->check_command(cmd.params, cmd.meter.circuit);
  if (ok) return std::nullopt;
  const auto target =
      domain::is_box_level(cmd.kind) ? "box " + ctx.bus.box_name(box) : cmd.meter.to_string();
  return std::string(domain::to_string(cmd.kind)) + " cannot be sent to " + target + ": " +
         ok.error().message;
}

/// Why a close that did not read back closed never will, if the meter says so: in prepaid mode
/// it keeps the relay open at zero balance (Operations refuses such a close at the counter; the
/// balance may have run out since). nullopt for any other command or a positive balance.
std::optional<std::string> close_refused_by_meter(const meterlink::Adf300Driver& driver,
                                                  meterlink::ModbusMaster& master,
                                                  const BoxRuntime& box,
                                                  const store::CommandRecord& cmd) {
  const auto* m = std::get_if<domain::ModePayload>(&cmd.params);
  if (m == nullptr || m->relay != domain::RelayCommand::kClose) return std::nullopt;
  const auto s = driver.read_credit_state(master, box.address, cmd.meter.circuit);
  if (!s || s.value().relay_closed || s.value().balance_fen > 0) return std::nullopt;
  return text::format(text::Id::kCloseRelayHeldAtZero, cmd.meter.to_string(),
                      format_decimal(s.value().balance_fen, 2));
}

/// One delivery attempt of a setting, of a circuit (mode, thresholds, price) or of a box (TOU
/// schedule, clock): write, then read the registers back. Settings are idempotent, so a lost
/// reply is simply written again. True when the command reached a final state.
bool deliver_setting(BusContext& ctx, BoxRuntime& box, const store::CommandRecord& cmd,
                     TimePoint now) {
  const auto& driver = *box.driver;
  auto& master = ctx.master();
  const int circuit = cmd.meter.circuit;
  const bool box_level = domain::is_box_level(cmd.kind);
  const auto kind = std::string(domain::to_string(cmd.kind));
  const auto target = box_level ? "box " + ctx.bus.box_name(box) : cmd.meter.to_string();
  if (const auto why = unsendable(ctx, box, cmd)) {
    fail(ctx, cmd, *why, now);
    return true;
  }
  // False: an operator superseded or cancelled it meanwhile; nothing to send.
  if (!ctx.outbox().try_begin_attempt(cmd.id, std::nullopt, now)) return true;
  const int attempts = cmd.attempts + 1;
  // A clock command carries no value: the box gets this moment's local time.
  const auto local = [&] { return ctx.shared.local_seconds(ctx.shared.clock.now()); };
  const auto written = box_level
                           ? driver.write_box_setting(master, box.address, cmd.params, local())
                           : driver.write_setting(master, box.address, circuit, cmd.params);
  if (!written) {
    switch (written.error().kind) {
      case meterlink::LinkErrorKind::kException:  // refused: nothing applied, no use repeating
        fail(ctx, cmd,
             (box_level ? target : "the meter") + " refused the " + kind + ": " +
                 written.error().message,
             now);
        return true;
      case meterlink::LinkErrorKind::kEncode:  // nothing sent, and it never will encode
        fail(ctx, cmd, kind + " cannot be sent to " + target + ": " + written.error().message, now);
        return true;
      case meterlink::LinkErrorKind::kTimeout:
      case meterlink::LinkErrorKind::kIo:
      case meterlink::LinkErrorKind::kBadReply:
      case meterlink::LinkErrorKind::kPortUnavailable:
        // Lost, garbled or wrong reply (it may have been applied) or not sent: settings are
        // idempotent, so it is written again.
        break;
    }
    defer(ctx, cmd, "writing " + kind, written.error(), attempts, now);
    return false;
  }
  const auto applied = box_level
                           ? driver.box_setting_applied(master, box.address, cmd.params, local())
                           : driver.setting_applied(master, box.address, circuit, cmd.params);
  if (!applied) {
    defer(ctx, cmd, "reading back", applied.error(), attempts, now);
    return false;
  }
  if (!applied.value()) {
    if (const auto why = close_refused_by_meter(driver, master, box, cmd)) {
      fail(ctx, cmd, *why, now);
      return true;
    }
    const auto msg = "the read-back of " + target + " does not show the " + kind;
    if (attempts >= kMaxSettingMismatches) {
      fail(ctx, cmd, msg + " after " + std::to_string(attempts) + " writes", now);
      return true;
    }
    defer(ctx, cmd, msg, false, attempts, now);
    return false;
  }
  // A circuit setting is confirmed with the circuit's credit state (balance, relay, status).
  meterlink::CreditState state{};
  if (!box_level) {
    const auto s = driver.read_credit_state(master, box.address, circuit);
    if (!s) {
      defer(ctx, cmd, "reading back", s.error(), attempts, now);
      return false;
    }
    state = s.value();
  }
  ctx.outbox().confirm_command(cmd.id, state, now, ctx.shared.rules());
  if (const auto* m = std::get_if<domain::ModePayload>(&cmd.params)) {
    box.commanded[circuit] = domain::target_mode(m->relay);
    box.relay_mismatch.erase(circuit);
  }
  if (cmd.kind == domain::CommandKind::kClock) box.clock_drifting = false;
  spdlog::info("{} {} confirmed on {} ({})", kind, cmd.id, target, cmd.payload);
  return true;
}

/// A command waits without a try while its box is silent or held: its wake-up time moves to the
/// box's release (stored only when later, so a waiting command is not rewritten every run).
void wait_for_box(BusContext& ctx, const BoxRuntime& box, const store::CommandRecord& cmd,
                  TimePoint now) {
  const auto until = ctx.release_time(box, now);
  if (cmd.next_attempt_at >= until) return;
  ctx.outbox().defer_command(cmd.id,
                             "box " + ctx.bus.box_name(box) +
                                 " does not answer: " + box.last_error + "; next try by " +
                                 format_timestamp(until, std::chrono::minutes(0)),
                             until, now, cmd.tries);
}

/// A credit or debit to a box whose identity is in question (issue 12.8) waits, without a try:
/// until its identity is read (its first contact, or after a swap: the poll reads it first), and
/// on a mismatch until an operator confirms the box. No money goes to a box that may not be the
/// one the site file names. True if `cmd` waits.
bool held_for_identity(BusContext& ctx, BoxRuntime& box, const store::CommandRecord& cmd,
                       TimePoint now) {
  if (cmd.kind != domain::CommandKind::kCredit && cmd.kind != domain::CommandKind::kDebit) {
    return false;
  }
  // Left as it is (still due): it goes as soon as the poll has read the box.
  if (identity_due(ctx, box)) return true;
  const auto identity = ctx.queries().box_identity(ctx.bus.config.id, box.address);
  if (!identity || !identity->mismatch) return false;
  const auto until = now + Millis(60'000);  // a poll cycle retries it sooner
  if (cmd.next_attempt_at < until) {
    const auto name = ctx.bus.box_name(box);
    ctx.outbox().defer_command(cmd.id,
                               "box " + name + " is not the box the site file expects (" +
                                   *identity->mismatch +
                                   "); waits for an operator: prepaidctl box confirm " + name,
                               until, now, cmd.tries);
  }
  return true;
}

}  // namespace

void deliver(BusContext& ctx, TimePoint now, bool force, std::optional<int> only_box) {
  auto& bus = ctx.bus;
  std::set<MeterId> blocked;  // targets whose head did not complete: nothing behind it goes
  // The head of each target's queue in (priority, id) order (mode before credit before
  // thresholds before prices); a poll cycle retries every head regardless of its own backoff,
  // but not on a held box (the poll itself probes that box).
  // When a head completes, the next command of its target becomes the head: another round.
  constexpr std::size_t kMaxPerRound = 1000;
  constexpr int kMaxRounds = 64;
  const auto horizon = force ? now + Millis(365LL * 24 * 3600 * 1000) : now;
  for (int round = 0; round < kMaxRounds; ++round) {
    bool progressed = false;
    for (const auto& cmd : ctx.outbox().next_commands(bus.config.id, horizon, kMaxPerRound)) {
      if (ctx.stopping()) return;
      if (blocked.contains(cmd.meter)) continue;
      if (only_box && cmd.meter.box != *only_box) continue;
      auto* box = bus.box(cmd.meter.box);
      if (!box || cmd.meter.circuit > box->driver->circuits() ||
          (cmd.meter.circuit == 0) != domain::is_box_level(cmd.kind)) {
        fail(ctx, cmd,
             "meter " + cmd.meter.to_string() + " is not configured on bus " + bus.config.id, now);
        progressed = true;
        continue;
      }
      if (box->driver->energy_only()) {
        // Never commanded (the counter refuses such a command with the site file; one queued
        // without it fails here, before anything is written).
        fail(ctx, cmd, unsendable(ctx, *box, cmd).value_or("energy meter"), now);
        progressed = true;
        continue;
      }
      if (ctx.is_silent(*box) || BusContext::held(*box, now)) {
        // No request to a box that is silent: it waits for its backoff or its next poll.
        wait_for_box(ctx, *box, cmd, now);
        blocked.insert(cmd.meter);
        continue;
      }
      if (held_for_identity(ctx, *box, cmd, now)) {
        blocked.insert(cmd.meter);
        continue;
      }
      ctx.use(*box);
      bool done = false;
      if (cmd.kind == domain::CommandKind::kCredit) {
        done = deliver_counted(ctx, kCredit, *box, cmd, now);
      } else if (cmd.kind == domain::CommandKind::kDebit) {
        // A debit its meter cannot take (no debit registers, an amount past debit_amount) is
        // cancelled before anything is written.
        if (const auto why = unsendable(ctx, *box, cmd)) {
          fail(ctx, cmd, *why, now);
          done = true;
        } else {
          done = deliver_counted(ctx, kDebit, *box, cmd, now);
        }
      } else {
        done = deliver_setting(ctx, *box, cmd, now);
      }
      if (!ctx.is_silent(*box)) {
        BusContext::mark_answering(*box);  // it answered, if only "no"
        if (!ctx.port_failed()) ctx.note_port_works(now);
      }
      if (done) {
        progressed = true;
      } else {
        blocked.insert(cmd.meter);
      }
    }
    if (!progressed) return;
  }
}

void deliver_waiting(BusContext& ctx) {
  const auto now = ctx.shared.clock.now();
  const auto due = ctx.outbox().next_command_due(ctx.bus.config.id);
  if (due && *due <= now) deliver(ctx, now, false);
}

}  // namespace phil::service::detail
