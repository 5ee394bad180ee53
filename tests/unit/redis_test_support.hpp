#pragma once
// What the unit tests that talk to a real redis-server share: client
// options with short timeouts, and running a coroutine to its end.
#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <string>

#include "gatehouse/redis_client.hpp"

namespace gatehouse::testing {

inline RedisOptions test_redis_options(const std::string& url) {
  using namespace std::chrono_literals;
  RedisOptions o;
  o.endpoint = *parse_redis_url(url);
  o.timeout = 300ms;
  o.connect_timeout = 1000ms;
  o.reconnect_backoff = 50ms;
  return o;
}

// Runs `body(io)` as a coroutine to its end on a fresh event loop.
template <class F>
void run_to_end(F body) {
  asio::io_context io;
  bool finished = false;
  asio::co_spawn(io, [&]() -> Awaitable<void> {
    co_await body(io);
    finished = true;
  }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
  io.run();
  ASSERT_TRUE(finished);
}

}  // namespace gatehouse::testing
