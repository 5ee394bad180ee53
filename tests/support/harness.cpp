#include "harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace gatehouse::testing {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::uint16_t port_after(const std::string& text, const std::string& marker) {
  auto at = text.find(marker);
  if (at == std::string::npos) return 0;
  auto colon = text.find(':', at + marker.size());
  return static_cast<std::uint16_t>(std::stoi(text.substr(colon + 1)));
}

}  // namespace

std::string build_dir() { return GATEHOUSE_BUILD_DIR; }

TempDir::TempDir() {
  char tmpl[] = "/tmp/gatehouse-test-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}
TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}
std::string TempDir::write(const std::string& name, const std::string& content) const {
  std::string p = path_ + "/" + name;
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

Process::Process(const std::string& binary, const std::vector<std::string>& args, const Env& env, const std::string& workdir)
    : out_path_(workdir + "/stdout.log"), err_path_(workdir + "/stderr.log") {
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    if (chdir(workdir.c_str()) != 0) _exit(127);
    int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<std::string> storage{binary};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_storage;
    // Sanitizer settings pass through; nothing else of the test's environment does.
    for (const char* keep : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS", "LSAN_OPTIONS", "PATH"})
      if (const char* v = getenv(keep)) env_storage.push_back(std::string(keep) + "=" + v);
    for (const auto& [k, v] : env) env_storage.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
}

Process::~Process() {
  if (!reaped_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string Process::stdout_text() const { return read_file(out_path_); }
std::string Process::stderr_text() const { return read_file(err_path_); }

std::string Process::wait_for_output(const std::string& needle, bool in_stderr, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = in_stderr ? stderr_text() : stdout_text();
    if (text.find(needle) != std::string::npos) return text;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return {};
}

void Process::signal(int sig) const { kill(pid_, sig); }

bool Process::running() {
  if (reaped_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    reaped_ = true;
    return false;
  }
  return true;
}

int Process::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

long Process::peak_rss_kib() const {
  std::string status = read_file("/proc/" + std::to_string(pid_) + "/status");
  auto at = status.find("VmHWM:");
  return at == std::string::npos ? -1 : std::stol(status.substr(at + 6));
}

namespace {
std::vector<std::string> with_port_zero(std::vector<std::string> args) {
  args.insert(args.begin(), {"--port", "0"});
  return args;
}
}  // namespace

DemoUpstream::DemoUpstream(std::vector<std::string> args)
    : process_(build_dir() + "/gatehouse-demo-upstream", with_port_zero(std::move(args)), {}, dir_.path()) {
  std::string out = process_.wait_for_output("listening on", false, std::chrono::seconds(10));
  port_ = port_after(out, "listening on");
  if (!port_) throw std::runtime_error("demo upstream did not start: " + process_.stderr_text());
}

int DemoUpstream::requests() const {
  Response r = http_request(port_, "GET", "/__requests");
  return nlohmann::json::parse(r.body)["requests"].get<int>();
}

int DemoUpstream::accepted() const {
  Response r = http_request(port_, "GET", "/__requests");
  return nlohmann::json::parse(r.body)["accepted"].get<int>();
}

int DemoUpstream::connections() const {
  Response r = http_request(port_, "GET", "/__requests");
  return nlohmann::json::parse(r.body)["connections"].get<int>();
}

RedisServer::RedisServer(std::vector<std::string> extra) : extra_(std::move(extra)) {
  port_ = unused_port();
  start();
}

RedisServer::RedisServer(Tls) : tls_(true) {
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
                    dir_.path() + "/redis.key -out " + ca_file() + " > /dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl could not make a certificate for redis-server");
  extra_ = {"--port", "0", "--tls-port", "", "--tls-cert-file", ca_file(), "--tls-key-file", dir_.path() + "/redis.key",
            "--tls-ca-cert-file", ca_file(), "--tls-auth-clients", "no"};
  port_ = unused_port();
  extra_[3] = std::to_string(port_);
  start();
}

void RedisServer::start() {
  std::vector<std::string> args{"--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", dir_.path(), "--protected-mode", "no"};
  args.insert(args.end(), extra_.begin(), extra_.end());
  process_.emplace("/usr/bin/redis-server", args, Env{}, dir_.path());
  if (process_->wait_for_output("Ready to accept connections", false, std::chrono::seconds(10)).empty())
    throw std::runtime_error("redis-server did not start: " + process_->stdout_text() + process_->stderr_text());
}

void RedisServer::stop() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait(std::chrono::seconds(5));
  process_.reset();
}

void RedisServer::restart() {
  stop();
  start();
}

std::string RedisServer::cli(const std::vector<std::string>& args) const {
  std::string cmd = "redis-cli -h 127.0.0.1 -p " + std::to_string(port_);
  if (tls_) cmd += " --tls --cacert " + ca_file();
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>&1";
  std::string out;
  if (FILE* f = popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    pclose(f);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

TrackerReceiver::TrackerReceiver(const std::string& mode, int delay_ms) {
  process_.emplace("/usr/bin/env", std::vector<std::string>{"node", std::string(GATEHOUSE_SOURCE_DIR) + "/tests/support/tracker/receiver.js"},
                   Env{{"MODE", mode}, {"DELAY_MS", std::to_string(delay_ms)},
                       {"NODE_PATH", std::string(GATEHOUSE_SOURCE_DIR) + "/tests/support/tracker/node_modules"}},
                   dir_.path());
  std::string out = process_->wait_for_output("\n", false, std::chrono::seconds(20));
  if (out.empty()) throw std::runtime_error("tracker receiver did not start: " + process_->stderr_text());
  auto j = nlohmann::json::parse(out.substr(0, out.find('\n')));
  dsn_ = j["sentry_dsn"];
  endpoint_ = j["endpoint"];
  control_ = j["control"];
}

std::string TrackerReceiver::reports_json() const { return http_request(control_, "GET", "/reports").body; }

Gateway::Gateway(Env env, std::vector<std::string> args) {
  env.emplace("GATEHOUSE_PORT", "0");
  env.emplace("GATEHOUSE_BIND", "127.0.0.1");
  env.emplace("GATEHOUSE_WORKERS", "2");
  env.emplace("GATEHOUSE_ADMIN_PORT", "0");
  bool admin = env["GATEHOUSE_ADMIN_PORT"] != "off";
  process_.emplace(build_dir() + "/gatehouse", args, env, dir_.path());
  std::string err = process_->wait_for_output(admin ? "admin listener on" : "listening on", true, std::chrono::seconds(10));
  port_ = port_after(err, "listening on");
  if (admin) admin_port_ = port_after(err, "admin listener on");
  if (!port_) throw std::runtime_error("gateway did not start: " + process_->stderr_text());
}

Gateway::~Gateway() {
  if (process_ && process_->running()) stop(std::chrono::seconds(5));
}

std::vector<std::string> Gateway::access_lines() const {
  std::vector<std::string> lines;
  std::istringstream in(process_->stdout_text());
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

std::vector<std::string> Gateway::wait_for_lines(std::size_t n, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto lines = access_lines();
  while (lines.size() < n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    lines = access_lines();
  }
  return lines;
}

int Gateway::stop(std::chrono::milliseconds timeout) {
  process_->signal(SIGTERM);
  return process_->wait(timeout);
}

std::string Response::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

Client::Client(std::uint16_t port, std::chrono::milliseconds timeout) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("connect failed");
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Client::~Client() { close(); }

void Client::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void Client::send(const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed");
    off += static_cast<std::size_t>(n);
  }
}

bool Client::try_send(const std::string& bytes) {
  return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

bool Client::fill() {
  char chunk[65536];
  ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) return false;
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

bool Client::closed_by_peer() {
  char c;
  ssize_t n = recv(fd_, &c, 1, 0);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

std::optional<Response> Client::read_response(bool head) {
  while (buffer_.find("\r\n\r\n") == std::string::npos)
    if (!fill()) return std::nullopt;
  auto end = buffer_.find("\r\n\r\n");
  std::istringstream lines(buffer_.substr(0, end));
  buffer_.erase(0, end + 4);
  Response r;
  std::string status_line;
  std::getline(lines, status_line);
  r.status = std::stoi(status_line.substr(9, 3));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto colon = line.find(':');
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    r.headers[lower(line.substr(0, colon))] = value;
  }
  if (r.status == 100) return read_response(head);
  bool no_body = head || r.status == 204 || r.status == 304;
  if (no_body) {
  } else if (r.headers.count("content-length")) {
    std::size_t len = std::stoul(r.headers["content-length"]);
    while (buffer_.size() < len)
      if (!fill()) return std::nullopt;
    r.body = buffer_.substr(0, len);
    buffer_.erase(0, len);
  } else if (lower(r.header("transfer-encoding")) == "chunked") {
    while (true) {
      while (buffer_.find("\r\n") == std::string::npos)
        if (!fill()) return std::nullopt;
      auto eol = buffer_.find("\r\n");
      std::size_t size = std::stoul(buffer_.substr(0, eol), nullptr, 16);
      while (buffer_.size() < eol + 2 + size + 2)
        if (!fill()) return std::nullopt;
      r.body += buffer_.substr(eol + 2, size);
      buffer_.erase(0, eol + 2 + size + 2);
      if (size == 0) break;
    }
  } else {
    while (fill()) {
    }
    r.body = buffer_;
    buffer_.clear();
    r.closed = true;
  }
  if (lower(r.header("connection")) == "close") r.closed = true;
  return r;
}

Response http_request(std::uint16_t port, const std::string& method, const std::string& target,
                      const std::vector<std::string>& headers, const std::string& body) {
  Client c(port);
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: test.local\r\nConnection: close\r\n";
  for (const auto& h : headers) req += h + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  c.send(req);
  auto r = c.read_response(method == "HEAD");
  if (!r) throw std::runtime_error("no response to " + method + " " + target);
  return *r;
}

int bind_loopback(std::uint16_t& port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

std::uint16_t unused_port() {
  std::uint16_t port = 0;
  ::close(bind_loopback(port));
  return port;
}

double metric_sample(const std::string& exposition, const std::string& series) {
  auto at = exposition.find("\n" + series + " ");  // a sample line, not # HELP / # TYPE
  if (at == std::string::npos) return -1;
  return std::stod(exposition.substr(at + series.size() + 2));
}

std::string logfmt_field(const std::string& line, const std::string& key) {
  std::string marker = " " + key + "=";
  auto at = line.find(marker);
  if (at == std::string::npos) {
    if (line.rfind(key + "=", 0) != 0) return {};
    at = 0;
    marker = key + "=";
  }
  std::size_t start = at + marker.size();
  if (start < line.size() && line[start] == '"') {
    std::string out;
    for (std::size_t i = start + 1; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) ++i;
      out += line[i];
    }
    return out;
  }
  return line.substr(start, line.find(' ', start) - start);
}

}  // namespace gatehouse::testing
