#include "support/fake_master.hpp"

namespace phil::meterlink {

namespace {

LinkError timeout(int slave) {
  return LinkError{LinkErrorKind::kTimeout, 0,
                   "fake slave " + std::to_string(slave) + " timed out"};
}

LinkError port_unavailable() {
  return LinkError{LinkErrorKind::kPortUnavailable, 0,
                   "port fake missing or busy: No such file or directory"};
}

LinkError bad_reply(int slave) {
  return LinkError{LinkErrorKind::kBadReply, 0,
                   "fake slave " + std::to_string(slave) + " replied with the wrong byte count"};
}

}  // namespace

std::uint16_t FakeMaster::get(int slave, std::uint16_t address) const {
  const auto s = regs_.find(slave);
  if (s == regs_.end()) return 0;
  const auto r = s->second.find(address);
  return r == s->second.end() ? 0 : r->second;
}

void FakeMaster::set_silent(int slave, bool silent) {
  if (silent) {
    silent_.insert(slave);
  } else {
    silent_.erase(slave);
  }
}

int FakeMaster::timeouts(int slave) const {
  int n = 0;
  for (const auto& r : log_)
    n += (r.slave == slave && r.outcome == "timeout") ? 1 : 0;
  return n;
}

std::optional<FakeMaster::Script> FakeMaster::take_fault(Op op, int slave) {
  for (auto it = script_.begin(); it != script_.end(); ++it) {
    if ((it->op == Op::kAny || it->op == op) && (!it->slave || *it->slave == slave)) {
      auto s = *it;
      script_.erase(it);
      return s;
    }
  }
  return std::nullopt;
}

LinkResult<std::vector<std::uint16_t>> FakeMaster::read_registers(int slave, std::uint16_t start,
                                                                  std::uint16_t count) {
  Request req{Op::kRead, slave, start, count, {}, "ok"};
  if (port_unavailable_) {
    req.outcome = "port unavailable";
    log_.push_back(req);
    return port_unavailable();
  }
  if (silent_.contains(slave)) {
    req.outcome = "timeout";
    log_.push_back(req);
    return timeout(slave);
  }
  if (count == 0 || count > kMaxReadRegisters || start + count > 0x10000) {
    req.outcome = "exception 3";
    log_.push_back(req);
    return LinkError{LinkErrorKind::kException, 3, "illegal data value"};
  }
  if (auto f = take_fault(Op::kRead, slave)) {
    switch (f->fault) {
      case Fault::kRequestLost:
      case Fault::kReplyLost:
        req.outcome = "timeout";
        log_.push_back(req);
        return timeout(slave);
      case Fault::kException:
        req.outcome = "exception " + std::to_string(f->exception_code);
        log_.push_back(req);
        return LinkError{LinkErrorKind::kException, f->exception_code, req.outcome};
      case Fault::kIo:
        req.outcome = "io";
        log_.push_back(req);
        return LinkError{LinkErrorKind::kIo, 0, "fake garbled reply"};
      case Fault::kBadReply:
        req.outcome = "bad reply";
        log_.push_back(req);
        return bad_reply(slave);
    }
  }
  std::vector<std::uint16_t> out;
  out.reserve(count);
  for (std::uint32_t a = start; a < std::uint32_t{start} + count; ++a) {
    out.push_back(get(slave, static_cast<std::uint16_t>(a)));
  }
  log_.push_back(req);
  return out;
}

LinkResult<void> FakeMaster::write_registers(int slave, std::uint16_t start,
                                             std::span<const std::uint16_t> values) {
  Request req{Op::kWrite,
              slave,
              start,
              static_cast<std::uint16_t>(values.size()),
              std::vector<std::uint16_t>(values.begin(), values.end()),
              "ok"};
  if (port_unavailable_) {
    req.outcome = "port unavailable";
    log_.push_back(req);
    return port_unavailable();
  }
  if (silent_.contains(slave)) {
    req.outcome = "timeout";
    log_.push_back(req);
    return timeout(slave);
  }
  const auto fault = take_fault(Op::kWrite, slave);
  if (fault && fault->fault == Fault::kRequestLost) {
    req.outcome = "timeout";
    log_.push_back(req);
    return timeout(slave);
  }
  if (fault && fault->fault == Fault::kException) {
    req.outcome = "exception " + std::to_string(fault->exception_code);
    log_.push_back(req);
    return LinkError{LinkErrorKind::kException, fault->exception_code, req.outcome};
  }
  std::optional<std::uint8_t> refused;
  if (hook_) {
    refused = hook_(*this, slave, start, values);
  } else {
    for (std::size_t i = 0; i < values.size(); ++i) {
      set(slave, static_cast<std::uint16_t>(start + i), values[i]);
    }
  }
  if (fault) {
    switch (fault->fault) {
      case Fault::kReplyLost:
        req.outcome = "timeout";
        log_.push_back(req);
        return timeout(slave);
      case Fault::kBadReply:
        req.outcome = "bad reply";
        log_.push_back(req);
        return bad_reply(slave);
      case Fault::kRequestLost:  // handled above: nothing applied
      case Fault::kException:
      case Fault::kIo:
        break;
    }
    req.outcome = "io";
    log_.push_back(req);
    return LinkError{LinkErrorKind::kIo, 0, "fake garbled reply"};
  }
  if (refused) {
    req.outcome = "exception " + std::to_string(*refused);
    log_.push_back(req);
    return LinkError{LinkErrorKind::kException, *refused, req.outcome};
  }
  log_.push_back(req);
  return {};
}

}  // namespace phil::meterlink
