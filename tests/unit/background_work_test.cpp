// Work that outlives its request: bounded, counted by kind and outcome, and
// cancelled when a drain begins.
#include <gtest/gtest.h>

#include "gatehouse/background_work.hpp"

using namespace gatehouse;

namespace {
Awaitable<void> wait_long(asio::io_context& io) {
  asio::steady_timer t(io, std::chrono::hours(1));
  co_await t.async_wait(use_nothrow);
}
Awaitable<void> finish_at_once() { co_return; }
Awaitable<void> fail_at_once() {
  throw std::runtime_error("store unavailable");
  co_return;
}
}  // namespace

TEST(BackgroundWork, RefusesWorkPastItsLimitAndCountsIt) {
  asio::io_context io;
  MetricsShard m;
  BackgroundWork work(io, 1, m);
  EXPECT_TRUE(work.spawn("revalidation", wait_long(io)));
  EXPECT_FALSE(work.spawn("revalidation", wait_long(io)));
  EXPECT_EQ(m.background["revalidation"].running, 1);
  EXPECT_EQ(m.background["revalidation"].rejected, 1u);
}

TEST(BackgroundWork, CountsHowTasksEnded) {
  asio::io_context io;
  MetricsShard m;
  BackgroundWork work(io, 8, m);
  work.spawn("outcome", finish_at_once());
  work.spawn("outcome", fail_at_once());
  io.run();
  EXPECT_EQ(m.background["outcome"].running, 0);
  EXPECT_EQ(m.background["outcome"].done, 1u);
  EXPECT_EQ(m.background["outcome"].failed, 1u);
  EXPECT_EQ(work.running(), 0u);
}

TEST(BackgroundWork, ADrainCancelsRunningTasksAndRefusesNewOnes) {
  asio::io_context io;
  MetricsShard m;
  BackgroundWork work(io, 8, m);
  work.spawn("revalidation", wait_long(io));
  io.poll();
  work.cancel_all();
  io.run_for(std::chrono::seconds(5));  // returns at once when the task has ended
  EXPECT_EQ(m.background["revalidation"].cancelled, 1u);
  EXPECT_EQ(m.background["revalidation"].running, 0);
  EXPECT_FALSE(work.spawn("revalidation", finish_at_once()));
  EXPECT_EQ(m.background["revalidation"].rejected, 1u);
}
