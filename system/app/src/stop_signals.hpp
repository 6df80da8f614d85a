#pragma once
// The daemons' stop signals (prepaidd, prepaid-api): SIGTERM, SIGINT and SIGHUP are blocked in
// every thread and taken only where the main thread waits for them, so a worker never dies of one
// half-way through a transaction.
#include <csignal>

#include <phil/domain/clock.hpp>

namespace phil::app {

/// Blocks the stop signals in this thread and every thread it starts afterwards; the set to
/// wait on.
sigset_t block_stop_signals();

/// Waits up to `d` for one of `set`; the signal number, or 0 when none came.
int wait_for_signal(const sigset_t& set, Millis d);

}  // namespace phil::app
