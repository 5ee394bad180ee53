// The Redis client against a real redis-server: round trips, pipelining,
// scripts, AUTH and SELECT, timeouts, and reconnecting by itself.
#include <gtest/gtest.h>

#include "gatehouse/redis_client.hpp"
#include "harness.hpp"
#include "redis_test_support.hpp"

namespace gatehouse {
namespace {

using testing::RedisServer;
using namespace std::chrono_literals;

using testing::run_to_end;
using testing::test_redis_options;

TEST(RedisUrl, ParsesEveryPart) {
  auto e = parse_redis_url("rediss://app:p%40ss@cache.internal:6380/4");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->tls);
  EXPECT_EQ(e->host, "cache.internal");
  EXPECT_EQ(e->port, 6380);
  EXPECT_EQ(e->user, "app");
  EXPECT_EQ(e->password, "p@ss");
  EXPECT_EQ(e->db, 4);
  EXPECT_EQ(e->redacted(), "rediss://app:***@cache.internal:6380/4");
  auto p = parse_redis_url("redis://secret@127.0.0.1");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->user, "");
  EXPECT_EQ(p->password, "secret");
  EXPECT_EQ(p->port, 6379);
  EXPECT_FALSE(parse_redis_url("http://127.0.0.1"));
  EXPECT_FALSE(parse_redis_url("redis://"));
  EXPECT_FALSE(parse_redis_url("redis://h:99999"));
  EXPECT_FALSE(parse_redis_url("redis://h/x"));
}

TEST(RedisClient, RoundTripsAndPipelinesConcurrentCommands) {
  RedisServer redis;
  run_to_end([&](asio::io_context& io) -> Awaitable<void> {
    RedisClient client(io.get_executor(), test_redis_options(redis.url()), nullptr);
    auto set = co_await client.command_of("SET", "greeting", "hello");
    EXPECT_TRUE(set.ok()) << set.failure;
    EXPECT_EQ(set.reply->text(), "OK");
    // 200 INCRs at once over two connections: every reply reaches its own caller.
    int done = 0;
    std::vector<long long> seen;
    for (int i = 0; i < 200; ++i)
      asio::co_spawn(io, [&]() -> Awaitable<void> {
        auto r = co_await client.command_of("INCR", "counter");
        if (r.ok()) seen.push_back(r.reply->integer);
        ++done;
      }, asio::detached);
    asio::steady_timer t(io);
    while (done < 200) {
      t.expires_after(5ms);
      co_await t.async_wait(use_nothrow);
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen.size(), 200u);
    for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<long long>(i + 1));
    auto get = co_await client.command_of("GET", "greeting");
    EXPECT_EQ(get.reply->text(), "hello");
    auto missing = co_await client.command_of("GET", "nothing-here");
    EXPECT_TRUE(missing.reply->is_nil());
    auto wrong = co_await client.command_of("INCR", "greeting");
    EXPECT_TRUE(wrong.ok() && wrong.reply->is_error());
  });
}

TEST(RedisClient, ScriptsRunBySha1AndAreSentAgainAfterAFlush) {
  RedisServer redis;
  run_to_end([&](asio::io_context& io) -> Awaitable<void> {
    RedisClient client(io.get_executor(), test_redis_options(redis.url()), nullptr);
    RedisScript script("return {KEYS[1], ARGV[1]}");
    std::string_view keys[] = {"k"};
    std::string_view args[] = {"v"};
    auto first = co_await client.eval(script, keys, args);
    EXPECT_TRUE(first.ok()) << first.failure;
    EXPECT_TRUE(first.ok() && first.reply->elements.size() == 2 && first.reply->elements[1].text() == "v");
    EXPECT_EQ(redis.cli({"SCRIPT", "EXISTS", script.sha1}), "1");
    redis.cli({"SCRIPT", "FLUSH"});
    auto again = co_await client.eval(script, keys, args);
    EXPECT_TRUE(again.ok() && !again.reply->is_error()) << (again.ok() ? again.reply->str : again.failure);
  });
}

TEST(RedisClient, AuthenticatesAndSelectsItsDatabase) {
  RedisServer redis({"--requirepass", "s3cret"});
  run_to_end([&](asio::io_context& io) -> Awaitable<void> {
    std::string at = "127.0.0.1:" + std::to_string(redis.port());
    RedisClient good(io.get_executor(), test_redis_options("redis://:s3cret@" + at + "/3"), nullptr);
    auto set = co_await good.command_of("SET", "where", "db3");
    EXPECT_TRUE(set.ok()) << set.failure;
    RedisClient db0(io.get_executor(), test_redis_options("redis://:s3cret@" + at), nullptr);
    auto get0 = co_await db0.command_of("GET", "where");
    EXPECT_TRUE(get0.reply->is_nil());
    auto get3 = co_await good.command_of("GET", "where");
    EXPECT_EQ(get3.reply->text(), "db3");

    RedisClient bad(io.get_executor(), test_redis_options("redis://:wrong@" + at), nullptr);
    auto refused = co_await bad.command_of("PING");
    EXPECT_FALSE(refused.ok());
    EXPECT_NE(refused.failure.find("refused AUTH"), std::string::npos) << refused.failure;
  });
}

TEST(RedisClient, ASlowReplyTimesOutAndTheNextCommandReconnects) {
  RedisServer redis({"--enable-debug-command", "yes"});
  run_to_end([&](asio::io_context& io) -> Awaitable<void> {
    RedisClient client(io.get_executor(), test_redis_options(redis.url()), nullptr);
    auto slow = co_await client.command_of("DEBUG", "SLEEP", "1");
    EXPECT_FALSE(slow.ok());
    EXPECT_NE(slow.failure.find("no reply within 300 ms"), std::string::npos) << slow.failure;
    // Redis is single-threaded: it answers again once the sleep is over, on
    // a new link (the late reply of the old one must not reach this PING).
    asio::steady_timer t(io);
    t.expires_after(800ms);
    co_await t.async_wait(use_nothrow);
    auto after = co_await client.command_of("ECHO", "fresh");
    EXPECT_TRUE(after.ok()) << after.failure;
    EXPECT_EQ(after.ok() ? after.reply->text() : "", "fresh");
  });
}

TEST(RedisClient, FailsFastWhileRedisIsDownAndRecoversByItself) {
  RedisServer redis;
  run_to_end([&](asio::io_context& io) -> Awaitable<void> {
    RedisClient client(io.get_executor(), test_redis_options(redis.url()), nullptr);
    EXPECT_TRUE((co_await client.command_of("PING")).ok());
    redis.stop();
    auto down = co_await client.command_of("PING");
    EXPECT_FALSE(down.ok());
    auto still = co_await client.command_of("PING");
    EXPECT_FALSE(still.ok());
    EXPECT_NE(still.failure.find("Redis unavailable"), std::string::npos) << still.failure;
    redis.restart();
    asio::steady_timer t(io);
    bool back = false;
    for (int i = 0; i < 40 && !back; ++i) {
      back = (co_await client.command_of("PING")).ok();
      t.expires_after(50ms);
      co_await t.async_wait(use_nothrow);
    }
    EXPECT_TRUE(back);
  });
}

// A worker closes its clients before its event loop goes: afterwards a
// command fails at once (it must not connect on a dying loop), and the client
// can be destroyed after the loop (ASan sees any socket that was left open).
TEST(RedisClient, AClosedClientNeverReconnectsAndOutlivesItsLoop) {
  RedisServer redis;
  auto io = std::make_unique<asio::io_context>();
  auto client = std::make_unique<RedisClient>(io->get_executor(), test_redis_options(redis.url()), nullptr);
  bool checked = false;
  asio::co_spawn(*io, [&]() -> Awaitable<void> {
    EXPECT_TRUE((co_await client->command_of("PING")).ok());
    client->close();
    auto after = co_await client->command_of("PING");
    EXPECT_FALSE(after.ok());
    EXPECT_NE(after.failure.find("closed"), std::string::npos) << after.failure;
    client->close();  // again: had it reconnected, its reads would keep the loop running
    checked = true;
  }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
  io->run();
  EXPECT_TRUE(checked);
  io.reset();
  client.reset();
}

// rediss://: the server is verified against the CA file given (or the
// system's store) and the URL's host; a server that fails either is refused.
TEST(RedisClient, SpeaksTlsToAVerifiedServerAndRefusesAnUnverifiedOne) {
  RedisServer redis{RedisServer::Tls{}};
  run_to_end([&](asio::io_context& io) -> Awaitable<void> {
    auto trusted = make_redis_tls_context(redis.ca_file());
    RedisClient client(io.get_executor(), test_redis_options(redis.url()), trusted.get());
    EXPECT_TRUE((co_await client.command_of("SET", "over", "tls")).ok());
    auto got = co_await client.command_of("GET", "over");
    EXPECT_TRUE(got.ok()) << got.failure;
    EXPECT_EQ(got.ok() ? got.reply->str : got.failure, "tls");
    client.close();

    auto system_store = make_redis_tls_context("");
    RedisClient stranger(io.get_executor(), test_redis_options(redis.url()), system_store.get());
    auto refused = co_await stranger.command_of("PING");
    EXPECT_FALSE(refused.ok());
    EXPECT_NE(refused.failure.find("TLS handshake"), std::string::npos) << refused.failure;
    stranger.close();

    // Trusted, but the name in the URL is not the certificate's (it names IP 127.0.0.1 only).
    RedisClient misnamed(io.get_executor(), test_redis_options("rediss://localhost:" + std::to_string(redis.port())), trusted.get());
    auto wrong_name = co_await misnamed.command_of("PING");
    EXPECT_FALSE(wrong_name.ok());
    misnamed.close();
  });
  EXPECT_EQ(redis.cli({"GET", "over"}), "tls");
}

}  // namespace
}  // namespace gatehouse
