// Idempotency keys as clients, upstreams and operators see them: real
// gateways in front of the demo upstream, whose /exec/... counts how many
// times each key's operation ran; for many replicas a real redis-server.
#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.hpp"

using namespace gatehouse::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

int executions(const DemoUpstream& up, const std::string& key) {
  Response r = http_request(up.port(), "GET", "/__executions?key=" + key);
  return json::parse(r.body)["count"].get<int>();
}

std::vector<std::string> keyed(const std::string& key, std::vector<std::string> more = {}) {
  more.push_back("Idempotency-Key: " + key);
  more.push_back("Content-Type: application/json");
  return more;
}

Env route_env(const DemoUpstream& up, Env more = {}) {
  Env env{{"GATEHOUSE_ROUTE_API_PATH", "/"}, {"GATEHOUSE_ROUTE_API_UPSTREAM", up.url()}, {"GATEHOUSE_WORKERS", "2"}};
  for (auto& [k, v] : more) env[k] = v;
  return env;
}

std::string problem_type(const Response& r) { return json::parse(r.body).value("type", ""); }

class Idempotency : public ::testing::Test {
 protected:
  DemoUpstream up;
  Gateway gw{route_env(up, {{"GATEHOUSE_ROUTE_API_IDEMPOTENCY_MAX_RESPONSE", "4k"}, {"GATEHOUSE_IDEMPOTENCY_CALLER_HEADER", "X-Api-Key"}})};

  Response put(const std::string& target, const std::string& key, const std::string& body = "{\"qty\":1}", std::vector<std::string> more = {}) {
    return http_request(gw.port(), "PUT", target, keyed(key, std::move(more)), body);
  }
  std::string line_field(std::size_t n, std::size_t i, const std::string& field) { return logfmt_field(gw.wait_for_lines(n).at(i), field); }
};

TEST_F(Idempotency, ARetryGetsTheFirstAnswerByteForByteAndDoesNotRunAgain) {
  Response first = put("/exec/orders/1", "k-replay");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.header("Idempotent-Replayed"), "");
  Response again = put("/exec/orders/1", "k-replay");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);  // the serial in it differs on every execution
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(again.header("Content-Type"), "application/json");
  EXPECT_EQ(again.header("Location"), first.header("Location"));
  EXPECT_EQ(again.header("Set-Cookie"), "");  // never replayed to whoever retries
  EXPECT_NE(again.header("X-Request-Id"), first.header("X-Request-Id"));
  EXPECT_EQ(executions(up, "k-replay"), 1);
  EXPECT_EQ(line_field(2, 0, "idem"), "claimed");
  EXPECT_EQ(line_field(2, 1, "idem"), "replayed");
}

TEST_F(Idempotency, TheSameKeyOnAnotherRequestIs422NeverAReplay) {
  ASSERT_EQ(put("/exec/orders/2", "k-reuse", "{\"qty\":1}").status, 200);
  Response other_body = put("/exec/orders/2", "k-reuse", "{\"qty\":2}");
  EXPECT_EQ(other_body.status, 422);
  EXPECT_EQ(problem_type(other_body), "/problems/idempotency-key-reused");
  EXPECT_EQ(json::parse(other_body.body)["request_id"], other_body.header("X-Request-Id"));
  Response other_path = put("/exec/orders/3", "k-reuse", "{\"qty\":1}");
  EXPECT_EQ(other_path.status, 422);
  Response other_method = http_request(gw.port(), "PATCH", "/exec/orders/2", keyed("k-reuse"), "{\"qty\":1}");
  EXPECT_EQ(other_method.status, 422);
  EXPECT_EQ(executions(up, "k-reuse"), 1);
  EXPECT_EQ(line_field(4, 1, "idem"), "mismatch");
}

TEST_F(Idempotency, MalformedOrRepeatedKeysAre400AndGetIgnoresTheHeader) {
  Response repeated = http_request(gw.port(), "PUT", "/exec/a", {"Idempotency-Key: one", "Idempotency-Key: two"}, "x");
  EXPECT_EQ(repeated.status, 400);
  EXPECT_EQ(problem_type(repeated), "/problems/idempotency-key-invalid");
  Response too_long = http_request(gw.port(), "PUT", "/exec/a", {"Idempotency-Key: " + std::string(256, 'k')}, "x");
  EXPECT_EQ(too_long.status, 400);
  Response quoted = http_request(gw.port(), "PUT", "/exec/a", {"Idempotency-Key: \"k quoted\""}, "x");
  EXPECT_EQ(quoted.status, 200);
  Response get = http_request(gw.port(), "GET", "/exec/a", {"Idempotency-Key: one", "Idempotency-Key: two"});
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(line_field(4, 3, "idem"), "-");
  EXPECT_EQ(executions(up, ""), 0);
}

TEST_F(Idempotency, KeysAreScopedToTheCaller) {
  EXPECT_EQ(put("/exec/scoped", "k-shared", "{}", {"X-Api-Key: alice"}).status, 200);
  Response bob = put("/exec/scoped", "k-shared", "{}", {"X-Api-Key: bob"});
  EXPECT_EQ(bob.status, 200);
  EXPECT_EQ(bob.header("Idempotent-Replayed"), "");
  Response alice_again = put("/exec/scoped", "k-shared", "{}", {"X-Api-Key: alice"});
  EXPECT_EQ(alice_again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(executions(up, "k-shared"), 2);  // once for each caller
}

TEST_F(Idempotency, AConcurrentRetryWaitsForTheFirstAnswer) {
  auto first = std::async(std::launch::async, [&] { return put("/exec/slow?delay=600", "k-wait"); });
  std::this_thread::sleep_for(150ms);
  Response retry = put("/exec/slow?delay=600", "k-wait");
  Response original = first.get();
  EXPECT_EQ(original.status, 200);
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(retry.body, original.body);
  EXPECT_EQ(retry.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(executions(up, "k-wait"), 1);
}

TEST_F(Idempotency, TryAgainStatusesReleaseTheKey) {
  Response busy = put("/exec/busy?status=503", "k-503");
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(line_field(1, 0, "idem"), "released");
  std::this_thread::sleep_for(100ms);  // the release is recorded after the answer
  Response retry = put("/exec/busy?status=503", "k-503");
  EXPECT_EQ(retry.header("Idempotent-Replayed"), "");
  EXPECT_EQ(executions(up, "k-503"), 2);
}

TEST_F(Idempotency, AServerErrorIsAnOutcomeAndReplayed) {
  Response failed = put("/exec/fails?status=500", "k-500");
  EXPECT_EQ(failed.status, 500);
  Response retry = put("/exec/fails?status=500", "k-500");
  EXPECT_EQ(retry.status, 500);
  EXPECT_EQ(retry.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(executions(up, "k-500"), 1);
}

TEST_F(Idempotency, AnUpstreamResetAfterTheRequestLeavesTheOutcomeUnknown) {
  Response lost = put("/exec/lost?reset=1", "k-reset");
  EXPECT_EQ(lost.status, 502);
  EXPECT_EQ(line_field(1, 0, "idem"), "unknown");
  std::this_thread::sleep_for(100ms);
  Response retry = put("/exec/lost?reset=1", "k-reset");
  EXPECT_EQ(retry.status, 409);
  EXPECT_EQ(problem_type(retry), "/problems/idempotency-outcome-unknown");
  EXPECT_EQ(executions(up, "k-reset"), 1);  // never a blind re-send
}

TEST_F(Idempotency, AClientGoneMidResponseStillHasItsAnswerRecorded) {
  {
    Client c(gw.port());
    c.send("PUT /exec/gone?body_delay=400 HTTP/1.1\r\nHost: x\r\nIdempotency-Key: k-gone\r\nContent-Length: 2\r\n\r\n{}");
    std::this_thread::sleep_for(150ms);  // the head has come, the body has not
  }  // the client leaves
  std::this_thread::sleep_for(700ms);
  Response retry = put("/exec/gone?body_delay=400", "k-gone", "{}");
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(retry.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(json::parse(retry.body)["execution"], 1);
  EXPECT_EQ(executions(up, "k-gone"), 1);
}

TEST_F(Idempotency, AResponseTooLargeToKeepIsNotReplayableAndNotRunAgain) {
  Response big = put("/exec/big?size=10000", "k-big");
  EXPECT_EQ(big.status, 200);
  EXPECT_EQ(big.body.size(), 10000u);
  std::this_thread::sleep_for(100ms);
  Response retry = put("/exec/big?size=10000", "k-big");
  EXPECT_EQ(retry.status, 409);
  EXPECT_EQ(problem_type(retry), "/problems/idempotency-response-not-replayable");
  EXPECT_EQ(executions(up, "k-big"), 1);
}

TEST_F(Idempotency, OutcomesAreCountedInTheMetrics) {
  put("/exec/m", "k-metrics");
  put("/exec/m", "k-metrics");
  std::this_thread::sleep_for(100ms);
  Response m = http_request(gw.admin_port(), "GET", "/metrics");
  EXPECT_EQ(metric_sample(m.body, "gatehouse_idempotency_outcomes_total{route=\"api\",outcome=\"claimed\"}"), 1);
  EXPECT_EQ(metric_sample(m.body, "gatehouse_idempotency_outcomes_total{route=\"api\",outcome=\"replayed\"}"), 1);
  EXPECT_GE(metric_sample(m.body, "gatehouse_idempotency_store_requests_total{store=\"memory\",op=\"claim\"}"), 2);
  TempDir dir;
  std::string file = dir.write("metrics.txt", m.body);
  EXPECT_EQ(std::system(("promtool check metrics < " + file + " > /dev/null 2>&1").c_str()), 0);
}

TEST(IdempotencyModes, RequiredRefusesAnUnkeyedPutAndOffIgnoresKeys) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_STRICT_PATH", "/exec/strict"},
              {"GATEHOUSE_ROUTE_STRICT_UPSTREAM", up.url()},
              {"GATEHOUSE_ROUTE_STRICT_IDEMPOTENCY", "required"},
              {"GATEHOUSE_ROUTE_LOOSE_PATH", "/exec/loose"},
              {"GATEHOUSE_ROUTE_LOOSE_UPSTREAM", up.url()},
              {"GATEHOUSE_ROUTE_LOOSE_IDEMPOTENCY", "off"}}};
  Response unkeyed = http_request(gw.port(), "PUT", "/exec/strict/1", {}, "{}");
  EXPECT_EQ(unkeyed.status, 400);
  EXPECT_EQ(problem_type(unkeyed), "/problems/idempotency-key-missing");
  EXPECT_EQ(http_request(gw.port(), "POST", "/exec/strict/1", {}, "{}").status, 200);  // POST is not protected by default
  EXPECT_EQ(http_request(gw.port(), "PUT", "/exec/loose/1", keyed("k-off"), "{}").status, 200);
  EXPECT_EQ(http_request(gw.port(), "PUT", "/exec/loose/1", keyed("k-off"), "{}").header("Idempotent-Replayed"), "");
  EXPECT_EQ(executions(up, "k-off"), 2);
}

TEST(IdempotencyStore, AnUnreachableRedisFailsClosedOrOpenAsSet) {
  DemoUpstream up;
  std::string nowhere = "redis://127.0.0.1:" + std::to_string(unused_port());
  Gateway closed{route_env(up, {{"GATEHOUSE_IDEMPOTENCY_STORE", "redis"}, {"GATEHOUSE_REDIS_URL", nowhere}})};
  Response refused = http_request(closed.port(), "PUT", "/exec/x", keyed("k-closed"), "{}");
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.header("Retry-After"), "1");
  EXPECT_EQ(problem_type(refused), "/problems/idempotency-store-unavailable");
  EXPECT_EQ(logfmt_field(closed.wait_for_lines(1).at(0), "code"), "SU");
  EXPECT_EQ(executions(up, "k-closed"), 0);

  Gateway open{route_env(up, {{"GATEHOUSE_IDEMPOTENCY_STORE", "redis"}, {"GATEHOUSE_REDIS_URL", nowhere},
                              {"GATEHOUSE_IDEMPOTENCY_ON_STORE_ERROR", "open"}})};
  EXPECT_EQ(http_request(open.port(), "PUT", "/exec/x", keyed("k-open"), "{}").status, 200);
  EXPECT_EQ(logfmt_field(open.wait_for_lines(1).at(0), "idem"), "unprotected");
  EXPECT_EQ(executions(up, "k-open"), 1);
}

TEST(IdempotencyStore, ABadRedisUrlStopsStartUpNamingIt) {
  TempDir dir;
  Process p(build_dir() + "/gatehouse", {"--check-config"},
            {{"GATEHOUSE_ROUTE_API_PATH", "/"}, {"GATEHOUSE_ROUTE_API_UPSTREAM", "http://127.0.0.1:9"},
             {"GATEHOUSE_IDEMPOTENCY_STORE", "redis"}, {"GATEHOUSE_REDIS_URL", "http://cache:6379"}},
            dir.path());
  EXPECT_NE(p.wait(10s), 0);
  EXPECT_NE(p.stderr_text().find("GATEHOUSE_REDIS_URL"), std::string::npos) << p.stderr_text();
  EXPECT_NE(p.stderr_text().find("http://cache:6379"), std::string::npos) << p.stderr_text();
}

TEST(IdempotencyStore, ARedisOverTlsIsVerifiedAgainstTheGivenCa) {
  DemoUpstream up;
  RedisServer redis{RedisServer::Tls{}};
  Gateway gw{route_env(up, {{"GATEHOUSE_IDEMPOTENCY_STORE", "redis"}, {"GATEHOUSE_REDIS_URL", redis.url()},
                            {"GATEHOUSE_REDIS_TLS_CA", redis.ca_file()}})};
  Response first = http_request(gw.port(), "PUT", "/exec/tls", keyed("k-tls"), "{}");
  EXPECT_EQ(first.status, 200) << first.body;
  Response again = http_request(gw.port(), "PUT", "/exec/tls", keyed("k-tls"), "{}");
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(executions(up, "k-tls"), 1);
  EXPECT_NE(redis.cli({"KEYS", "*"}), "");  // the key went to this Redis, over TLS

  // Without the CA the server is not trusted: fail closed, naming TLS.
  Gateway untrusting{route_env(up, {{"GATEHOUSE_IDEMPOTENCY_STORE", "redis"}, {"GATEHOUSE_REDIS_URL", redis.url()}})};
  Response refused = http_request(untrusting.port(), "PUT", "/exec/tls", keyed("k-tls-2"), "{}");
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.body.find("TLS handshake"), std::string::npos) << refused.body;
  EXPECT_EQ(executions(up, "k-tls-2"), 0);
}

// Many replicas, one Redis: the proof of "never twice".
class Replicas : public ::testing::Test {
 protected:
  RedisServer redis;
  DemoUpstream up{{"--threads", "2"}};
  Env env = route_env(up, {{"GATEHOUSE_IDEMPOTENCY_STORE", "redis"},
                           {"GATEHOUSE_REDIS_URL", redis.url()},
                           {"GATEHOUSE_IDEMPOTENCY_LEASE", "1s"},
                           {"GATEHOUSE_IDEMPOTENCY_WAIT", "3s"}});
  std::optional<Gateway> a{std::in_place, env};
  std::optional<Gateway> b{std::in_place, env};
};

TEST_F(Replicas, ConcurrentRetriesAcrossReplicasRunOnceAndAgreeByteForByte) {
  std::vector<std::future<Response>> answers;
  for (int i = 0; i < 16; ++i) {
    std::uint16_t port = (i % 2 ? a : b)->port();
    answers.push_back(std::async(std::launch::async, [port] {
      return http_request(port, "PUT", "/exec/together?delay=300", keyed("k-many"), "{\"qty\":3}");
    }));
  }
  std::vector<Response> got;
  for (auto& f : answers) got.push_back(f.get());
  std::optional<std::string> body;
  int non_conflict = 0;
  for (const auto& r : got) {
    if (r.status == 409) continue;
    ++non_conflict;
    EXPECT_EQ(r.status, 200);
    if (!body) body = r.body;
    EXPECT_EQ(r.body, *body);
  }
  EXPECT_GT(non_conflict, 0);
  EXPECT_EQ(executions(up, "k-many"), 1);
  Response changed = http_request(b->port(), "PUT", "/exec/together?delay=300", keyed("k-many"), "{\"qty\":4}");
  EXPECT_EQ(changed.status, 422);
  EXPECT_EQ(executions(up, "k-many"), 1);
}

TEST_F(Replicas, AReplicaKilledMidRequestLeavesNoSecondExecution) {
  auto doomed = std::async(std::launch::async, [port = a->port()] {
    try {
      return http_request(port, "PUT", "/exec/kill?delay=800", keyed("k-kill"), "{}").status;
    } catch (const std::exception&) {
      return 0;  // the connection died with the replica
    }
  });
  std::this_thread::sleep_for(250ms);
  kill(a->process().pid(), SIGKILL);
  EXPECT_EQ(doomed.get(), 0);
  // While the dead replica's lease lasts the key is in flight; after it, unknown. Never free.
  Response during = http_request(b->port(), "PUT", "/exec/kill?delay=800", keyed("k-kill"), "{}");
  EXPECT_EQ(during.status, 409) << during.body;
  std::this_thread::sleep_for(1500ms);
  Response after = http_request(b->port(), "PUT", "/exec/kill?delay=800", keyed("k-kill"), "{}");
  EXPECT_EQ(after.status, 409);
  EXPECT_EQ(problem_type(after), "/problems/idempotency-outcome-unknown");
  EXPECT_EQ(executions(up, "k-kill"), 1);
  a.reset();
}

TEST_F(Replicas, SigtermFinishesTheKeysAReplicaHolds) {
  auto drained = std::async(std::launch::async,
                            [port = a->port()] { return http_request(port, "PUT", "/exec/drain?delay=500", keyed("k-drain"), "{}"); });
  std::this_thread::sleep_for(150ms);
  a->process().signal(SIGTERM);
  Response first = drained.get();
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(a->process().wait(10s), 0);
  Response retry = http_request(b->port(), "PUT", "/exec/drain?delay=500", keyed("k-drain"), "{}");
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(retry.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(executions(up, "k-drain"), 1);
  a.reset();
}

}  // namespace
