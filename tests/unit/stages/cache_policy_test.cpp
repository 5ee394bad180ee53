// The cache's rules of RFC 9111 (and RFC 5861), on messages whose fields
// each test sets, with times passed in: no clock, no sleeping.
#include <gtest/gtest.h>

#include "../../../src/stages/cache/cache_control.hpp"
#include "../../../src/stages/cache/cache_policy.hpp"
#include "gatehouse/http_date.hpp"

using namespace gatehouse;
using namespace gatehouse::cache;

namespace {

Fields fields(std::initializer_list<std::pair<std::string_view, std::string_view>> list) {
  Fields f;
  for (auto& [n, v] : list) f.insert(n, v);
  return f;
}

struct Case {
  Fields request;
  Fields response;
  int status = 200;
  std::string method = "GET";
  NotStored store(const PolicySettings& s = {}) const {
    CacheControl req = parse_cache_control(request), res = parse_cache_control(response);
    return may_store({method, request, req, status, response, res}, s);
  }
};

constexpr std::time_t kNow = 1'700'000'000;
std::string at(std::time_t t) { return format_http_date(t); }

}  // namespace

TEST(CacheControlParse, DirectivesAcrossLinesCaseInsensitiveQuotedOrNot) {
  auto cc = parse_cache_control(fields({{"Cache-Control", "Public, MAX-AGE=\"60\""}, {"cache-control", "private=\"Set-Cookie, X-User\""}}));
  EXPECT_TRUE(cc.is_public);
  EXPECT_EQ(cc.max_age, 60);
  EXPECT_FALSE(cc.is_private);
  EXPECT_EQ(cc.private_fields, (std::vector<std::string>{"set-cookie", "x-user"}));
}

TEST(CacheControlParse, InvalidOrConflictingFreshnessReadsAsZero) {
  EXPECT_EQ(parse_cache_control(fields({{"Cache-Control", "max-age=abc"}})).max_age, 0);
  EXPECT_EQ(parse_cache_control(fields({{"Cache-Control", "max-age=60, max-age=120"}})).max_age, 0);
  EXPECT_EQ(parse_cache_control(fields({{"Cache-Control", "max-age=60, max-age=60"}})).max_age, 60);
  EXPECT_EQ(parse_cache_control(fields({{"Cache-Control", "max-age=99999999999999999999"}})).max_age, kMaxDelta);
}

TEST(CachePolicyStore, AnExplicitlyFreshGetIsStored) {
  Case c{{}, fields({{"Cache-Control", "max-age=60"}})};
  EXPECT_EQ(c.store(), NotStored::none);
}

TEST(CachePolicyStore, OnlyGet) {
  Case c{{}, fields({{"Cache-Control", "max-age=60"}}), 200, "POST"};
  EXPECT_EQ(c.store(), NotStored::method);
}

TEST(CachePolicyStore, PartialAndUnknownStatusesAreNotStored) {
  EXPECT_EQ((Case{{}, fields({{"Cache-Control", "max-age=60"}}), 206}.store()), NotStored::status);
  EXPECT_EQ((Case{{}, fields({{"Cache-Control", "max-age=60"}}), 500}.store()), NotStored::status);
  EXPECT_EQ((Case{{}, fields({{"Cache-Control", "max-age=60"}}), 404}.store()), NotStored::none);
}

TEST(CachePolicyStore, NoStoreInRequestOrResponseAndPrivate) {
  EXPECT_EQ((Case{fields({{"Cache-Control", "no-store"}}), fields({{"Cache-Control", "max-age=60"}})}.store()), NotStored::request_no_store);
  EXPECT_EQ((Case{{}, fields({{"Cache-Control", "max-age=60, no-store"}})}.store()), NotStored::no_store);
  EXPECT_EQ((Case{{}, fields({{"Cache-Control", "private, max-age=60"}})}.store()), NotStored::is_private);
  EXPECT_EQ((Case{{}, fields({{"Cache-Control", "private=\"X-User\", max-age=60"}})}.store()), NotStored::none);
}

TEST(CachePolicyStore, AuthorizedRequestsOnlyWhenTheResponseAllowsSharing) {
  Fields auth = fields({{"Authorization", "Bearer abc"}});
  EXPECT_EQ((Case{auth, fields({{"Cache-Control", "max-age=60"}})}.store()), NotStored::authorization);
  EXPECT_EQ((Case{auth, fields({{"Cache-Control", "public, max-age=60"}})}.store()), NotStored::none);
  EXPECT_EQ((Case{auth, fields({{"Cache-Control", "s-maxage=60"}})}.store()), NotStored::none);
  EXPECT_EQ((Case{auth, fields({{"Cache-Control", "max-age=60, must-revalidate"}})}.store()), NotStored::none);
}

TEST(CachePolicyStore, SetCookieIsNotStoredUnlessAllowed) {
  Case c{{}, fields({{"Cache-Control", "max-age=60"}, {"Set-Cookie", "session=1"}})};
  EXPECT_EQ(c.store(), NotStored::set_cookie);
  PolicySettings allow;
  allow.store_set_cookie = true;
  EXPECT_EQ(c.store(allow), NotStored::none);
}

TEST(CachePolicyStore, VaryStarIsNeverStored) {
  EXPECT_EQ((Case{{}, fields({{"Cache-Control", "max-age=60"}, {"Vary", "Accept, *"}})}.store()), NotStored::vary_star);
}

TEST(CachePolicyStore, WithoutFreshnessOnlyWhereHeuristicsAreOn) {
  Case c{{}, fields({{"Last-Modified", at(kNow - 1000)}, {"Date", at(kNow)}})};
  EXPECT_EQ(c.store(), NotStored::no_freshness);
  PolicySettings heuristic;
  heuristic.heuristic_max_seconds = 3600;
  EXPECT_EQ(c.store(heuristic), NotStored::none);
  EXPECT_EQ((Case{{}, fields({{"Last-Modified", at(kNow - 1000)}}), 302}.store(heuristic)), NotStored::no_freshness);
}

TEST(CachePolicyFreshness, SMaxageOverMaxAgeOverExpires) {
  PolicySettings s;
  Fields all = fields({{"Cache-Control", "max-age=60, s-maxage=30"}, {"Date", at(kNow)}, {"Expires", at(kNow + 600)}});
  EXPECT_EQ(freshness_lifetime(200, all, parse_cache_control(all), kNow, s), 30);
  Fields two = fields({{"Cache-Control", "max-age=60"}, {"Date", at(kNow)}, {"Expires", at(kNow + 600)}});
  EXPECT_EQ(freshness_lifetime(200, two, parse_cache_control(two), kNow, s), 60);
  Fields expires = fields({{"Date", at(kNow - 100)}, {"Expires", at(kNow + 500)}});
  EXPECT_EQ(freshness_lifetime(200, expires, parse_cache_control(expires), kNow, s), 600);  // measured from Date
}

TEST(CachePolicyFreshness, InvalidExpiresIsAlreadyExpired) {
  Fields f = fields({{"Expires", "0"}});
  EXPECT_EQ(freshness_lifetime(200, f, parse_cache_control(f), kNow, {}), 0);
}

TEST(CachePolicyFreshness, HeuristicIsTenPercentSinceLastModifiedCapped) {
  PolicySettings s;
  s.heuristic_max_seconds = 3600;
  Fields f = fields({{"Date", at(kNow)}, {"Last-Modified", at(kNow - 10'000)}});
  EXPECT_EQ(freshness_lifetime(200, f, parse_cache_control(f), kNow, s), 1000);
  Fields old = fields({{"Date", at(kNow)}, {"Last-Modified", at(kNow - 1'000'000)}});
  EXPECT_EQ(freshness_lifetime(200, old, parse_cache_control(old), kNow, s), 3600);
  EXPECT_EQ(freshness_lifetime(200, f, parse_cache_control(f), kNow, {}), 0);  // off by default
}

TEST(CachePolicyAge, CorrectedInitialAgeCountsAgeDateAndTheTripUpstream) {
  // The upstream says 10 s old; the trip took 2 s: 12 s.
  EXPECT_EQ(initial_age(fields({{"Age", "10"}, {"Date", at(kNow)}}), kNow - 2, kNow), 12);
  // A Date 30 s before it arrived weighs more than Age.
  EXPECT_EQ(initial_age(fields({{"Age", "5"}, {"Date", at(kNow - 30)}}), kNow - 1, kNow), 30);
  EXPECT_EQ(current_age(12, kNow, kNow + 100), 112);
}

TEST(CachePolicyUse, FreshThenStaleThenRevalidate) {
  CacheControl none, res = parse_cache_control(fields({{"Cache-Control", "max-age=60"}}));
  EXPECT_EQ(decide(none, false, res, 60, 59), Use::fresh);
  EXPECT_EQ(decide(none, false, res, 60, 60), Use::revalidate);
}

TEST(CachePolicyUse, RequestDirectives) {
  CacheControl res = parse_cache_control(fields({{"Cache-Control", "max-age=60"}}));
  auto req = [](std::string_view v) { return parse_cache_control(fields({{"Cache-Control", v}})); };
  EXPECT_EQ(decide(req("no-cache"), false, res, 60, 1), Use::revalidate);
  EXPECT_EQ(decide({}, true, res, 60, 1), Use::revalidate);  // Pragma: no-cache
  EXPECT_EQ(decide(req("max-age=10"), false, res, 60, 20), Use::revalidate);
  EXPECT_EQ(decide(req("min-fresh=30"), false, res, 60, 40), Use::revalidate);
  EXPECT_EQ(decide(req("max-stale=30"), false, res, 60, 80), Use::stale_by_request);
  EXPECT_EQ(decide(req("max-stale=30"), false, res, 60, 100), Use::revalidate);
  EXPECT_EQ(decide(req("max-stale"), false, res, 60, 100000), Use::stale_by_request);
}

TEST(CachePolicyUse, NoStaleWhereTheResponseForbidsIt) {
  auto res = [](std::string_view v) { return parse_cache_control(fields({{"Cache-Control", v}})); };
  CacheControl max_stale = parse_cache_control(fields({{"Cache-Control", "max-stale"}}));
  EXPECT_EQ(decide(max_stale, false, res("max-age=60, must-revalidate"), 60, 70), Use::revalidate);
  EXPECT_EQ(decide(max_stale, false, res("s-maxage=60"), 60, 70), Use::revalidate);
  EXPECT_EQ(decide(max_stale, false, res("max-age=60, proxy-revalidate"), 60, 70), Use::revalidate);
  EXPECT_EQ(decide({}, false, res("max-age=60, no-cache"), 60, 1), Use::revalidate);
}

TEST(CachePolicyUse, StaleWhileRevalidateWithinItsWindow) {
  CacheControl res = parse_cache_control(fields({{"Cache-Control", "max-age=60, stale-while-revalidate=30"}}));
  EXPECT_EQ(decide({}, false, res, 60, 80), Use::stale_while_revalidate);
  EXPECT_EQ(decide({}, false, res, 60, 95), Use::revalidate);
}

TEST(CachePolicyUse, StaleIfErrorWithinItsWindowOrTheRoutesGrace) {
  auto res = [](std::string_view v) { return parse_cache_control(fields({{"Cache-Control", v}})); };
  EXPECT_TRUE(may_serve_on_error(res("max-age=60, stale-if-error=100"), 60, 150, 0));
  EXPECT_FALSE(may_serve_on_error(res("max-age=60, stale-if-error=100"), 60, 200, 0));
  EXPECT_FALSE(may_serve_on_error(res("max-age=60"), 60, 61, 0));
  EXPECT_TRUE(may_serve_on_error(res("max-age=60"), 60, 61, 30));
  EXPECT_FALSE(may_serve_on_error(res("max-age=60, must-revalidate, stale-if-error=100"), 60, 70, 30));
}

TEST(CacheControlParse, AQuotedStringLeftOpenReadsAsNoStore) {
  auto cc = parse_cache_control(fields({{"Cache-Control", "max-age=60, private=\"x, no-store"}}));
  EXPECT_TRUE(cc.malformed);
  EXPECT_EQ((Case{{}, fields({{"Cache-Control", "max-age=60, private=\"x"}})}.store()), NotStored::no_store);
}

TEST(CachePolicyStore, WithoutExplicitFreshnessOnlyHeuristicallyCacheableStatuses) {
  PolicySettings ttl;
  ttl.default_ttl = 300;
  EXPECT_EQ((Case{{}, {}, 200}.store(ttl)), NotStored::none);
  EXPECT_EQ((Case{{}, {}, 302}.store(ttl)), NotStored::no_freshness);
  EXPECT_EQ((Case{{}, fields({{"Cache-Control", "no-cache"}}), 302}.store()), NotStored::no_freshness);
  Fields none;
  EXPECT_EQ(freshness_lifetime(302, none, parse_cache_control(none), kNow, ttl), 0);
  EXPECT_EQ(freshness_lifetime(200, none, parse_cache_control(none), kNow, ttl), 300);
}

TEST(CachePolicyStore, MustUnderstandOverridesNoStoreForAKnownStatus) {
  EXPECT_EQ((Case{{}, fields({{"Cache-Control", "max-age=60, no-store, must-understand"}})}.store()), NotStored::none);
  EXPECT_EQ((Case{{}, fields({{"Cache-Control", "max-age=60, no-store, must-understand"}}), 500}.store()), NotStored::status);
}

TEST(CachePolicyAge, AListValuedAgeCountsItsFirstMember) {
  EXPECT_EQ(initial_age(fields({{"Age", "50, 10"}}), kNow, kNow), 50);
}

TEST(CachePolicyUse, PragmaCountsOnlyWithoutCacheControl) {
  CacheControl res = parse_cache_control(fields({{"Cache-Control", "max-age=60"}}));
  CacheControl req = parse_cache_control(fields({{"Cache-Control", "max-age=600"}}));
  EXPECT_EQ(decide(req, true, res, 60, 1), Use::fresh);
}

TEST(CachePolicyUse, TheRequestsLimitsHoldOverStaleWhileRevalidate) {
  CacheControl res = parse_cache_control(fields({{"Cache-Control", "max-age=60, stale-while-revalidate=300"}}));
  EXPECT_EQ(decide(parse_cache_control(fields({{"Cache-Control", "max-age=1000"}})), false, res, 60, 80), Use::revalidate);
  EXPECT_EQ(decide(parse_cache_control(fields({{"Cache-Control", "max-stale=5"}})), false, res, 60, 80), Use::revalidate);
}

TEST(HttpDateParse, TheThreeFormsOfRfc9110) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), 784111777);
  EXPECT_EQ(parse_http_date(format_http_date(kNow)), kNow);
  EXPECT_EQ(parse_http_date("0"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"), std::nullopt);
}
