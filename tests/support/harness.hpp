#pragma once
// Helpers for integration tests: real processes (the gateway, the demo
// upstream), real sockets on 127.0.0.1, ephemeral ports, no fixed sleeps
// where a condition can be waited for.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gatehouse::testing {

using Env = std::map<std::string, std::string>;

// A child process with stdout and stderr captured to files.
class Process {
 public:
  Process(const std::string& binary, const std::vector<std::string>& args, const Env& env, const std::string& workdir);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  std::string stdout_text() const;
  std::string stderr_text() const;
  // Waits until stderr (or stdout) holds `needle`; returns the text, or "" on timeout.
  std::string wait_for_output(const std::string& needle, bool in_stderr, std::chrono::milliseconds timeout) const;
  void signal(int sig) const;
  // Waits for exit; returns the exit status, or -1 on timeout (then kills).
  int wait(std::chrono::milliseconds timeout);
  bool running();
  // Peak resident memory (VmHWM) in KiB.
  long peak_rss_kib() const;

 private:
  pid_t pid_ = -1;
  std::string out_path_, err_path_;
  bool reaped_ = false;
};

// A temporary directory, removed at the end.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

std::string build_dir();  // where gatehouse and gatehouse-demo-upstream are

class DemoUpstream {
 public:
  // `args`: extra options, e.g. {"--idle-timeout", "100"}.
  explicit DemoUpstream(std::vector<std::string> args = {});
  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // How many requests it has received (its own /__requests endpoint).
  int requests() const;
  // How many connections it has open (besides the one asking).
  int connections() const;
  // How many connections it has accepted, ever (not counting those that asked).
  int accepted() const;

 private:
  TempDir dir_;
  Process process_;
  std::uint16_t port_ = 0;
};

class Gateway {
 public:
  explicit Gateway(Env env, std::vector<std::string> args = {});
  ~Gateway();
  std::uint16_t port() const { return port_; }
  std::uint16_t admin_port() const { return admin_port_; }
  Process& process() { return *process_; }
  // Access-log lines written so far (stdout).
  std::vector<std::string> access_lines() const;
  // Waits until at least n access lines are out; returns them.
  std::vector<std::string> wait_for_lines(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  TempDir dir_;
  std::optional<Process> process_;
  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;
};

// The error-tracker receivers (tests/support/tracker/receiver.js): a real
// sentry-testkit server and a Honeybadger-compatible endpoint. `mode`:
// normal, slow, 429 or 500-once.
class TrackerReceiver {
 public:
  explicit TrackerReceiver(const std::string& mode = "normal", int delay_ms = 3000);
  const std::string& sentry_dsn() const { return dsn_; }
  const std::string& endpoint() const { return endpoint_; }
  // {"sentry": [...events], "honeybadger": [...], "hits": n}
  std::string reports_json() const;

 private:
  TempDir dir_;
  std::optional<Process> process_;
  std::string dsn_, endpoint_;
  std::uint16_t control_ = 0;
};

// A real redis-server on a free loopback port: no persistence, no
// protection from other local users (tests only). Stopped with the object.
class RedisServer {
 public:
  // `extra`: more redis-server options, e.g. {"--requirepass", "s3cret"}.
  explicit RedisServer(std::vector<std::string> extra = {});
  // One that speaks TLS only (rediss://), with a self-signed certificate for
  // IP 127.0.0.1 made at start; ca_file() is that certificate.
  struct Tls {};
  explicit RedisServer(Tls);
  std::uint16_t port() const { return port_; }
  std::string url() const { return (tls_ ? "rediss://127.0.0.1:" : "redis://127.0.0.1:") + std::to_string(port_); }
  std::string ca_file() const { return dir_.path() + "/redis.crt"; }
  // Runs redis-cli against it and returns its output (trimmed).
  std::string cli(const std::vector<std::string>& args) const;
  // Stops it (SIGKILL) and starts it again on the same port, empty.
  void restart();
  void stop();

 private:
  void start();
  TempDir dir_;
  std::vector<std::string> extra_;
  std::optional<Process> process_;
  std::uint16_t port_ = 0;
  bool tls_ = false;
};

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool closed = false;  // the server closed the connection after it
  std::string header(const std::string& name) const;
};

// A blocking client socket with a receive timeout.
class Client {
 public:
  explicit Client(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void send(const std::string& bytes);
  // Sends what the peer still takes; false once it has closed.
  bool try_send(const std::string& bytes);
  // Reads one response (Content-Length, chunked or close-delimited). For a
  // HEAD request pass head = true. nullopt: the connection closed first.
  std::optional<Response> read_response(bool head = false);
  // True when the peer has closed (reads EOF within the timeout).
  bool closed_by_peer();
  void close();
  int fd() const { return fd_; }

 private:
  bool fill();
  int fd_ = -1;
  std::string buffer_;
};

// A parameterized suite whose cases all go through one gateway in front of one
// demo upstream (catch-all route), started once for the suite.
template <class Param>
class GatewaySuite : public ::testing::TestWithParam<Param> {
 protected:
  static void SetUpTestSuite() {
    up = new DemoUpstream();
    gw = new Gateway(Env{{"GATEHOUSE_ROUTE_ALL_PATH", "/"}, {"GATEHOUSE_ROUTE_ALL_UPSTREAM", up->url()}});
  }
  static void TearDownTestSuite() {
    delete gw;
    delete up;
    gw = nullptr;
    up = nullptr;
  }
  static inline DemoUpstream* up = nullptr;
  static inline Gateway* gw = nullptr;
};

// One request on a new connection.
Response http_request(std::uint16_t port, const std::string& method, const std::string& target,
                      const std::vector<std::string>& headers = {}, const std::string& body = {});

// A TCP socket bound to an ephemeral port on 127.0.0.1 (not yet listening);
// `port` receives the port. The caller owns and closes the descriptor.
int bind_loopback(std::uint16_t& port);

// A loopback port nothing listens on (bound, read, closed): for "refused" tests
// and for servers that cannot bind port 0 themselves.
std::uint16_t unused_port();

// The value of one sample in a Prometheus exposition, e.g.
// `gatehouse_http_requests_in_flight`; -1 when absent.
double metric_sample(const std::string& exposition, const std::string& series);

// "key=value" from a logfmt line ("" when absent).
std::string logfmt_field(const std::string& line, const std::string& key);

}  // namespace gatehouse::testing
