// One conformance suite for both idempotency stores: the in-memory one and
// Redis (a real redis-server). Lease times are short and real: expiry in
// Redis is Redis' clock, which a test cannot move.
#include <gtest/gtest.h>

#include <thread>

#include "../../../src/stages/idempotency/memory_store.hpp"
#include "../../../src/stages/idempotency/redis_store.hpp"
#include "../../../src/stages/idempotency/replay.hpp"
#include "harness.hpp"

namespace gatehouse::idempotency {
namespace {

using namespace std::chrono_literals;

class StoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "redis") {
      redis_.emplace();
      RedisOptions o;
      o.endpoint = *parse_redis_url(redis_->url());
      store_ = std::make_unique<RedisStore>(std::make_unique<RedisClient>(io_.get_executor(), o, nullptr));
    } else {
      store_ = std::make_unique<MemoryStore>(64ull << 20);
    }
  }

  // Runs one store call to its end.
  template <class T>
  T run(Awaitable<T> op) {
    std::optional<T> out;
    asio::co_spawn(io_, std::move(op), [&](std::exception_ptr e, T v) {
      if (e) std::rethrow_exception(e);
      out = std::move(v);
    });
    // Until this call is done: the Redis client's connections keep the loop busy.
    io_.restart();
    while (!out) io_.run_one();
    return std::move(*out);
  }

  ClaimAnswer claim(const std::string& key, const std::string& lease, Millis lease_for = 5000ms, Millis retention = 60000ms,
                    const std::string& fp = "fp") {
    return run(store_->claim(key, lease, fp, lease_for, retention));
  }

  asio::io_context io_;
  std::optional<testing::RedisServer> redis_;
  std::unique_ptr<IdempotencyStore> store_;
};

TEST_P(StoreConformance, TheFirstClaimWinsAndLaterOnesSeeItInFlight) {
  EXPECT_EQ(claim("k", "lease-a").kind, ClaimAnswer::Kind::claimed);
  ClaimAnswer second = claim("k", "lease-b", 5000ms, 60000ms, "fp");
  EXPECT_EQ(second.kind, ClaimAnswer::Kind::existing);
  EXPECT_EQ(second.state, KeyState::in_flight);
  EXPECT_EQ(second.fingerprint, "fp");
  EXPECT_EQ(claim("other", "lease-c").kind, ClaimAnswer::Kind::claimed);
}

TEST_P(StoreConformance, AFinishedKeyGivesItsResponseToEveryLaterClaim) {
  claim("k", "lease-a");
  ResponseHead head(http::status::created);
  head.insert("Location", "/x/1");
  std::string blob = encode_replay_head(head) + "{\"id\":1}";
  ChangeAnswer f = run(store_->finish("k", "lease-a", Finish{KeyState::done, "bodyhash", blob}, 60000ms));
  EXPECT_TRUE(f.ok && f.held);
  for (int i = 0; i < 2; ++i) {
    ClaimAnswer again = claim("k", "lease-b");
    EXPECT_EQ(again.kind, ClaimAnswer::Kind::existing);
    EXPECT_EQ(again.state, KeyState::done);
    EXPECT_EQ(again.body_hash, "bodyhash");
    EXPECT_EQ(again.response, blob);
  }
}

TEST_P(StoreConformance, AReleasedKeyCanBeClaimedAgain) {
  claim("k", "lease-a");
  EXPECT_TRUE(run(store_->release("k", "lease-a")).held);
  EXPECT_EQ(claim("k", "lease-b").kind, ClaimAnswer::Kind::claimed);
}

TEST_P(StoreConformance, OnlyTheLeaseHolderChangesTheKey) {
  claim("k", "lease-a");
  EXPECT_FALSE(run(store_->release("k", "intruder")).held);
  EXPECT_FALSE(run(store_->renew("k", "intruder", 5000ms)).held);
  EXPECT_FALSE(run(store_->finish("k", "intruder", Finish{KeyState::done, "h", "x"}, 60000ms)).held);
  EXPECT_EQ(claim("k", "lease-b").state, KeyState::in_flight);
  EXPECT_TRUE(run(store_->renew("k", "lease-a", 5000ms)).held);
}

TEST_P(StoreConformance, AnExpiredLeaseLeavesTheOutcomeUnknownNeverFree) {
  claim("k", "lease-a", 150ms);
  std::this_thread::sleep_for(300ms);
  ClaimAnswer after = claim("k", "lease-b");
  EXPECT_EQ(after.kind, ClaimAnswer::Kind::existing);
  EXPECT_EQ(after.state, KeyState::unknown);
  EXPECT_FALSE(run(store_->renew("k", "lease-a", 5000ms)).held);
  // Its holder may still tell what happened, if it comes back.
  EXPECT_TRUE(run(store_->finish("k", "lease-a", Finish{KeyState::done, "h", "200:0:"}, 60000ms)).held);
  EXPECT_EQ(claim("k", "lease-c").state, KeyState::done);
}

TEST_P(StoreConformance, RenewingKeepsTheLeaseAlive) {
  claim("k", "lease-a", 200ms);
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(100ms);
    EXPECT_TRUE(run(store_->renew("k", "lease-a", 200ms)).held);
  }
  EXPECT_EQ(claim("k", "lease-b").state, KeyState::in_flight);
}

// The fencing token at work: a slow holder, whose key was forgotten and
// claimed by another request meanwhile, cannot overwrite that one's result.
TEST_P(StoreConformance, ASlowHolderCannotOverwriteTheNextHoldersResult) {
  claim("k", "slow", 5000ms, 200ms);
  std::this_thread::sleep_for(350ms);  // the key's retention ran out
  EXPECT_EQ(claim("k", "next").kind, ClaimAnswer::Kind::claimed);
  // While the next holder is at work, the slow one neither records nor frees the key...
  EXPECT_FALSE(run(store_->finish("k", "slow", Finish{KeyState::done, "h-slow", "200:0:slow"}, 60000ms)).held);
  EXPECT_FALSE(run(store_->release("k", "slow")).held);
  EXPECT_FALSE(run(store_->renew("k", "slow", 5000ms)).held);
  EXPECT_EQ(claim("k", "reader").state, KeyState::in_flight);
  // ...and the next holder's result is the one kept.
  EXPECT_TRUE(run(store_->finish("k", "next", Finish{KeyState::done, "h-next", "201:0:next"}, 60000ms)).held);
  EXPECT_FALSE(run(store_->finish("k", "slow", Finish{KeyState::done, "h-slow", "200:0:slow"}, 60000ms)).held);
  ClaimAnswer seen = claim("k", "reader");
  EXPECT_EQ(seen.state, KeyState::done);
  EXPECT_EQ(seen.response, "201:0:next");
}

TEST_P(StoreConformance, KeysAreForgottenAfterTheirRetention) {
  claim("k", "lease-a", 5000ms, 60000ms);
  run(store_->finish("k", "lease-a", Finish{KeyState::done, "h", "200:0:"}, 200ms));
  std::this_thread::sleep_for(350ms);
  EXPECT_EQ(claim("k", "lease-b").kind, ClaimAnswer::Kind::claimed);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreConformance, ::testing::Values("memory", "redis"),
                         [](const auto& info) { return info.param; });

TEST(RedisStoreUnreachable, AClaimFailsWithTheReason) {
  asio::io_context io;
  RedisOptions o;
  o.endpoint = *parse_redis_url("redis://127.0.0.1:" + std::to_string(testing::unused_port()));
  RedisStore store(std::make_unique<RedisClient>(io.get_executor(), o, nullptr));
  std::optional<ClaimAnswer> a;
  // The store's calls take their strings by reference: they outlive the call.
  const std::string key = "k", lease = "l", fp = "fp";
  asio::co_spawn(io, store.claim(key, lease, fp, 1000ms, 1000ms), [&](std::exception_ptr, ClaimAnswer v) { a = std::move(v); });
  io.run();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, ClaimAnswer::Kind::failed);
  EXPECT_NE(a->failure.find("Redis unavailable"), std::string::npos) << a->failure;
}

TEST(MemoryStoreBound, TheLeastRecentlyUsedKeysGoFirst) {
  MemoryStore store(1 << 20);
  asio::io_context io;
  std::string big(300 * 1024, 'b');
  auto run = [&](auto op) {
    asio::co_spawn(io, std::move(op), asio::detached);
    io.restart();
    io.run();
  };
  const std::string lease = "l", fp = "fp";
  for (int i = 0; i < 6; ++i) {
    std::string key = "k" + std::to_string(i);
    Finish done{KeyState::done, "h", big};
    run(store.claim(key, lease, fp, 5000ms, 60000ms));
    run(store.finish(key, lease, done, 60000ms));
  }
  EXPECT_LE(store.bytes(), 1u << 20);
  EXPECT_GE(store.evictions(), 3u);
}

// A full store, as a replica's is: thousands of keys in, the oldest pushed
// out one by one. Every key still held must be found (an eviction leaves no
// hole a later lookup stops at), and every evicted one is free again.
TEST(MemoryStoreBound, AFullStoreFindsEveryKeyItStillHolds) {
  MemoryStore store(1 << 20);
  const std::string lease = "lease", fp = "fp";
  auto key = [](int i) { return "gatehouse:idem:api:=key-" + std::to_string(i); };
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(store.claim_now(key(i), lease, fp, 60000ms, 60000ms)->kind, ClaimAnswer::Kind::claimed) << i;
    store.finish_now(key(i), lease, Finish{KeyState::done, "hash", std::string(20, 'r')}, 60000ms);
  }
  auto evicted = static_cast<int>(store.evictions());
  ASSERT_GT(evicted, n / 2);  // the bound was reached long ago
  ASSERT_LT(evicted, n);
  // Newest first: looking a key up makes it the most recent, so the oldest
  // held keys are looked up last, after everything newer has been.
  for (int i = n - 1; i >= evicted; --i) {
    auto a = store.claim_now(key(i), "other", fp, 60000ms, 60000ms);
    ASSERT_EQ(a->kind, ClaimAnswer::Kind::existing) << "key " << i << " of the " << n - evicted << " held";
    EXPECT_EQ(a->state, KeyState::done);
  }
  EXPECT_EQ(store.evictions(), static_cast<std::uint64_t>(evicted));  // the lookups pushed nothing out
  EXPECT_EQ(store.claim_now(key(0), lease, fp, 60000ms, 60000ms)->kind, ClaimAnswer::Kind::claimed);
}

// Memory follows the retention, not only the bound: keys past it go as new
// ones come, looked up or not.
TEST(MemoryStoreBound, ExpiredKeysLeaveAsNewOnesArrive) {
  MemoryStore store(64ull << 20);
  for (int i = 0; i < 4; ++i) store.claim_now("old-" + std::to_string(i), "lease", "fp", 20ms, 20ms);
  std::uint64_t four = store.bytes();
  std::this_thread::sleep_for(40ms);
  store.claim_now("new", "lease", "fp", 60000ms, 60000ms);
  EXPECT_LT(store.bytes(), four / 2) << "the four expired keys are still held";
}

}  // namespace
}  // namespace gatehouse::idempotency
