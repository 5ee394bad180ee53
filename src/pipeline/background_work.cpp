#include "gatehouse/background_work.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>

#include "gatehouse/ops_log.hpp"

namespace gatehouse {

bool BackgroundWork::spawn(std::string_view kind, Awaitable<void> work, AtDrain at_drain) {
  auto it = metrics_.background.find(kind);
  if (it == metrics_.background.end()) it = metrics_.background.emplace(std::string(kind), MetricsShard::BackgroundStats{}).first;
  MetricsShard::BackgroundStats& stats = it->second;
  if (closed_ || (draining_ && at_drain == AtDrain::cancel) || tasks_.size() >= limit_) {
    ++stats.rejected;
    return false;
  }
  auto task = tasks_.emplace(tasks_.end());
  task->stats = &stats;
  task->at_drain = at_drain;
  if (at_drain == AtDrain::finish) finishing_.fetch_add(1, std::memory_order_relaxed);
  ++stats.running;
  asio::co_spawn(io_, std::move(work),
                 asio::bind_cancellation_slot(task->signal.slot(), [this, task](std::exception_ptr failure) { finished(task, failure); }));
  return true;
}

void BackgroundWork::finished(std::list<Task>::iterator task, std::exception_ptr failure) {
  MetricsShard::BackgroundStats& stats = *task->stats;
  --stats.running;
  if (task->at_drain == AtDrain::finish) finishing_.fetch_sub(1, std::memory_order_relaxed);
  if (task->cancel_requested) {
    ++stats.cancelled;  // however it ended: it was told to stop
  } else if (failure) {
    ++stats.failed;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      ops_log().warn("background task failed: {}", e.what());
    } catch (...) {
      ops_log().warn("background task failed with an unknown exception");
    }
  } else {
    ++stats.done;
  }
  tasks_.erase(task);
}

void BackgroundWork::cancel(Task& task) {
  if (task.cancel_requested) return;
  task.cancel_requested = true;
  task.signal.emit(asio::cancellation_type::terminal);
}

void BackgroundWork::begin_drain() {
  draining_ = true;
  for (auto& task : tasks_)
    if (task.at_drain == AtDrain::cancel) cancel(task);
}

void BackgroundWork::cancel_all() {
  draining_ = closed_ = true;
  for (auto& task : tasks_) cancel(task);
}

}  // namespace gatehouse
