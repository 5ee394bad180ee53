// WebSocket echo round trips, for bench/websocket.sh: C connections, each
// sending a message and waiting for its echo, again and again, for S
// seconds. Prints "round_trips_per_second p50_us p99_us". One thread, so that
// the client costs the same whatever it talks to.
//   websocket_echo PORT [connections=64] [seconds=5] [message_bytes=64]
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> echo_loop(unsigned short port, std::size_t size, Clock::time_point until, std::vector<std::uint32_t>& latencies_us,
                                int& failures) {
  beast::websocket::stream<tcp::socket> ws(co_await asio::this_coro::executor);
  auto [cec] = co_await ws.next_layer().async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), nothrow);
  if (cec) {
    ++failures;
    co_return;
  }
  ws.next_layer().set_option(tcp::no_delay(true));
  auto [hec] = co_await ws.async_handshake("127.0.0.1", "/ws", nothrow);
  if (hec) {
    ++failures;
    co_return;
  }
  std::string message(size, 'x');
  beast::flat_buffer in;
  while (Clock::now() < until) {
    auto start = Clock::now();
    auto [wec, w] = co_await ws.async_write(asio::buffer(message), nothrow);
    auto [rec, r] = co_await ws.async_read(in, nothrow);
    if (wec || rec || in.size() != size) {
      ++failures;
      co_return;
    }
    in.consume(in.size());
    latencies_us.push_back(static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count()));
  }
  co_await ws.async_close(beast::websocket::close_code::normal, nothrow);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: websocket_echo PORT [connections=64] [seconds=5] [message_bytes=64]\n");
    return 2;
  }
  auto port = static_cast<unsigned short>(std::stoi(argv[1]));
  int connections = argc > 2 ? std::stoi(argv[2]) : 64;
  int seconds = argc > 3 ? std::stoi(argv[3]) : 5;
  std::size_t size = argc > 4 ? std::stoul(argv[4]) : 64;
  asio::io_context io(1);
  std::vector<std::uint32_t> latencies;
  int failures = 0;
  auto until = Clock::now() + std::chrono::seconds(seconds);
  for (int i = 0; i < connections; ++i) asio::co_spawn(io, echo_loop(port, size, until, latencies, failures), asio::detached);
  auto start = Clock::now();
  io.run();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  if (latencies.empty() || failures) {
    std::fprintf(stderr, "%d connections failed, %zu round trips\n", failures, latencies.size());
    return 1;
  }
  std::sort(latencies.begin(), latencies.end());
  std::printf("%.0f %u %u\n", static_cast<double>(latencies.size()) / elapsed, latencies[latencies.size() / 2],
              latencies[latencies.size() * 99 / 100]);
}
