// The cache's shared Redis backend against a real redis-server: variants
// round trip, their cap, lifetimes, invalidation, purges by tag and by
// prefix, and a Redis that is down reading as a miss.
#include <gtest/gtest.h>

#include <algorithm>

#include "../../../src/stages/cache/redis_cache.hpp"
#include "../redis_test_support.hpp"
#include "harness.hpp"

namespace gatehouse::cache {
namespace {

using testing::RedisServer;
using namespace std::chrono_literals;

// Runs `body(cache)` to its end on a fresh event loop, with a client of its own.
template <class F>
void with_cache(const RedisServer& redis, F body) {
  testing::run_to_end([&](asio::io_context& io) -> Awaitable<void> {
    RedisClient client(io.get_executor(), testing::test_redis_options(redis.url()), nullptr);
    RedisCache cache(client, 2);
    co_await body(cache);
    client.close();
  });
}

StoredResponse entry(const std::string& key, const std::string& encoding, const std::string& body, std::vector<std::string> tags = {}) {
  StoredResponse e;
  e.key = key;
  if (!encoding.empty()) e.vary = {{"accept-encoding", encoding}};
  e.status = 200;
  e.reason = "OK";
  e.headers.insert("Cache-Control", "max-age=60");
  e.body = body;
  e.lifetime = 60;
  e.tags = std::move(tags);
  return e;
}

std::vector<std::string> bodies(const std::vector<StoredPtr>& variants) {
  std::vector<std::string> out;
  for (const auto& v : variants) out.push_back(v->body);
  std::sort(out.begin(), out.end());
  return out;
}

const std::string kUrl = "http://shop.example/products?page=1";

TEST(CacheRedis, VariantsRoundTripAndReplaceTheirOwnVaryValues) {
  RedisServer redis;
  const std::vector<std::string> both{"brotli", "zipped v2"};
  with_cache(redis, [&](RedisCache& cache) -> Awaitable<void> {
    EXPECT_TRUE((co_await cache.variants(kUrl)).empty());
    EXPECT_TRUE(co_await cache.put(entry(kUrl, "gzip", "zipped v1"), 60s));
    EXPECT_TRUE(co_await cache.put(entry(kUrl, "br", "brotli"), 60s));
    EXPECT_TRUE(co_await cache.put(entry(kUrl, "gzip", "zipped v2"), 60s));  // the same variant, newer
    auto got = co_await cache.variants(kUrl);
    EXPECT_EQ(bodies(got), both);
    for (const auto& v : got) EXPECT_EQ(v->cc.max_age, 60);
  });
}

TEST(CacheRedis, ARevalidatedVariantReplacesTheOneItRevalidatedWhateverItsVary) {
  // The upstream began to send Vary: the new variant takes the old one's place.
  RedisServer redis;
  const std::vector<std::string> only_new{"gzip, since the deploy"};
  with_cache(redis, [&](RedisCache& cache) -> Awaitable<void> {
    StoredResponse before = entry(kUrl, "", "no vary");
    co_await cache.put(before, 60s);
    co_await cache.put(entry(kUrl, "gzip", "gzip, since the deploy"), 60s, &before);
    EXPECT_EQ(bodies(co_await cache.variants(kUrl)), only_new);
  });
}

TEST(CacheRedis, AKeysVariantsAreCappedKeepingTheNewest) {
  RedisServer redis;
  with_cache(redis, [&](RedisCache& cache) -> Awaitable<void> {
    co_await cache.put(entry(kUrl, "gzip", "a"), 60s);
    co_await cache.put(entry(kUrl, "br", "b"), 60s);
    co_await cache.put(entry(kUrl, "identity", "c"), 60s);  // the cap is 2
    auto got = bodies(co_await cache.variants(kUrl));
    EXPECT_EQ(got.size(), 2u);
    EXPECT_NE(std::find(got.begin(), got.end(), "c"), got.end());
  });
}

TEST(CacheRedis, AnEntryLivesAsLongAsItIsKeptAndNoLonger) {
  RedisServer redis;
  with_cache(redis, [&](RedisCache& cache) -> Awaitable<void> {
    co_await cache.put(entry(kUrl, "", "short"), 5s);
    co_await cache.put(entry(kUrl, "br", "long"), 90s);  // the hash lives as long as its longest-kept variant
    co_await cache.put(entry(kUrl, "gzip", "shorter"), 1s);
    co_return;
  });
  long long ttl = std::stoll(redis.cli({"PTTL", RedisCache::redis_key(kUrl)}));
  EXPECT_GT(ttl, 80'000);
  EXPECT_LE(ttl, 90'000);
}

TEST(CacheRedis, EraseAndPurgesByTagAndPrefixForgetWhatTheyName) {
  RedisServer redis;
  // Lists built outside the coroutine: GCC 12 rejects a braced list inside one.
  const std::vector<std::string> product_and_catalogue{"product-1", "catalogue"}, product_only{"product-1"}, basket{"basket"},
      catalogue{"catalogue"};
  const std::string other = "http://shop.example/basket", elsewhere = "http://blog.example/products/1";
  const std::string product = "product-1", shop = "http://shop.example/";
  with_cache(redis, [&](RedisCache& cache) -> Awaitable<void> {
    co_await cache.put(entry(kUrl, "gzip", "p1", product_and_catalogue), 60s);
    co_await cache.put(entry(kUrl, "br", "p1 br", product_only), 60s);
    co_await cache.put(entry(other, "", "basket", basket), 60s);
    co_await cache.put(entry(elsewhere, "", "blog", catalogue), 60s);

    EXPECT_EQ(co_await cache.purge_tag(product), 1u);  // one key, both its variants
    EXPECT_TRUE((co_await cache.variants(kUrl)).empty());
    EXPECT_EQ((co_await cache.variants(other)).size(), 1u);
    EXPECT_EQ(co_await cache.purge_tag(product), 0u);

    EXPECT_EQ(co_await cache.purge_prefix(shop), 1u);
    EXPECT_TRUE((co_await cache.variants(other)).empty());
    EXPECT_EQ((co_await cache.variants(elsewhere)).size(), 1u);

    EXPECT_EQ(co_await cache.erase(elsewhere), 1u);
    EXPECT_TRUE((co_await cache.variants(elsewhere)).empty());
  });
}

TEST(CacheRedis, APrefixWithGlobCharactersMatchesOnlyItself) {
  RedisServer redis;
  const std::string star = "http://a.example/x*y", plain = "http://a.example/xzzy", prefix = "http://a.example/x*";
  with_cache(redis, [&](RedisCache& cache) -> Awaitable<void> {
    co_await cache.put(entry(star, "", "star"), 60s);
    co_await cache.put(entry(plain, "", "plain"), 60s);
    EXPECT_EQ(co_await cache.purge_prefix(prefix), 1u);
    EXPECT_EQ((co_await cache.variants(plain)).size(), 1u);
  });
}

TEST(CacheRedis, APrefixPurgeWalksTheWholeKeyspace) {
  RedisServer redis;
  const std::string bulk = "http://bulk.example/";
  with_cache(redis, [&](RedisCache& cache) -> Awaitable<void> {
    // More keys than one SCAN step returns: the purge follows the cursor to its end.
    for (int i = 0; i < 1500; ++i) co_await cache.put(entry(bulk + std::to_string(i), "", "x"), 60s);
    EXPECT_EQ(co_await cache.purge_prefix(bulk), 1500u);
  });
  EXPECT_EQ(redis.cli({"DBSIZE"}), "0");
}

TEST(CacheRedis, ARedisThatIsDownIsAMissNotAnError) {
  RedisServer redis;
  redis.stop();
  with_cache(redis, [&](RedisCache& cache) -> Awaitable<void> {
    EXPECT_FALSE(co_await cache.put(entry(kUrl, "", "lost"), 60s));
    EXPECT_TRUE((co_await cache.variants(kUrl)).empty());
    EXPECT_FALSE(co_await cache.purge_tag(kUrl));  // failed, not "none"
  });
}

TEST(CacheRedis, AValueThatIsNotAnEntryOfThisKeyIsLeftOut) {
  RedisServer redis;
  redis.cli({"HSET", RedisCache::redis_key(kUrl), "-", "not an entry"});
  const std::vector<std::string> real{"real"};
  with_cache(redis, [&](RedisCache& cache) -> Awaitable<void> {
    EXPECT_TRUE((co_await cache.variants(kUrl)).empty());
    co_await cache.put(entry(kUrl, "gzip", "real"), 60s);
    EXPECT_EQ(bodies(co_await cache.variants(kUrl)), real);
  });
}

}  // namespace
}  // namespace gatehouse::cache
