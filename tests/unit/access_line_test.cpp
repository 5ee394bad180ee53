#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gatehouse/access_line.hpp"
#include "gatehouse/problem.hpp"

using namespace gatehouse;

namespace {
RequestInfo sample() {
  RequestInfo i;
  i.request_id = "5f0c";
  i.method = "GET";
  i.target = "/api/bookings/123?token=abc&page=2";
  i.host = "api.example.com";
  i.route = "bookings";
  i.client = "203.0.113.7";
  i.upstream = "10.0.3.4:8080";
  i.connect_us = 1000;
  i.service_us = 18500;
  i.duration_us = 21034;
  i.status = 200;
  i.bytes_out = 1532;
  i.bytes_in = 0;
  return i;
}
std::string line(const RequestInfo& i, LogFormat f = LogFormat::logfmt) {
  std::string out;
  append_access_line(out, i, f);
  return out;
}
}  // namespace

TEST(AccessLine, LogfmtSuccess) {
  EXPECT_EQ(line(sample()),
            "at=info method=GET path=\"/api/bookings/123?token=REDACTED&page=2\" route=bookings host=api.example.com "
            "request_id=5f0c fwd=\"203.0.113.7\" upstream=10.0.3.4:8080 connect=1ms service=18.5ms duration=21.034ms "
            "status=200 bytes=1532 bytes_in=0 cache=- idem=- rest=-\n");
}

TEST(AccessLine, LogfmtFailureCarriesCodeAndLevel) {
  RequestInfo i = sample();
  i.code = ErrorCode::upstream_timeout;
  i.status = 504;
  i.connect_us = RequestInfo::kUnset;
  std::string l = line(i);
  EXPECT_TRUE(l.starts_with("at=error code=UT desc=\"upstream timeout\" method=GET")) << l;
  EXPECT_NE(l.find(" connect=- "), std::string::npos);
  i.code = ErrorCode::no_route;
  EXPECT_TRUE(line(i).starts_with("at=warn code=NR ")) << line(i);
}

TEST(AccessLine, ControlCharactersCannotForgeLines) {
  RequestInfo i = sample();
  i.target = "/x\n at=info forged=1";
  i.host = "evil\r\nhost";
  i.detail = "a\"b";
  i.code = ErrorCode::bad_request;
  std::string l = line(i);
  EXPECT_EQ(std::count(l.begin(), l.end(), '\n'), 1);
  EXPECT_NE(l.find("path=\"/x\\n at=info forged=1\""), std::string::npos) << l;
  EXPECT_NE(l.find("host=\"evil\\x0d\\nhost\""), std::string::npos) << l;
  EXPECT_NE(l.find("desc=\"a\\\"b\""), std::string::npos) << l;
}

// Values are looked at eight bytes at a time: a byte that needs quoting or
// escaping is found wherever it stands in a long value.
TEST(AccessLine, SpecialBytesAreFoundAnywhereInALongValue) {
  RequestInfo i = sample();
  i.request_id = "0123456789abcdef0123456789";   // plain throughout: bare
  i.host = "0123456789=abcdefxy";                  // '=' in the second word
  i.route = "route-name-that-is-long\"";         // '"' at the end, past the words
  i.upstream = "0123456789\x7f.example:80";       // DEL in the second word
  i.method = "GETTINGLONGER\xe9";                 // non-ASCII in the tail
  std::string l = line(i);
  EXPECT_NE(l.find(" request_id=0123456789abcdef0123456789 "), std::string::npos) << l;
  EXPECT_NE(l.find(" host=\"0123456789=abcdefxy\" "), std::string::npos) << l;
  EXPECT_NE(l.find(" route=\"route-name-that-is-long\\\"\" "), std::string::npos) << l;
  EXPECT_NE(l.find(" upstream=\"0123456789\\x7f.example:80\" "), std::string::npos) << l;
  EXPECT_NE(l.find("method=\"GETTINGLONGER\\xe9\" "), std::string::npos) << l;
}

TEST(AccessLine, JsonIsValidAndRedacted) {
  RequestInfo i = sample();
  i.target = "/p?password=hunter2&api_key=k&q=\xff";
  std::string raw = line(i, LogFormat::json);
  EXPECT_NE(raw.find(R"("path":"/p?password=REDACTED&api_key=REDACTED&q=\u00ff")"), std::string::npos) << raw;
  auto j = nlohmann::json::parse(raw);  // invalid UTF-8 in the target still yields valid JSON
  EXPECT_EQ(j["at"], "info");
  EXPECT_EQ(j["status"], 200);
  EXPECT_EQ(j["duration_ms"], 21.034);
  EXPECT_EQ(j["connect_ms"], 1);
  EXPECT_FALSE(j.contains("code"));
}

TEST(AccessLine, SecretParameterNames) {
  for (auto n : {"token", "access_token", "Password", "client_secret", "api_key", "X-Amz-Signature", "auth"})
    EXPECT_TRUE(is_secret_parameter(n)) << n;
  for (auto n : {"page", "q", "sort"}) EXPECT_FALSE(is_secret_parameter(n)) << n;
  EXPECT_EQ(redact_target("/a"), "/a");
  EXPECT_EQ(redact_target("/a?flag&token="), "/a?flag&token=REDACTED");
}

TEST(Problem, BodyIsRfc9457Json) {
  Problem p = problem_for(ErrorCode::no_route);
  p.detail = "no route for /x";
  auto j = nlohmann::json::parse(problem_body(p, "/x", "rid-1"));
  EXPECT_EQ(j["type"], "/problems/no-route");
  EXPECT_EQ(j["title"], "No route matches");
  EXPECT_EQ(j["status"], 404);
  EXPECT_EQ(j["detail"], "no route for /x");
  EXPECT_EQ(j["instance"], "/x");
  EXPECT_EQ(j["request_id"], "rid-1");
  EXPECT_EQ(problem_for(ErrorCode::upstream_timeout).status, 504);
  EXPECT_EQ(problem_for(ErrorCode::upstream_connect).status, 502);
  EXPECT_EQ(problem_for(ErrorCode::too_large, 431).type, "/problems/headers-too-large");
  EXPECT_EQ(problem_for(ErrorCode::bad_request, 501).type, "/problems/unsupported-transfer-coding");
  EXPECT_EQ(problem_for(ErrorCode::bad_request, 400).type, "/problems/bad-request");
}
