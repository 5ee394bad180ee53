// Start-up failures are one message naming the setting and the cause, and an
// exit code (1, or 78 for configuration), never an abort.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness.hpp"

using namespace gatehouse::testing;

namespace {

struct Outcome {
  int exit_code;
  std::string stderr_text;
};

Env routed(Env env) {
  env.emplace("GATEHOUSE_ROUTE_A_PATH", "/");
  env.emplace("GATEHOUSE_ROUTE_A_UPSTREAM", "http://127.0.0.1:9");
  env.emplace("GATEHOUSE_BIND", "127.0.0.1");
  env.emplace("GATEHOUSE_PORT", "0");
  env.emplace("GATEHOUSE_ADMIN_PORT", "0");
  env.emplace("GATEHOUSE_WORKERS", "1");
  return env;
}

Outcome run_gateway_until_exit(const Env& env, const TempDir& dir, std::vector<std::string> args = {}) {
  Process p(build_dir() + "/gatehouse", args, env, dir.path());
  int code = p.wait(std::chrono::seconds(10));
  return {code, p.stderr_text()};
}

// Lines on stderr, leaving out the file-descriptor warning that a machine
// with a low hard limit adds before anything else.
std::size_t line_count(const std::string& text) {
  std::size_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) n += !line.empty() && line.find("file-descriptor limit") == std::string::npos;
  return n;
}

// A port held by a listening socket without SO_REUSEPORT, so that the gateway cannot share it.
class BusyPort {
 public:
  BusyPort() {
    fd_ = bind_loopback(port_);
    listen(fd_, 1);
  }
  ~BusyPort() { close(fd_); }
  std::string port() const { return std::to_string(port_); }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

void expect_one_clean_message(const Outcome& o, int exit_code, const std::vector<std::string>& mentions) {
  EXPECT_EQ(o.exit_code, exit_code) << o.stderr_text;
  EXPECT_EQ(o.stderr_text.find("terminate called"), std::string::npos) << o.stderr_text;
  EXPECT_EQ(line_count(o.stderr_text), 1u) << o.stderr_text;
  for (const auto& m : mentions) EXPECT_NE(o.stderr_text.find(m), std::string::npos) << "no '" << m << "' in: " << o.stderr_text;
}

}  // namespace

TEST(StartupFailures, BusyPublicPortIsAMessageAndExit1) {
  BusyPort busy;
  TempDir dir;
  auto o = run_gateway_until_exit(routed({{"GATEHOUSE_PORT", busy.port()}}), dir);
  expect_one_clean_message(o, 1, {"GATEHOUSE_PORT", busy.port(), "Address already in use"});
}

TEST(StartupFailures, BusyAdminPortIsAMessageAndExit1) {
  BusyPort busy;
  TempDir dir;
  auto o = run_gateway_until_exit(routed({{"GATEHOUSE_ADMIN_PORT", busy.port()}}), dir);
  expect_one_clean_message(o, 1, {"GATEHOUSE_ADMIN_PORT", busy.port(), "Address already in use"});
}

TEST(StartupFailures, CertificateOrKeyThatDoesNotLoadIsAConfigurationError) {
  TempDir dir;
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout " + dir.path() +
                    "/key.pem -out " + dir.path() + "/cert.pem 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::string garbage = dir.write("garbage.pem", "not a PEM file\n");

  auto missing_cert = run_gateway_until_exit(
      routed({{"GATEHOUSE_TLS_CERT", dir.path() + "/nope.pem"}, {"GATEHOUSE_TLS_KEY", dir.path() + "/key.pem"}}), dir);
  expect_one_clean_message(missing_cert, 78, {"GATEHOUSE_TLS_CERT", "nope.pem"});

  auto bad_key = run_gateway_until_exit(routed({{"GATEHOUSE_TLS_CERT", dir.path() + "/cert.pem"}, {"GATEHOUSE_TLS_KEY", garbage}}), dir);
  expect_one_clean_message(bad_key, 78, {"GATEHOUSE_TLS_KEY", "garbage.pem"});

  // --check-config loads them too, so a deploy pipeline finds out before start-up does.
  auto checked = run_gateway_until_exit(routed({{"GATEHOUSE_TLS_CERT", dir.path() + "/cert.pem"}, {"GATEHOUSE_TLS_KEY", garbage}}), dir,
                                        {"--check-config"});
  EXPECT_EQ(checked.exit_code, 78);
  EXPECT_NE(checked.stderr_text.find("GATEHOUSE_TLS_KEY"), std::string::npos);
}

TEST(StartupFailures, UnreadableDotenvIsAConfigurationErrorNotIgnored) {
  TempDir dir;
  std::filesystem::create_directory(dir.path() + "/.env");  // exists, cannot be read as a file (even by root)
  auto o = run_gateway_until_exit(routed({}), dir);
  expect_one_clean_message(o, 78, {".env", "cannot be read", "Is a directory"});
}

TEST(StartupFailures, LowFileDescriptorLimitIsAWarningWithTheLimit) {
  TempDir dir;
  Env env = routed({});
  // prlimit(1) starts the gateway with a soft and hard limit of 256.
  Process p("/usr/bin/prlimit", {"--nofile=256:256", build_dir() + "/gatehouse"}, env, dir.path());
  std::string err = p.wait_for_output("listening on", true, std::chrono::seconds(10));
  ASSERT_FALSE(err.empty()) << p.stderr_text();
  EXPECT_NE(err.find("file-descriptor limit (RLIMIT_NOFILE) is 256"), std::string::npos) << err;
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 0);
}

TEST(StartupFailures, ALowSoftLimitIsRaisedToTheHardLimitWithoutAWarning) {
  rlimit ours{};
  getrlimit(RLIMIT_NOFILE, &ours);
  if (ours.rlim_max < 4096) GTEST_SKIP() << "this machine's hard limit is " << ours.rlim_max;
  std::string hard = std::to_string(std::min<rlim_t>(ours.rlim_max, 1 << 20));
  TempDir dir;
  Process p("/usr/bin/prlimit", {"--nofile=256:" + hard, build_dir() + "/gatehouse"}, routed({}), dir.path());
  std::string err = p.wait_for_output("listening on", true, std::chrono::seconds(10));
  ASSERT_FALSE(err.empty()) << p.stderr_text();
  EXPECT_EQ(err.find("file-descriptor limit"), std::string::npos) << err;
  std::ifstream limits("/proc/" + std::to_string(p.pid()) + "/limits");
  std::string text((std::istreambuf_iterator<char>(limits)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("Max open files            " + hard), std::string::npos) << text;
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 0);
}
