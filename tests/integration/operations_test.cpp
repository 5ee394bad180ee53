// Start-up, configuration errors, draining on SIGTERM, TLS both ways.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <thread>

#include "harness.hpp"

using namespace gatehouse::testing;

namespace {
struct CliRun {
  int exit_code;
  std::string out, err;
};
CliRun run_gatehouse(const Env& env, std::vector<std::string> args, const std::string& dotenv = {}) {
  TempDir dir;
  if (!dotenv.empty()) dir.write(".env", dotenv);
  Process p(build_dir() + "/gatehouse", std::move(args), env, dir.path());
  int code = p.wait(std::chrono::seconds(10));
  return {code, p.stdout_text(), p.stderr_text()};
}
}  // namespace

TEST(Operations, HelpVersionAndCheckConfig) {
  CliRun help = run_gatehouse({}, {"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("GATEHOUSE_ROUTE_<NAME>_<OPTION>"), std::string::npos);
  CliRun version = run_gatehouse({}, {"--version"});
  EXPECT_EQ(version.out, "gatehouse " GATEHOUSE_VERSION "\n");
  CliRun check = run_gatehouse({{"GATEHOUSE_ROUTE_SHOP_PATH", "/shop"}, {"GATEHOUSE_ROUTE_SHOP_UPSTREAM", "http://10.1.2.3:8080"}},
                            {"--check-config"});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("configuration OK"), std::string::npos);
  EXPECT_NE(check.out.find("http://10.1.2.3:8080"), std::string::npos);
}

TEST(Operations, BadSettingStopsStartUpWithOneMessage) {
  CliRun r = run_gatehouse({{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", "http://x"}, {"GATEHOUSE_DRAIN_TIMEOUT", "soon"}}, {});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_EQ(r.err, "gatehouse: configuration error: GATEHOUSE_DRAIN_TIMEOUT=\"soon\": expected a positive duration such as 250ms, 5s or 2m\n");
  CliRun typo = run_gatehouse({{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", "http://x"}, {"GATEHOUSE_WORKRES", "2"}}, {});
  EXPECT_EQ(typo.exit_code, 78);
  EXPECT_NE(typo.err.find("did you mean GATEHOUSE_WORKERS?"), std::string::npos) << typo.err;
}

TEST(Operations, DotenvIsReadAndTheRealEnvironmentWins) {
  std::string dotenv =
      "# development defaults\n"
      "export GATEHOUSE_ROUTE_DEMO_PATH=/demo\n"
      "UPSTREAM_HOST=10.9.9.9\n"
      "GATEHOUSE_ROUTE_DEMO_UPSTREAM=\"http://${UPSTREAM_HOST}:9090\"\n"
      "GATEHOUSE_PORT=7000\n";
  CliRun r = run_gatehouse({{"GATEHOUSE_PORT", "7100"}}, {"--check-config"}, dotenv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("http://10.9.9.9:9090"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(":7100"), std::string::npos) << r.out;
}

TEST(Operations, SigtermDrainsInFlightRequestsAndExitsZero) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()}}};
  Client idle(gw.port());  // an idle keep-alive connection is closed at once
  idle.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(idle.read_response());
  Client busy(gw.port());
  busy.send("GET /delay/700 HTTP/1.1\r\nHost: a\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  gw.process().signal(SIGTERM);
  auto r = busy.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(idle.closed_by_peer());
  EXPECT_EQ(gw.process().wait(std::chrono::seconds(10)), 0);
  EXPECT_EQ(gw.access_lines().size(), 2u);
}

TEST(Operations, DrainDeadlineCutsOffAndStillLogs) {
  DemoUpstream up;
  Gateway gw{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()}, {"GATEHOUSE_DRAIN_TIMEOUT", "200ms"}}};
  Client busy(gw.port());
  busy.send("GET /delay/5000 HTTP/1.1\r\nHost: a\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  gw.process().signal(SIGTERM);
  EXPECT_EQ(gw.process().wait(std::chrono::seconds(5)), 0);
  auto lines = gw.access_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(logfmt_field(lines[0], "status"), "499");
}

TEST(Operations, TlsTerminationAndHttpsUpstreamWithVerification) {
  TempDir certs;
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
                    certs.path() + "/key.pem -out " + certs.path() + "/cert.pem 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  DemoUpstream up;
  // Edge gateway with TLS on its public port... (two tiers on one host need
  // their own Via names, or the second would see its name and answer 508)
  Gateway edge{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", up.url()}, {"GATEHOUSE_VIA_NAME", "edge"},
                {"GATEHOUSE_TLS_CERT", certs.path() + "/cert.pem"}, {"GATEHOUSE_TLS_KEY", certs.path() + "/key.pem"}}};
  // ...used as an https:// upstream by a second gateway that verifies it.
  Gateway front{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_VIA_NAME", "front"},
                 {"GATEHOUSE_ROUTE_A_UPSTREAM", "https://127.0.0.1:" + std::to_string(edge.port())},
                 {"GATEHOUSE_UPSTREAM_CA_FILE", certs.path() + "/cert.pem"}}};
  Response r = http_request(front.port(), "GET", "/through-tls");
  EXPECT_EQ(r.status, 200) << r.body;
  auto seen = nlohmann::json::parse(r.body);
  EXPECT_EQ(seen["path"], "/through-tls");
  EXPECT_EQ(seen["headers"]["x-forwarded-proto"], "https");  // set by the TLS edge
  EXPECT_EQ(seen["headers"]["via"], "1.1 front, 1.1 edge");
  // Without the CA the certificate is refused.
  Gateway strict{{{"GATEHOUSE_ROUTE_A_PATH", "/"}, {"GATEHOUSE_ROUTE_A_UPSTREAM", "https://127.0.0.1:" + std::to_string(edge.port())}}};
  Response refused = http_request(strict.port(), "GET", "/x");
  EXPECT_EQ(refused.status, 502);
  EXPECT_NE(logfmt_field(strict.wait_for_lines(1).at(0), "desc").find("TLS handshake"), std::string::npos);
}
