#pragma once
#include <cstddef>
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
class BackgroundWork {
 public:
  BackgroundWork(asio::io_context& io, std::size_t limit, MetricsShard& metrics) : io_(io), limit_(limit), metrics_(metrics) {}
  BackgroundWork(const BackgroundWork&) = delete;
  BackgroundWork& operator=(const BackgroundWork&) = delete;

  // Starts `work` unless the limit is reached or a drain has begun. `kind`
  // names the work in metrics ("revalidation", "outcome").
  bool spawn(std::string_view kind, Awaitable<void> work);
  // Cancels every running task and refuses new ones.
  void cancel_all();
  std::size_t running() const { return tasks_.size(); }

 private:
  struct Task {
    asio::cancellation_signal signal;
    MetricsShard::BackgroundStats* stats = nullptr;
    bool cancel_requested = false;
  };
  void finished(std::list<Task>::iterator task, std::exception_ptr failure);

  asio::io_context& io_;
  std::size_t limit_;
  MetricsShard& metrics_;
  std::list<Task> tasks_;  // stable addresses: each task's signal is bound to its coroutine
  bool closed_ = false;
};

}  // namespace gatehouse
