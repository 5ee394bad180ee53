// The cache as a client and an upstream see it: a real gateway in front of
// the demo upstream, whose response headers each test sets through
// /response-headers?Name=value (percent-encoded).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <future>
#include <optional>
#include <thread>

#include "harness.hpp"

using namespace gatehouse::testing;
using nlohmann::json;

namespace {

class Cache : public ::testing::Test {
 protected:
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_API_PATH", "/"},
              {"GATEHOUSE_ROUTE_API_UPSTREAM", up.url()},
              {"GATEHOUSE_ROUTE_API_CACHE", "true"},
              {"GATEHOUSE_ROUTE_PLAIN_PATH", "/plain"},
              {"GATEHOUSE_ROUTE_PLAIN_UPSTREAM", up.url()},
              {"GATEHOUSE_ROUTE_TTL_PATH", "/bytes"},
              {"GATEHOUSE_ROUTE_TTL_UPSTREAM", up.url()},
              {"GATEHOUSE_ROUTE_TTL_CACHE", "true"},
              {"GATEHOUSE_ROUTE_TTL_CACHE_DEFAULT_TTL", "60s"},
              {"GATEHOUSE_CACHE_MAX_ENTRY_BYTES", "64k"},
              {"GATEHOUSE_WORKERS", "2"}}};

  Response get(const std::string& target, const std::vector<std::string>& headers = {}) {
    return http_request(gw.port(), "GET", target, headers);
  }
  // How many of the first n access lines (in the order requests ended:
  // a response is stored before its own line is written) carry `cache=<result>`.
  std::size_t lines_with(std::size_t n, const std::string& result) {
    std::size_t count = 0;
    for (const auto& l : gw.wait_for_lines(n)) count += l.find(" cache=" + result + " ") != std::string::npos;
    return count;
  }
};

const std::string kFresh = "/response-headers?Cache-Control=max-age%3D60";

TEST_F(Cache, AFreshResponseIsServedFromTheStoreWithAge) {
  Response first = get(kFresh);
  Response second = get(kFresh);
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(up.requests(), 1);
  EXPECT_EQ(second.body, first.body);  // the first request's echo, stored
  EXPECT_EQ(first.header("Cache-Status"), "Gatehouse; fwd=uri-miss; stored");
  EXPECT_TRUE(second.header("Cache-Status").starts_with("Gatehouse; hit")) << second.header("Cache-Status");
  EXPECT_EQ(second.header("Age"), "0");
  EXPECT_EQ(second.header("Content-Length"), std::to_string(first.body.size()));
  EXPECT_NE(second.header("X-Request-Id"), first.header("X-Request-Id"));  // each answer its own id
  EXPECT_EQ(lines_with(2, "miss"), 1u);
  EXPECT_EQ(lines_with(2, "hit"), 1u);
}

TEST_F(Cache, LookupsStoresAndSizeAreMetricsThatPromtoolAccepts) {
  get(kFresh);
  get(kFresh);
  get(kFresh, {"Cache-Control: no-cache"});
  gw.wait_for_lines(3);
  Response r = http_request(gw.admin_port(), "GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  // The no-cache request had no validator to send: it went upstream, got a 200, and stored it again.
  EXPECT_EQ(metric_sample(r.body, R"(gatehouse_cache_lookups_total{route="api",result="miss"})"), 2);
  EXPECT_EQ(metric_sample(r.body, R"(gatehouse_cache_lookups_total{route="api",result="hit"})"), 1);
  EXPECT_EQ(metric_sample(r.body, R"(gatehouse_cache_stores_total{route="api"})"), 2);
  EXPECT_EQ(metric_sample(r.body, "gatehouse_cache_entries"), 1);
  EXPECT_GT(metric_sample(r.body, "gatehouse_cache_bytes"), 100);
  TempDir dir;
  std::string file = dir.write("metrics.txt", r.body);
  EXPECT_EQ(std::system(("promtool check metrics < " + file + " > /dev/null 2>&1").c_str()), 0);
}

TEST_F(Cache, PurgeByTagUrlAndPrefixOnTheAdminListenerOnly) {
  const std::string tagged = kFresh + "&Cache-Tag=booking-42%2C%20bookings";
  const std::string other = kFresh + "&Cache-Tag=booking-7%20bookings&k=2";
  Response first = get(tagged);
  EXPECT_EQ(first.header("Cache-Tag"), "");  // the upstream's tags are not for clients
  get(other);
  EXPECT_EQ(up.requests(), 2);

  // The public port proxies the path like any other: nothing is purged there.
  http_request(gw.port(), "POST", "/cache/purge?tag=booking-42", {});
  EXPECT_EQ(up.requests(), 3);
  EXPECT_TRUE(get(tagged).header("Cache-Status").starts_with("Gatehouse; hit"));

  Response purged = http_request(gw.admin_port(), "POST", "/cache/purge?tag=booking-42", {});
  EXPECT_EQ(purged.status, 200);
  EXPECT_EQ(json::parse(purged.body)["purged"], 1);
  get(tagged);
  EXPECT_EQ(up.requests(), 4);  // gone: fetched again
  EXPECT_TRUE(get(other).header("Cache-Status").starts_with("Gatehouse; hit"));

  // One URL (its percent-encoded form, as the key has it), then a prefix.
  Response by_url = http_request(gw.admin_port(), "POST",
                                 "/cache/purge?url=http%3A%2F%2Ftest.local%2Fresponse-headers%3FCache-Control%3Dmax-age%253D60"
                                 "%26Cache-Tag%3Dbooking-7%2520bookings%26k%3D2", {});
  EXPECT_EQ(json::parse(by_url.body)["purged"], 1) << by_url.body;
  get(other);
  EXPECT_EQ(up.requests(), 5);
  Response by_prefix = http_request(gw.admin_port(), "POST", "/cache/purge?prefix=http%3A%2F%2Ftest.local%2Fresponse", {});
  EXPECT_EQ(json::parse(by_prefix.body)["purged"], 2);

  EXPECT_EQ(http_request(gw.admin_port(), "GET", "/cache/purge?tag=x").status, 405);
  EXPECT_EQ(http_request(gw.admin_port(), "POST", "/cache/purge?colour=blue", {}).status, 400);
  EXPECT_EQ(http_request(gw.admin_port(), "POST", "/cache/purge?url=ftp%3A%2F%2Fx", {}).status, 400);
  // Nor are they sent on responses the cache does not keep (a POST's).
  EXPECT_EQ(http_request(gw.port(), "POST", "/response-headers?Cache-Tag=x", {}).header("Cache-Tag"), "");
}

TEST_F(Cache, StaleWhileRevalidateAnswersAtOnceAndRefreshesInTheBackground) {
  const std::string swr = "/response-headers?Cache-Control=max-age%3D0%2C%20stale-while-revalidate%3D60&ETag=%22s1%22";
  Response first = get(swr);
  Response stale = get(swr);
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body, first.body);
  EXPECT_EQ(stale.header("Cache-Status"), "Gatehouse; hit; ttl=0; detail=\"stale-while-revalidate\"");
  EXPECT_EQ(lines_with(2, "stale"), 1u);
  // The refresh goes upstream after the answer, conditional: the demo answers 304.
  for (int i = 0; i < 200 && up.requests() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(up.requests(), 2);
  Response metrics;
  for (int i = 0; i < 200; ++i) {
    metrics = http_request(gw.admin_port(), "GET", "/metrics");
    if (metric_sample(metrics.body, R"(gatehouse_background_tasks_total{kind="revalidation",result="done"})") >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(metric_sample(metrics.body, R"(gatehouse_background_tasks_total{kind="revalidation",result="done"})"), 1);
  EXPECT_EQ(up.requests(), 2);  // refreshed once
}

TEST_F(Cache, ABackgroundRefreshThatGetsANewResponseStoresIt) {
  // The upstream's ETag moved on: the refresh's conditional gets a new 200.
  const std::string swr =
      "/response-headers?Cache-Control=max-age%3D0%2C%20stale-while-revalidate%3D60&ETag=%22s1%22&304.ETag=%22moved%22";
  Response first = get(swr);
  get(swr);  // served stale; the refresh starts
  for (int i = 0; i < 200; ++i) {
    Response m = http_request(gw.admin_port(), "GET", "/metrics");
    if (metric_sample(m.body, R"(gatehouse_background_tasks_total{kind="revalidation",result="done"})") >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Response after = get(swr);
  EXPECT_EQ(after.status, 200);
  EXPECT_NE(after.body, first.body);
  // The refresh's own request, conditional on the stored ETag, is what the demo echoed.
  EXPECT_EQ(json::parse(after.body)["headers"]["if-none-match"], "\"s1\"");
}

TEST_F(Cache, AgeCountsTheAgeTheUpstreamGave) {
  get("/response-headers?Cache-Control=max-age%3D600&Age=100");
  Response hit = get("/response-headers?Cache-Control=max-age%3D600&Age=100");
  EXPECT_EQ(up.requests(), 1);
  EXPECT_GE(std::stoi(hit.header("Age")), 100);
}

TEST_F(Cache, AResponseToAnAuthorizedRequestIsReusedOnlyWhenItSaysItMayBe) {
  get(kFresh + "&k=auth", {"Authorization: Bearer alice"});
  Response bob = get(kFresh + "&k=auth", {"Authorization: Bearer bob"});
  EXPECT_EQ(up.requests(), 2);
  EXPECT_EQ(bob.header("Cache-Status"), "Gatehouse; fwd=uri-miss; detail=\"authorization\"");
  EXPECT_EQ(json::parse(bob.body)["headers"]["authorization"], "Bearer bob");

  const std::string shared = "/response-headers?Cache-Control=public%2C%20max-age%3D60";
  get(shared, {"Authorization: Bearer alice"});
  get(shared, {"Authorization: Bearer bob"});
  EXPECT_EQ(up.requests(), 3);
}

TEST_F(Cache, NoStorePrivateAndSetCookieAreNotStored) {
  for (std::string query : {"Cache-Control=no-store%2C%20max-age%3D60", "Cache-Control=private%2C%20max-age%3D60",
                            "Cache-Control=max-age%3D60&Set-Cookie=s%3D1"}) {
    int before = up.requests();
    Response a = get("/response-headers?" + query);
    get("/response-headers?" + query);
    EXPECT_EQ(up.requests(), before + 2) << query;
    EXPECT_NE(a.header("Cache-Status").find("detail="), std::string::npos) << query;
  }
  EXPECT_EQ(get(kFresh, {"Cache-Control: no-store"}).header("Cache-Status"), "Gatehouse; fwd=uri-miss; detail=\"request no-store\"");
}

TEST_F(Cache, VarySelectsAmongVariantsAndVaryStarIsNeverReused) {
  const std::string varied = "/response-headers?Cache-Control=max-age%3D60&Vary=Accept-Encoding";
  Response gzip = get(varied, {"Accept-Encoding: gzip"});
  Response br = get(varied, {"Accept-Encoding: br"});
  Response gzip_again = get(varied, {"Accept-Encoding: GZIP"});  // normalised: the same variant
  EXPECT_EQ(up.requests(), 2);
  EXPECT_EQ(gzip_again.body, gzip.body);
  EXPECT_NE(br.body, gzip.body);

  const std::string star = "/response-headers?Cache-Control=max-age%3D60&Vary=*";
  get(star);
  EXPECT_EQ(get(star).header("Cache-Status"), "Gatehouse; fwd=uri-miss; detail=\"vary *\"");
  EXPECT_EQ(up.requests(), 4);
}

TEST_F(Cache, AStaleResponseIsRevalidatedWithItsValidatorAndServedOn304) {
  const std::string stale = "/response-headers?Cache-Control=max-age%3D0&ETag=%22v1%22";
  Response first = get(stale);
  Response again = get(stale);
  EXPECT_EQ(up.requests(), 2);  // the revalidation went upstream, conditional: the demo answered 304
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);  // the stored body, not a new one
  EXPECT_EQ(again.header("Cache-Status"), "Gatehouse; fwd=stale; fwd-status=304");
  EXPECT_EQ(lines_with(2, "revalidated"), 1u);
}

// The demo's 304 can differ from its 200: fields named 304.Name are sent on
// the 304 only. Each test below starts with a stored response that is stale
// at once, with ETag "v1", so that the next GET revalidates it.
const std::string kStaleV1 = "/response-headers?Cache-Control=max-age%3D0&ETag=%22v1%22";

TEST_F(Cache, AClientsOwnValidatorsAnswerGoesToItAndLeavesTheEntryAlone) {
  // The 304 would make the entry fresh for a minute, had it validated it.
  const std::string target = kStaleV1 + "&304.ETag=%22v0%22&304.Cache-Control=max-age%3D60";
  get(target);
  Response own = get(target, {"If-None-Match: \"v0\""});  // the client's copy, not the cache's
  EXPECT_EQ(own.status, 304);
  EXPECT_EQ(own.header("ETag"), "\"v0\"");
  EXPECT_EQ(own.header("Cache-Status"), "Gatehouse; fwd=stale; fwd-status=304; detail=\"client validator\"");
  // Still stale: revalidated upstream (whose 200 then replaces it), not a hit.
  Response plain = get(target);
  EXPECT_EQ(plain.header("Cache-Status"), "Gatehouse; fwd=stale; stored") << "the client's 304 refreshed the entry";
  EXPECT_EQ(up.requests(), 3);
}

TEST_F(Cache, ARevalidationsNoStoreOrNewSetCookieAnswersTheClientAndDropsTheEntry) {
  for (const std::string& extra : {std::string("&304.Cache-Control=no-store"), std::string("&304.Set-Cookie=session%3D9")}) {
    const std::string target = kStaleV1 + extra;
    Response first = get(target);
    Response validated = get(target);
    EXPECT_EQ(validated.status, 200) << extra;
    EXPECT_EQ(validated.body, first.body) << extra;
    EXPECT_EQ(validated.header("Cache-Status"), "Gatehouse; fwd=stale; fwd-status=304") << extra;
    if (extra.find("Set-Cookie") != std::string::npos) {
      EXPECT_EQ(validated.header("Set-Cookie"), "session=9");
    }
    // Dropped: the next request finds nothing to revalidate.
    Response after = get(target);
    EXPECT_EQ(after.header("Cache-Status"), "Gatehouse; fwd=uri-miss; stored") << extra;
    EXPECT_EQ(json::parse(after.body)["headers"].contains("if-none-match"), false) << extra;
  }
  EXPECT_EQ(up.requests(), 6);
}

TEST_F(Cache, A304BuiltFromTheStoreCarriesNoneOfTheUpstreamsOtherFields) {
  const std::string target = kStaleV1 + "&304.X-Upstream-Only=leaked";
  get(target);
  Response r = get(target, {"If-None-Match: \"v1\""});
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.header("ETag"), "\"v1\"");
  EXPECT_EQ(r.header("Cache-Control"), "max-age=0");
  EXPECT_EQ(r.header("X-Upstream-Only"), "");
  EXPECT_EQ(up.requests(), 2);
}

TEST_F(Cache, TheAgeOfTheRevalidating304Counts) {
  // The 304 came through a cache that held it 30 s: the refreshed entry is that old.
  const std::string target = kStaleV1 + "&304.Cache-Control=max-age%3D60&304.Age=30";
  get(target);
  Response refreshed = get(target);
  EXPECT_EQ(refreshed.header("Cache-Status"), "Gatehouse; fwd=stale; fwd-status=304");
  int age = std::stoi(refreshed.header("Age"));
  EXPECT_GE(age, 30);
  EXPECT_LE(age, 32);
  Response hit = get(target);
  EXPECT_TRUE(hit.header("Cache-Status").starts_with("Gatehouse; hit; ttl=")) << hit.header("Cache-Status");
  EXPECT_GE(std::stoi(hit.header("Age")), 30);
  EXPECT_EQ(up.requests(), 2);
}

TEST(CacheVary, ComparesTheClientsRequestNotTheOneTheGatewayForwarded) {
  // A route that sends the upstream its own Host (as nginx does by default):
  // on its way upstream the request's Host changes. The variant stored is
  // the client's Host, the one the next lookup compares.
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_API_PATH", "/"},
              {"GATEHOUSE_ROUTE_API_UPSTREAM", up.url()},
              {"GATEHOUSE_ROUTE_API_CACHE", "true"},
              {"GATEHOUSE_ROUTE_API_PRESERVE_HOST", "false"}}};
  const std::string target = "/response-headers?Cache-Control=max-age%3D60&Vary=Host";
  Response first = http_request(gw.port(), "GET", target, {});
  EXPECT_EQ(json::parse(first.body)["headers"]["host"], up.url().substr(std::string("http://").size()));
  Response second = http_request(gw.port(), "GET", target, {});
  EXPECT_TRUE(second.header("Cache-Status").starts_with("Gatehouse; hit")) << second.header("Cache-Status");
  EXPECT_EQ(up.requests(), 1);
}

TEST_F(Cache, AClientsConditionalRequestIsAnsweredFromTheStore) {
  const std::string tagged = "/response-headers?Cache-Control=max-age%3D60&ETag=%22v7%22";
  get(tagged);
  Response r = get(tagged, {"If-None-Match: W/\"v7\""});
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.header("ETag"), "\"v7\"");
  EXPECT_EQ(up.requests(), 1);
}

TEST_F(Cache, RequestDirectivesNoCacheAndOnlyIfCached) {
  get(kFresh);
  get(kFresh, {"Cache-Control: no-cache"});
  EXPECT_EQ(up.requests(), 2);
  get(kFresh, {"Pragma: no-cache"});
  EXPECT_EQ(up.requests(), 3);
  Response none = get("/response-headers?never=stored", {"Cache-Control: only-if-cached"});
  EXPECT_EQ(none.status, 504);
  EXPECT_EQ(up.requests(), 3);
}

TEST_F(Cache, ASuccessfulUnsafeRequestInvalidatesItsUrlAndLocation) {
  get(kFresh);
  Response post = http_request(gw.port(), "POST", kFresh, {});
  EXPECT_EQ(post.status, 200);
  get(kFresh);
  EXPECT_EQ(up.requests(), 3);

  // A POST elsewhere whose Location names the stored URL.
  get(kFresh);
  EXPECT_EQ(up.requests(), 3);
  http_request(gw.port(), "POST", "/response-headers?Location=" + std::string("%2Fresponse-headers%3FCache-Control%3Dmax-age%253D60"), {});
  get(kFresh);
  EXPECT_EQ(up.requests(), 5);
}

TEST_F(Cache, AHeadIsAnsweredFromTheStoredGet) {
  get(kFresh);
  Client c(gw.port());
  c.send("HEAD " + kFresh + " HTTP/1.1\r\nHost: test.local\r\n\r\n");
  auto r = c.read_response(true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->header("Cache-Status").starts_with("Gatehouse; hit"));
  EXPECT_EQ(up.requests(), 1);
}

TEST_F(Cache, ARouteWithoutTheCacheIsUntouched) {
  get("/plain/response-headers?Cache-Control=max-age%3D60");
  Response r = get("/plain/response-headers?Cache-Control=max-age%3D60");
  EXPECT_EQ(up.requests(), 2);
  EXPECT_EQ(r.header("Cache-Status"), "");
}

TEST_F(Cache, TheRoutesDefaultLifetimeAndTheEntrySizeLimit) {
  get("/bytes/100");
  get("/bytes/100");
  EXPECT_EQ(up.requests(), 1);  // no freshness of its own: the route's default TTL
  Response big = get("/bytes/100000");
  EXPECT_EQ(big.body.size(), 100000u);
  get("/bytes/100000");
  EXPECT_EQ(up.requests(), 3);  // over the 64k entry limit: streamed through, not stored
}

}  // namespace

namespace {

// Concurrent cold misses through a slow upstream: the route gives the
// demo's /delay/ answers a lifetime, so they are storable.
class CacheCollapsing : public ::testing::Test {
 protected:
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_SLOW_PATH", "/delay"},
              {"GATEHOUSE_ROUTE_SLOW_UPSTREAM", up.url()},
              {"GATEHOUSE_ROUTE_SLOW_CACHE", "true"},
              {"GATEHOUSE_ROUTE_SLOW_CACHE_DEFAULT_TTL", "60s"},
              {"GATEHOUSE_ROUTE_NOSTORE_PATH", "/slow"},
              {"GATEHOUSE_ROUTE_NOSTORE_STRIP_PREFIX", "true"},
              {"GATEHOUSE_ROUTE_NOSTORE_UPSTREAM", up.url()},
              {"GATEHOUSE_ROUTE_NOSTORE_CACHE", "true"},
              {"GATEHOUSE_WORKERS", "2"}}};

  Response get_once(const std::string& target) { return http_request(gw.port(), "GET", target, {}); }
  std::vector<Response> concurrent_gets(const std::string& target, int n) {
    std::vector<Response> out(static_cast<std::size_t>(n));
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i)
      threads.emplace_back([&, i] { out[static_cast<std::size_t>(i)] = http_request(gw.port(), "GET", target, {}); });
    for (auto& t : threads) t.join();
    return out;
  }
};

TEST_F(CacheCollapsing, AHundredConcurrentColdGetsReachTheUpstreamOnce) {
  auto responses = concurrent_gets("/delay/300", 100);
  EXPECT_EQ(up.requests(), 1);
  for (const auto& r : responses) {
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body, responses[0].body);  // every client the one stored answer
  }
  std::size_t collapsed = 0;
  for (const auto& line : gw.wait_for_lines(100)) collapsed += line.find(" cache=collapsed ") != std::string::npos;
  EXPECT_EQ(collapsed, 99u);
}

TEST_F(CacheCollapsing, WaitersOfAResponseThatCannotBeStoredGoUpstreamTogether) {
  // /slow has no lifetime (no default TTL): never stored. Its waiters are
  // released when the leader's head arrives, and all go upstream at once.
  auto start = std::chrono::steady_clock::now();
  auto responses = concurrent_gets("/slow/delay/500", 20);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(up.requests(), 20);
  // One after another would be 10 s; waiting out the collapse wait, over 5 s.
  EXPECT_LT(took, std::chrono::seconds(3));
  for (const auto& r : responses) EXPECT_EQ(r.status, 200);
}

TEST_F(CacheCollapsing, AUrlFoundUncacheableIsNotCollapsedForAWhile) {
  get_once("/slow/delay/800");  // not storable: marked
  auto start = std::chrono::steady_clock::now();
  concurrent_gets("/slow/delay/800", 10);
  auto took = std::chrono::steady_clock::now() - start;
  // Side by side: one upstream round (0.8 s); collapsed, a leader then the rest: two.
  EXPECT_LT(took, std::chrono::milliseconds(1300));
  EXPECT_EQ(up.requests(), 11);
}

TEST_F(CacheCollapsing, WaitersAreReleasedWhenTheLeadersHeadSaysItCannotBeStored) {
  // The leader's client reads nothing: its 8 MB body sits in socket buffers
  // and the leader never completes. Its head already says "not stored".
  Client leader(gw.port());
  leader.send("GET /slow/bytes/8000000 HTTP/1.1\r\nHost: test.local\r\n\r\n");
  for (int i = 0; i < 200 && up.requests() < 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto start = std::chrono::steady_clock::now();
  auto responses = concurrent_gets("/slow/bytes/8000000", 3);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(3)) << "the waiters sat out the 5 s collapse wait";
  for (const auto& r : responses) EXPECT_EQ(r.body.size(), 8000000u);
}

// A HEAD cannot be stored, so it neither leads a collapsed miss (the GETs
// behind it would wait for nothing) nor waits for a GET's (it goes upstream).
Response head_request(int port, const std::string& target) {
  Client c(port);
  c.send("HEAD " + target + " HTTP/1.1\r\nHost: test.local\r\n\r\n");
  auto r = c.read_response(true);
  return r ? *r : Response{};
}

TEST_F(CacheCollapsing, AHeadMissNeitherLeadsNorWaits) {
  auto head_first = std::async(std::launch::async, [&] { return head_request(gw.port(), "/delay/700"); });
  for (int i = 0; i < 200 && up.requests() < 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Response get_after = get_once("/delay/700");
  EXPECT_EQ(head_first.get().status, 200);
  EXPECT_EQ(get_after.header("Cache-Status"), "Gatehouse; fwd=uri-miss; stored");

  auto get_first = std::async(std::launch::async, [&] { return get_once("/delay/701"); });
  for (int i = 0; i < 200 && up.requests() < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Response head_after = head_request(gw.port(), "/delay/701");
  EXPECT_EQ(get_first.get().status, 200);
  EXPECT_EQ(head_after.status, 200);
  EXPECT_EQ(head_after.header("Cache-Status"), "Gatehouse; fwd=uri-miss; detail=\"method\"") << "the HEAD waited for the GET";
  EXPECT_EQ(up.requests(), 4);
  Response metrics = http_request(gw.admin_port(), "GET", "/metrics");
  EXPECT_EQ(metric_sample(metrics.body, "gatehouse_cache_collapsed_total"), 0);
}

// A stale entry when the upstream is gone: the demo upstream is stopped mid-test.
class CacheOnError : public ::testing::Test {
 protected:
  std::optional<DemoUpstream> up{std::in_place};
  Gateway gw{{{"GATEHOUSE_ROUTE_API_PATH", "/"},
              {"GATEHOUSE_ROUTE_API_UPSTREAM", up->url()},
              {"GATEHOUSE_ROUTE_API_CACHE", "true"},
              {"GATEHOUSE_ROUTE_GRACE_PATH", "/grace"},
              {"GATEHOUSE_ROUTE_GRACE_STRIP_PREFIX", "true"},
              {"GATEHOUSE_ROUTE_GRACE_UPSTREAM", up->url()},
              {"GATEHOUSE_ROUTE_GRACE_CACHE", "true"},
              {"GATEHOUSE_ROUTE_GRACE_CACHE_STALE_ON_ERROR", "30s"},
              {"GATEHOUSE_CONNECT_TIMEOUT", "1s"}}};
  Response get(const std::string& target) { return http_request(gw.port(), "GET", target, {}); }
};

TEST_F(CacheOnError, StaleIfErrorServesTheStaleEntryWhenTheUpstreamFails) {
  const std::string sie = "/response-headers?Cache-Control=max-age%3D0%2C%20stale-if-error%3D60";
  const std::string strict = "/response-headers?Cache-Control=max-age%3D0%2C%20stale-if-error%3D60%2C%20must-revalidate";
  const std::string plain = "/response-headers?Cache-Control=max-age%3D0";
  Response stored = get(sie);
  get(strict);
  get(plain);
  get("/grace" + plain);
  up.reset();  // the upstream is gone: connections are refused

  Response r = get(sie);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, stored.body);
  EXPECT_EQ(r.header("Cache-Status"), "Gatehouse; fwd=stale; fwd-status=502; detail=\"stale-if-error\"");
  EXPECT_EQ(get(strict).status, 502);  // must-revalidate forbids it
  EXPECT_EQ(get(plain).status, 502);   // no stale-if-error, no grace on this route
  EXPECT_EQ(get("/grace" + plain).status, 200);  // the route's CACHE_STALE_ON_ERROR
}

}  // namespace

// Two replicas sharing one Redis (GATEHOUSE_CACHE_STORE=redis): what one
// stores, the other serves; what one invalidates or purges, neither serves.
class CacheShared : public ::testing::Test {
 protected:
  DemoUpstream up;
  RedisServer redis;
  Env env{{"GATEHOUSE_ROUTE_API_PATH", "/"},
          {"GATEHOUSE_ROUTE_API_UPSTREAM", up.url()},
          {"GATEHOUSE_ROUTE_API_CACHE", "true"},
          {"GATEHOUSE_ROUTE_BIG_PATH", "/bytes"},
          {"GATEHOUSE_ROUTE_BIG_UPSTREAM", up.url()},
          {"GATEHOUSE_ROUTE_BIG_CACHE", "true"},
          {"GATEHOUSE_ROUTE_BIG_CACHE_DEFAULT_TTL", "60s"},
          {"GATEHOUSE_CACHE_STORE", "redis"},
          {"GATEHOUSE_REDIS_URL", redis.url()},
          {"GATEHOUSE_CACHE_REDIS_MAX_ENTRY_BYTES", "4k"}};
  Gateway a{env}, b{env};
  Response get(const Gateway& gw, const std::string& target) { return http_request(gw.port(), "GET", target, {}); }
  // A response is written to Redis in the background, a round trip after
  // its client had it: a test that asks the other replica waits for that.
  void wait_until_shared(const std::string& target) {
    const std::string key = "gatehouse:cache:http://test.local" + target;
    for (int i = 0; i < 200 && redis.cli({"EXISTS", key}) != "1"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(redis.cli({"EXISTS", key}), "1") << key;
  }
};

TEST_F(CacheShared, WhatOneReplicaStoresTheOtherServes) {
  Response first = get(a, kFresh);
  EXPECT_EQ(first.header("Cache-Status"), "Gatehouse; fwd=uri-miss; stored");
  wait_until_shared(kFresh);
  Response other = get(b, kFresh);
  EXPECT_TRUE(other.header("Cache-Status").starts_with("Gatehouse; hit")) << other.header("Cache-Status");
  EXPECT_EQ(other.body, first.body);
  EXPECT_EQ(up.requests(), 1);
}

TEST_F(CacheShared, AnUnsafeRequestThroughOneReplicaInvalidatesForAll) {
  get(a, kFresh);
  wait_until_shared(kFresh);
  EXPECT_TRUE(get(b, kFresh).header("Cache-Status").starts_with("Gatehouse; hit"));
  EXPECT_EQ(http_request(b.port(), "POST", kFresh, {}).status, 200);
  // At once, through the other replica: the deletion was done before the POST's answer.
  EXPECT_EQ(get(a, kFresh).header("Cache-Status"), "Gatehouse; fwd=uri-miss; stored");
  EXPECT_EQ(up.requests(), 3);
}

TEST_F(CacheShared, APurgeByTagOnOneAdminListenerReachesEveryReplica) {
  const std::string tagged = kFresh + "&Cache-Tag=booking-42";
  get(a, tagged);
  wait_until_shared(tagged);
  Response purged = http_request(b.admin_port(), "POST", "/cache/purge?tag=booking-42", {});
  EXPECT_EQ(purged.status, 200);
  EXPECT_EQ(json::parse(purged.body)["purged"], 1);
  EXPECT_EQ(get(a, tagged).header("Cache-Status"), "Gatehouse; fwd=uri-miss; stored");
  EXPECT_EQ(up.requests(), 2);
}

TEST_F(CacheShared, AResponseAboveTheSharedLimitStaysInItsReplica) {
  get(a, "/bytes/20000");
  EXPECT_TRUE(get(a, "/bytes/20000").header("Cache-Status").starts_with("Gatehouse; hit"));
  EXPECT_EQ(get(b, "/bytes/20000").header("Cache-Status"), "Gatehouse; fwd=uri-miss; stored");  // fetched its own
  EXPECT_EQ(up.requests(), 2);
  EXPECT_EQ(redis.cli({"DBSIZE"}), "0");
}

TEST_F(CacheShared, ARedisThatIsDownMakesMissesNotErrors) {
  redis.stop();
  Response first = get(a, kFresh), second = get(b, kFresh);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(up.requests(), 2);
  // Counted: the operator sees the shared cache is not working.
  double failures = 0;
  for (int i = 0; i < 100 && failures < 2; ++i) {  // the lookup, then the store in the background
    failures = metric_sample(http_request(a.admin_port(), "GET", "/metrics").body, "gatehouse_cache_redis_failures_total");
    if (failures < 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(failures, 2);
  // A purge that cannot reach Redis says so: the operator must retry it.
  Response purge = http_request(a.admin_port(), "POST", "/cache/purge?tag=anything", {});
  EXPECT_EQ(purge.status, 502);
  EXPECT_NE(purge.body.find("did not answer"), std::string::npos) << purge.body;
}
