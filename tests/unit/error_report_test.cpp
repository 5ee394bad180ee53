#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "gatehouse/error_report.hpp"

using namespace gatehouse;
using nlohmann::json;

namespace {
ErrorReport sample() {
  ErrorReport r;
  r.type = "UpstreamTimeout";
  r.message = "no response from 10.0.0.5:8080 within 200 ms";
  r.place = "upstream 10.0.0.5:8080";
  r.route = "bookings";
  r.method = "GET";
  r.url = "http://api.example.com/api/bookings/1?token=REDACTED";
  r.headers = {{"Accept", "application/json"}};
  r.request_id = "rid-1";
  r.status = 504;
  r.error_code = "UT";
  return r;
}
const ReportContext kContext{"staging", "1.2.3", "gw-1"};
}  // namespace

TEST(ErrorReport, SentryDsn) {
  auto d = parse_sentry_dsn("https://abc123@o42.ingest.sentry.io/4500");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->envelope_url(), "https://o42.ingest.sentry.io:443/api/4500/envelope/");
  EXPECT_EQ(d->auth_header(), "Sentry sentry_version=7, sentry_key=abc123, sentry_client=gatehouse/" GATEHOUSE_VERSION);
  auto local = parse_sentry_dsn("http://key@127.0.0.1:9000/7");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->envelope_url(), "http://127.0.0.1:9000/api/7/envelope/");
  EXPECT_FALSE(parse_sentry_dsn("not a dsn"));
  EXPECT_FALSE(parse_sentry_dsn("https://o42.ingest.sentry.io/4500"));  // no key
  EXPECT_FALSE(parse_sentry_dsn("ftp://k@h/1"));
}

TEST(ErrorReport, HeadersAreScrubbed) {
  auto h = scrub_headers({{"Authorization", "Bearer x"}, {"Cookie", "s=1"}, {"X-Api-Key", "k"}, {"Proxy-Authorization", "b"},
                          {"X-Auth-Token", "t"}, {"Accept", "*/*"}, {"X-Request-Id", "r"}});
  std::vector<std::pair<std::string, std::string>> want{{"Accept", "*/*"}, {"X-Request-Id", "r"}};
  EXPECT_EQ(h, want);
}

TEST(ErrorReport, SentryEnvelopeIsThreeJsonLines) {
  auto dsn = *parse_sentry_dsn("http://key@127.0.0.1:9000/7");
  std::istringstream lines(sentry_envelope(sample(), kContext, dsn, "0123456789abcdef0123456789abcdef"));
  std::string header, item_header, item;
  std::getline(lines, header);
  std::getline(lines, item_header);
  std::getline(lines, item);
  EXPECT_EQ(json::parse(header)["event_id"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(json::parse(item_header)["type"], "event");
  EXPECT_EQ(json::parse(item_header)["length"], item.size());
  json e = json::parse(item);
  EXPECT_EQ(e["exception"]["values"][0]["type"], "UpstreamTimeout");
  EXPECT_EQ(e["environment"], "staging");
  EXPECT_EQ(e["release"], "1.2.3");
  EXPECT_EQ(e["server_name"], "gw-1");
  EXPECT_EQ(e["tags"]["route"], "bookings");
  EXPECT_EQ(e["tags"]["request_id"], "rid-1");
  EXPECT_EQ(e["request"]["method"], "GET");
  EXPECT_EQ(e["request"]["url"], "http://api.example.com/api/bookings/1?token=REDACTED");
}

TEST(ErrorReport, SummaryOfGroupedRepeats) {
  ErrorReport r = sample();
  r.repeats = 41;
  auto dsn = *parse_sentry_dsn("http://key@h/1");
  std::string env = sentry_envelope(r, kContext, dsn, "e");
  EXPECT_NE(env.find("(41 more like this were grouped)"), std::string::npos);
  EXPECT_EQ(r.group_key(), "UpstreamTimeout|bookings|upstream 10.0.0.5:8080");
}

TEST(ErrorReport, HoneybadgerNotice) {
  json n = json::parse(honeybadger_notice(sample(), kContext));
  EXPECT_EQ(n["notifier"]["name"], "gatehouse");
  EXPECT_EQ(n["error"]["class"], "UpstreamTimeout");
  EXPECT_EQ(n["error"]["message"], "no response from 10.0.0.5:8080 within 200 ms");
  EXPECT_EQ(n["request"]["component"], "bookings");
  EXPECT_EQ(n["request"]["context"]["request_id"], "rid-1");
  EXPECT_EQ(n["request"]["cgi_data"]["HTTP_ACCEPT"], "application/json");
  EXPECT_EQ(n["server"]["environment_name"], "staging");
  EXPECT_EQ(n["server"]["revision"], "1.2.3");
}
