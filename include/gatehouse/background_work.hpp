#pragma once
#include <cstddef>
#include <atomic>
#include <list>
#include <string_view>

#include "gatehouse/metrics.hpp"
#include "gatehouse/net.hpp"

namespace gatehouse {

// Work that outlives the request that started it: a background revalidation,
// reading an upstream's answer to its end after the client left (so that the
// outcome is recorded), the leader of a collapsed cache miss. One per worker;
// its tasks run on the worker's thread like everything else there.
//
// Bounded: at most `limit` tasks at once; more are refused (spawn returns
// false) and counted, and the caller falls back (skip the revalidation,
// leave the outcome unknown). Counted: gatehouse_background_tasks{kind} and
// gatehouse_background_tasks_total{kind,result}. Cancelled on drain: every
// running task gets a terminal cancellation (its pending timer or socket
// operation ends with operation_aborted), and new tasks are refused.
//
// A task that records what a request did (an idempotency key's outcome, the
// renewal of its lease) must not be lost to a drain: it is spawned with
// AtDrain::finish, runs on through the drain (the drain waits for it, up to
// its deadline), and is cancelled only when the worker stops.
class BackgroundWork {
 public:
  BackgroundWork(asio::io_context& io, std::size_t limit, MetricsShard& metrics) : io_(io), limit_(limit), metrics_(metrics) {}
  BackgroundWork(const BackgroundWork&) = delete;
  BackgroundWork& operator=(const BackgroundWork&) = delete;

  // Starts `work` unless the limit is reached or a drain has begun. `kind`
  // names the work in metrics ("revalidation", "outcome").
  enum class AtDrain { cancel, finish };
  bool spawn(std::string_view kind, Awaitable<void> work, AtDrain at_drain = AtDrain::cancel);
  // The drain began: cancels the tasks that may be cancelled then, and
  // refuses new ones of that kind.
  void begin_drain();
  // Cancels every running task and refuses new ones (the worker stops).
  void cancel_all();
  std::size_t running() const { return tasks_.size(); }
  // Tasks spawned with AtDrain::finish still running; read by the drain from another thread.
  std::size_t finishing() const { return finishing_.load(std::memory_order_relaxed); }

 private:
  struct Task {
    asio::cancellation_signal signal;
    MetricsShard::BackgroundStats* stats = nullptr;
    bool cancel_requested = false;
    AtDrain at_drain = AtDrain::cancel;
  };
  void cancel(Task& task);
  void finished(std::list<Task>::iterator task, std::exception_ptr failure);

  asio::io_context& io_;
  std::size_t limit_;
  MetricsShard& metrics_;
  std::list<Task> tasks_;  // stable addresses: each task's signal is bound to its coroutine
  bool draining_ = false;  // no new AtDrain::cancel tasks
  bool closed_ = false;    // no new tasks at all
  std::atomic<std::size_t> finishing_{0};
};

}  // namespace gatehouse
