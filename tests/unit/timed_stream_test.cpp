// A connection's deadline, enforced by the worker's sweep: what a read or a
// write that overruns it sees, and what it must not see.
#include "gatehouse/timed_stream.hpp"

#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>

#include <optional>
#include <thread>
#include <vector>

using namespace gatehouse;
using namespace std::chrono_literals;

namespace {

// A connected pair on loopback: `ours` is a TimedStream, `peer` a plain socket.
struct Pair {
  asio::io_context io{1};
  Deadlines deadlines;
  std::optional<TimedStream> ours;
  Socket peer{io};

  Pair() {
    asio::basic_socket_acceptor<tcp, Executor> acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    ours.emplace(io, deadlines);
    ours->socket().connect(acceptor.local_endpoint());
    acceptor.accept(peer);
  }
};

// Runs `io` with the sweep every `tick` until `done` or `limit` passes.
void run_with_sweep(Pair& p, const bool& done, std::chrono::milliseconds tick = 5ms,
                    std::chrono::milliseconds limit = 2s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!done && std::chrono::steady_clock::now() < until) {
    p.io.run_for(tick);
    p.deadlines.sweep(std::chrono::steady_clock::now());
  }
}

Awaitable<void> read_one(TimedStream& s, error_code& out, bool& done) {
  char byte;
  auto [ec, n] = co_await s.async_read_some(asio::buffer(&byte, 1), use_nothrow);
  out = ec;
  done = true;
}

}  // namespace

TEST(TimedStream, AReadPendingPastItsDeadlineTimesOutAndClosesTheSocket) {
  Pair p;
  p.ours->expires_after(50ms);
  error_code ec;
  bool done = false;
  auto start = std::chrono::steady_clock::now();
  asio::co_spawn(p.io, read_one(*p.ours, ec, done), asio::detached);
  run_with_sweep(p, done);
  ASSERT_TRUE(done);
  EXPECT_EQ(ec, beast::error::timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
  EXPECT_FALSE(p.ours->socket().is_open());
}

TEST(TimedStream, ADeadlineThatPassedWhileNothingWasPendingDoesNothing) {
  Pair p;
  p.ours->expires_after(1ms);
  std::this_thread::sleep_for(20ms);
  p.deadlines.sweep(std::chrono::steady_clock::now());  // nothing pending: no effect
  EXPECT_TRUE(p.ours->socket().is_open());

  // The next operation has a deadline of its own, and the bytes arrive in time.
  p.ours->expires_after(1s);
  error_code ec;
  bool done = false;
  asio::co_spawn(p.io, read_one(*p.ours, ec, done), asio::detached);
  asio::write(p.peer, asio::buffer("x", 1));
  run_with_sweep(p, done);
  ASSERT_TRUE(done);
  EXPECT_FALSE(ec) << ec.message();
}

TEST(TimedStream, AnOperationStartedAfterItsDeadlinePassedTimesOut) {
  // The deadline passes while nothing is pending (a name lookup, say, runs
  // between expires_after and the connect): the operation that starts
  // under it later still times out, and does not wait forever.
  Pair p;
  p.ours->expires_after(1ms);
  std::this_thread::sleep_for(3 * Deadlines::kTick);  // the deadline's tick is over
  p.deadlines.sweep(std::chrono::steady_clock::now());
  ASSERT_EQ(p.deadlines.size(), 0u);  // it left the wheel: nothing was pending
  error_code ec;
  bool done = false;
  asio::co_spawn(p.io, read_one(*p.ours, ec, done), asio::detached);
  run_with_sweep(p, done);
  ASSERT_TRUE(done);
  EXPECT_EQ(ec, beast::error::timeout);
}

TEST(TimedStream, NoDeadlineMeansNoTimeout) {
  Pair p;
  p.ours->expires_never();
  error_code ec;
  bool done = false;
  asio::co_spawn(p.io, read_one(*p.ours, ec, done), asio::detached);
  run_with_sweep(p, done, 5ms, 100ms);
  p.deadlines.sweep(std::chrono::steady_clock::now() + std::chrono::hours(24 * 365));
  p.io.run_for(10ms);
  EXPECT_FALSE(done);
  EXPECT_TRUE(p.ours->socket().is_open());
}

TEST(TimedStream, ACancellationSignalReachesThePendingRead) {
  // Background work is cancelled through its coroutine's slot: the wrapper
  // around the handler must pass the slot on to the socket's operation.
  Pair p;
  p.ours->expires_after(1h);
  asio::cancellation_signal signal;
  error_code ec;
  bool done = false;
  asio::co_spawn(p.io, read_one(*p.ours, ec, done), asio::bind_cancellation_slot(signal.slot(), asio::detached));
  p.io.run_for(10ms);
  ASSERT_FALSE(done);
  signal.emit(asio::cancellation_type::terminal);
  p.io.run_for(50ms);
  ASSERT_TRUE(done);
  EXPECT_EQ(ec, asio::error::operation_aborted);
}

TEST(TimedStream, AWriteThePeerDoesNotReadTimesOut) {
  Pair p;
  std::vector<char> block(1 << 20, 'x');
  p.ours->expires_after(100ms);
  error_code ec;
  bool done = false;
  asio::co_spawn(
      p.io,
      [&]() -> Awaitable<void> {
        // Far more than the socket buffers hold: the write waits on the peer, which never reads.
        for (int i = 0; i < 64 && !ec; ++i) {
          auto [e, n] = co_await asio::async_write(*p.ours, asio::buffer(block), use_nothrow);
          ec = e;
        }
        done = true;
      },
      asio::detached);
  run_with_sweep(p, done);
  ASSERT_TRUE(done);
  EXPECT_EQ(ec, beast::error::timeout);
}

TEST(TimedStream, LeavesTheWheelWhenDestroyedOrTimedOutOrToldNever) {
  Pair p;
  EXPECT_EQ(p.deadlines.size(), 0u);
  p.ours->expires_after(1h);
  p.ours->expires_after(2h);  // filed again, not twice
  EXPECT_EQ(p.deadlines.size(), 1u);
  p.ours->expires_never();
  EXPECT_EQ(p.deadlines.size(), 0u);
  p.ours->expires_after(1h);
  p.ours.reset();
  EXPECT_EQ(p.deadlines.size(), 0u);
  p.deadlines.sweep(std::chrono::steady_clock::now() + 2h);  // nothing left to touch
}

TEST(TimedStream, ADeadlineBeyondATurnOfTheWheelWaitsForItsTurn) {
  // 40 s is more than one turn (25.6 s): the slot is visited after 15 s,
  // before the deadline, and must leave the stream be.
  Pair p;
  p.ours->expires_after(40s);
  error_code ec;
  bool done = false;
  asio::co_spawn(p.io, read_one(*p.ours, ec, done), asio::detached);
  p.io.run_for(10ms);
  auto now = std::chrono::steady_clock::now();
  for (auto t = now; t < now + 30s; t += Deadlines::kTick) p.deadlines.sweep(t);
  p.io.run_for(10ms);
  EXPECT_FALSE(done);
  for (auto t = now + 30s; t < now + 45s; t += Deadlines::kTick) p.deadlines.sweep(t);
  p.io.run_for(50ms);
  ASSERT_TRUE(done);
  EXPECT_EQ(ec, beast::error::timeout);
}
