// gatehouse-demo-upstream: the small HTTP service shipped so that `curl`
// through the gateway answers on first run. The tests and the benchmark use
// it as a real upstream with behaviours chosen by path:
//   GET  /                 JSON: method, path and the headers it received
//   ANY  /echo             the same JSON, plus the body's size
//   POST /sink             reads the body (any size) and reports its size
//   GET  /bytes/N          N bytes of body, streamed (chunked with ?chunked)
//   GET  /delay/MS         answers after MS milliseconds
//   GET  /status/CODE      answers with that status
//   GET  /reset            closes the connection without answering
//   GET  /garbage          answers with bytes that are not HTTP
//   GET  /stall-body       sends a head promising 1000 bytes, then 10, then stalls
//   GET  /response-headers?Name=Value&...  JSON as for /, with those response headers added.
//                          A matching If-None-Match gets a 304 with the same fields;
//                          fields named 304.Name are sent on the 304 only (replacing
//                          Name there, and an ETag there is the one the 304 matches);
//                          _delay=MS answers after MS milliseconds
//   ANY  /exec/...         an operation with an effect: counts its executions per
//                          Idempotency-Key and answers JSON {"execution": n, "key",
//                          "serial"} (serial differs on every execution). Options:
//                          ?delay=MS before answering, ?status=CODE, ?size=N pads the
//                          body to N bytes, ?reset=1 resets after reading the body
//                          (it executed; no answer), ?body_delay=MS sends the head,
//                          then the body after MS
//   GET  /hal              a HAL document whose links (and Location, Link) point at this
//                          service as the gateway reached it; ?malformed=1 cuts it
//                          short, ?gzip=1 labels it Content-Encoding: gzip, ?noself=1
//                          leaves out _links.self, ?pad=N adds N bytes, ?chunked=1
//                          sends it chunked
//   GET  /ws               a WebSocket echo (RFC 6455, Beast's): each message comes back as
//                          it went, text or binary; the message "close" makes the server
//                          close (code 1000). ?push_ms=MS sends "tick N" every MS instead,
//                          echoing nothing. Without an upgrade: 426 and the JSON of /, or
//                          with ?cacheable=1 a 200 that may be cached for a minute
//   GET  /__executions?key=K  how many times /exec ran under key K
//   GET  /__requests       how many requests arrived before this one (not counted),
//                          how many other connections are open, and how many
//                          were accepted (not counting those that asked this)
// Usage: gatehouse-demo-upstream [--port N] [--bind ADDR] [--threads N] [--idle-timeout MS]
//        [--answers-per-connection N]; prints "listening on ADDR:PORT".
//        --idle-timeout closes keep-alive connections idle that long, as
//        servers do (nginx's keepalive_timeout).
//        --answers-per-connection N answers N requests on a connection, then
//        closes it on receiving the next one, unanswered: the race a proxy
//        loses when a server ends a keep-alive connection as a request arrives.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <atomic>
#include <map>
#include <mutex>
#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

namespace {

std::atomic<std::uint64_t> g_requests{0};
std::mutex g_exec_mutex;
std::map<std::string, int> g_executions;  // by Idempotency-Key ("" for none)
std::atomic<std::uint64_t> g_exec_serial{0};
std::atomic<std::int64_t> g_connections{0};
std::atomic<std::int64_t> g_accepted{0};           // every connection accepted...
std::atomic<std::int64_t> g_query_connections{0};  // ...of which these began with /__requests (the tests asking)
std::chrono::milliseconds g_idle_timeout{0};  // 0: keep idle connections open
int g_answers_per_connection = 0;               // 0: no limit

// Counts an open connection for as long as it lives.
struct ConnectionCount {
  ConnectionCount() { ++g_connections; }
  ~ConnectionCount() { --g_connections; }
};

// %XX escapes decoded (test use only: no '+' for space).
std::string percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned v = 0;
    if (s[i] == '%' && i + 2 < s.size() && std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16).ptr == s.data() + i + 3) {
      out += static_cast<char>(v);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// "a=1&X-Name=v" into name/value pairs, percent-decoded.
std::vector<std::pair<std::string, std::string>> query_pairs(std::string_view target) {
  std::vector<std::pair<std::string, std::string>> out;
  auto q = target.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view item = rest.substr(0, amp);
    auto eq = item.find('=');
    if (eq != std::string_view::npos) out.emplace_back(percent_decoded(item.substr(0, eq)), percent_decoded(item.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

// What /response-headers sends: the fields of its 200 and of its 304, and
// how long it waits first.
struct ScriptedFields {
  std::vector<std::pair<std::string, std::string>> full, not_modified;
  std::chrono::milliseconds delay{0};
};

ScriptedFields scripted_fields(const std::vector<std::pair<std::string, std::string>>& pairs) {
  ScriptedFields out;
  constexpr std::string_view kOnly304 = "304.";
  for (const auto& [name, value] : pairs) {
    if (name == "_delay") out.delay = std::chrono::milliseconds(std::strtoull(value.c_str(), nullptr, 10));
    else if (!name.starts_with(kOnly304)) out.full.emplace_back(name, value);
  }
  out.not_modified = out.full;
  for (const auto& [name, value] : pairs) {
    if (!name.starts_with(kOnly304)) continue;
    std::string field = name.substr(kOnly304.size());
    std::erase_if(out.not_modified, [&](const auto& f) { return beast::iequals(f.first, field); });
    out.not_modified.emplace_back(field, value);
  }
  return out;
}

// Whether If-None-Match names the ETag the 304 would carry.
bool answers_not_modified(const http::request_header<>& req, const ScriptedFields& fields) {
  auto inm = req.find(http::field::if_none_match);
  if (inm == req.end()) return false;
  for (const auto& [name, value] : fields.not_modified)
    if (beast::iequals(name, "ETag")) return inm->value() == value || inm->value() == "*";
  return false;
}

std::uint64_t number_after(std::string_view path, std::string_view prefix) {
  std::uint64_t n = 0;
  auto rest = path.substr(prefix.size());
  std::from_chars(rest.data(), rest.data() + rest.size(), n);
  return n;
}

nlohmann::json describe(const http::request_header<>& req) {
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& f : req) {
    std::string name = std::string(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (headers.contains(name)) headers[name] = headers[name].get<std::string>() + ", " + std::string(f.value());
    else headers[name] = std::string(f.value());
  }
  return {{"service", "gatehouse-demo-upstream"}, {"method", std::string(req.method_string())},
          {"path", std::string(req.target())}, {"headers", headers}};
}

// Reads and counts the request body without keeping it.
asio::awaitable<std::uint64_t> drain_body(beast::tcp_stream& s, beast::flat_buffer& buf,
                                          http::request_parser<http::buffer_body>& p, bool& ok) {
  std::uint64_t total = 0;
  static thread_local char chunk[64 * 1024];
  ok = true;
  while (!p.is_done()) {
    p.get().body().data = chunk;
    p.get().body().size = sizeof(chunk);
    auto [ec, n] = co_await http::async_read(s, buf, p, nothrow);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      ok = false;
      break;
    }
    total += sizeof(chunk) - p.get().body().size;
  }
  co_return total;
}

asio::awaitable<bool> send_json(beast::tcp_stream& s, unsigned status, const nlohmann::json& j, bool keep_alive, unsigned version) {
  http::response<http::string_body> res{static_cast<http::status>(status), version};
  res.set(http::field::content_type, "application/json");
  res.body() = j.dump() + "\n";
  res.prepare_payload();
  res.keep_alive(keep_alive);
  auto [ec, n] = co_await http::async_write(s, res, nothrow);
  co_return !ec;
}

asio::awaitable<bool> send_bytes(beast::tcp_stream& s, std::uint64_t count, bool chunked, bool keep_alive, bool head) {
  http::response<http::buffer_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "application/octet-stream");
  if (chunked) res.chunked(true);
  else res.content_length(count);
  res.keep_alive(keep_alive);
  http::response_serializer<http::buffer_body> sr{res};
  auto [hec, hn] = co_await http::async_write_header(s, sr, nothrow);
  if (hec) co_return false;
  if (head) co_return true;  // the head only (RFC 9110 §9.3.2)
  static thread_local std::vector<char> block(64 * 1024, 'x');
  std::uint64_t left = count;
  while (true) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, block.size()));
    res.body().data = n ? block.data() : nullptr;
    res.body().size = n;
    res.body().more = n > 0;
    auto [ec, w] = co_await http::async_write(s, sr, nothrow);
    if (ec && ec != http::error::need_buffer) co_return false;
    if (n == 0) break;
    left -= n;
  }
  co_return true;
}

// /hal: a HAL document whose links are this service's own URLs (`self`:
// http://ADDR:PORT, as the gateway reached it): the links to rewrite.
// Not a coroutine: GCC 12 rejects braced lists inside one.
std::string hal_body(const std::string& self, bool malformed, bool with_self, std::size_t pad) {
  if (malformed) return R"({"_links": {"self": {"href": ")" + self + "/bookings/1\"}";  // cut short
  nlohmann::ordered_json doc;
  if (with_self) doc["_links"]["self"]["href"] = self + "/bookings/1";
  doc["_links"]["items"] = nlohmann::ordered_json::array();
  doc["_links"]["items"].push_back({{"href", self + "/bookings/1/items/1"}});
  doc["_links"]["items"].push_back({{"href", self + "/bookings/1/items/2"}});
  doc["_links"]["search"]["href"] = self + "/bookings{?page}";
  doc["_links"]["search"]["templated"] = true;
  doc["_links"]["elsewhere"]["href"] = "https://example.org/x";
  doc["id"] = 1;
  doc["note"] = self + "/not-a-link";  // text, not a link: left as it is
  nlohmann::ordered_json item;
  item["_links"]["self"]["href"] = self + "/bookings/1/items/1";
  item["qty"] = 2;
  doc["_embedded"]["items"] = nlohmann::ordered_json::array();
  doc["_embedded"]["items"].push_back(item);
  if (pad) doc["padding"] = std::string(pad, 'p');
  return doc.dump();
}

asio::awaitable<bool> send_hal(beast::tcp_stream& s, const http::request<http::buffer_body>& req, bool keep) {
  auto local = s.socket().local_endpoint();
  std::string self = "http://" + local.address().to_string() + ":" + std::to_string(local.port());
  std::string path(req.target());
  auto option = [&](std::string_view name) { return path.find(std::string(name) + "=1") != std::string::npos; };
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.set(http::field::content_type, option("malformed") ? "application/json" : "application/hal+json");
  res.set(http::field::etag, "\"hal-1\"");
  res.set(http::field::location, self + "/bookings/1");
  res.set(http::field::link, "<" + self + "/bookings/2>; rel=\"next\", <https://example.org/terms>; rel=\"terms\"");
  if (option("gzip")) res.set(http::field::content_encoding, "gzip");  // not compressed: only labelled
  auto pad = path.find("pad=");
  res.body() = hal_body(self, option("malformed"), !option("noself"), pad == std::string::npos ? 0 : std::stoul(path.substr(pad + 4)));
  res.keep_alive(keep);
  res.prepare_payload();
  if (option("chunked")) res.chunked(true);
  auto [ec, n] = co_await http::async_write(s, res, nothrow);
  co_return !ec;
}

// Pushes "tick N" every `every` until the connection ends; reads only to
// see the client's close.
asio::awaitable<void> push_ticks(beast::websocket::stream<beast::tcp_stream>& ws, std::chrono::milliseconds every) {
  auto reader = [&]() -> asio::awaitable<void> {
    beast::flat_buffer in;
    while (true) {
      auto [ec, n] = co_await ws.async_read(in, nothrow);
      if (ec) co_return;
      in.consume(in.size());
    }
  };
  asio::co_spawn(co_await asio::this_coro::executor, reader(), asio::detached);
  asio::steady_timer t(co_await asio::this_coro::executor);
  for (int n = 1; ws.is_open(); ++n) {
    t.expires_after(every);
    co_await t.async_wait(nothrow);
    std::string tick = "tick " + std::to_string(n);
    auto [ec, written] = co_await ws.async_write(asio::buffer(tick), nothrow);
    if (ec) co_return;
  }
}

// The WebSocket handshake on a request already read, then echo (or ticks).
asio::awaitable<void> serve_websocket(beast::tcp_stream s, const http::request<http::buffer_body>& req, std::string_view target) {
  beast::websocket::stream<beast::tcp_stream> ws(std::move(s));
  ws.set_option(beast::websocket::stream_base::timeout::suggested(beast::role_type::server));
  auto [aec] = co_await ws.async_accept(req, nothrow);
  if (aec) co_return;
  std::uint64_t push_ms = 0;
  for (const auto& [k, v] : query_pairs(target))
    if (k == "push_ms") push_ms = std::strtoull(v.c_str(), nullptr, 10);
  if (push_ms) co_return co_await push_ticks(ws, std::chrono::milliseconds(push_ms));
  beast::flat_buffer in;
  while (true) {
    auto [ec, n] = co_await ws.async_read(in, nothrow);
    if (ec) co_return;
    if (ws.got_text() && beast::buffers_to_string(in.data()) == "close") {
      co_await ws.async_close(beast::websocket::close_code::normal, nothrow);
      co_return;
    }
    ws.text(ws.got_text());
    auto [wec, written] = co_await ws.async_write(in.data(), nothrow);
    if (wec) co_return;
    in.consume(in.size());
  }
}

asio::awaitable<void> serve(tcp::socket socket) {
  beast::tcp_stream s(std::move(socket));
  ConnectionCount counted;
  bool first_request = true;
  int answered = 0;
  s.socket().set_option(tcp::no_delay(true));
  beast::flat_buffer buf;
  while (true) {
    http::request_parser<http::buffer_body> p;
    p.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (g_idle_timeout.count()) s.expires_after(g_idle_timeout);
    auto [ec, n] = co_await http::async_read_header(s, buf, p, nothrow);
    if (ec) co_return;
    s.expires_never();
    const auto& req = p.get();
    std::string path(req.target());
    std::string_view route = std::string_view(path).substr(0, path.find('?'));
    bool keep = req.keep_alive();
    if (route != "/__requests" && g_answers_per_connection && answered++ == g_answers_per_connection) co_return;
    if (route != "/__requests" && route != "/__executions") ++g_requests;
    else if (first_request) ++g_query_connections;
    first_request = false;
    bool ok = true;

    if (route == "/ws" && beast::websocket::is_upgrade(req)) {
      co_return co_await serve_websocket(std::move(s), req, path);
    }
    if (route == "/reset") {
      s.socket().set_option(asio::socket_base::linger(true, 0));
      co_return;
    }
    if (route == "/garbage") {
      static constexpr std::string_view kGarbage = "this is not HTTP at all\r\n\r\n";
      co_await asio::async_write(s, asio::buffer(kGarbage), nothrow);
      co_return;
    }
    std::uint64_t received = co_await drain_body(s, buf, p, ok);
    if (!ok) co_return;
    if (route.starts_with("/delay/")) {
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(number_after(route, "/delay/")));
      co_await t.async_wait(nothrow);
    }
    if (route == "/stall-body") {
      static constexpr std::string_view kHead = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789";
      co_await asio::async_write(s, asio::buffer(kHead), nothrow);
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::seconds(30));
      co_await t.async_wait(nothrow);
      co_return;
    }
    if (route.starts_with("/exec/")) {
      auto options = query_pairs(path);
      auto option = [&](std::string_view name) -> std::uint64_t {
        for (const auto& [k, v] : options)
          if (k == name) return std::strtoull(v.c_str(), nullptr, 10);
        return 0;
      };
      std::string key(req["Idempotency-Key"]);
      int execution = 0;
      {
        std::lock_guard lock(g_exec_mutex);
        execution = ++g_executions[key];
      }
      if (auto ms = option("delay")) {
        asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
        co_await t.async_wait(nothrow);
      }
      if (option("reset")) {
        s.socket().set_option(asio::socket_base::linger(true, 0));
        co_return;
      }
      nlohmann::json j = nlohmann::json::object();
      j["execution"] = execution;
      j["key"] = key;
      j["serial"] = ++g_exec_serial;
      j["body_bytes"] = received;
      std::string body = j.dump();
      if (auto size = option("size"); size > body.size()) body += std::string(size - body.size(), ' ');
      unsigned status = option("status") ? static_cast<unsigned>(option("status")) : 200;
      http::response<http::string_body> res{static_cast<http::status>(status), req.version()};
      res.set(http::field::content_type, "application/json");
      res.set(http::field::location, "/exec/items/" + std::to_string(j["serial"].get<std::uint64_t>()));
      res.set(http::field::set_cookie, "session=abc");
      res.body() = std::move(body);
      res.keep_alive(keep);
      res.prepare_payload();
      if (auto ms = option("body_delay")) {
        http::response_serializer<http::string_body> sr{res};
        auto [hec, hn] = co_await http::async_write_header(s, sr, nothrow);
        if (hec) co_return;
        asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
        co_await t.async_wait(nothrow);
        auto [bec, bn] = co_await http::async_write(s, sr, nothrow);
        ok = !bec;
      } else {
        auto [wec, wn] = co_await http::async_write(s, res, nothrow);
        ok = !wec;
      }
    } else if (route == "/__executions") {
      std::string key;
      for (const auto& [k, v] : query_pairs(path))
        if (k == "key") key = v;
      nlohmann::json count = nlohmann::json::object();
      {
        std::lock_guard lock(g_exec_mutex);
        count["count"] = g_executions.contains(key) ? g_executions[key] : 0;
      }
      ok = co_await send_json(s, 200, count, keep, req.version());
    } else if (route.starts_with("/bytes/")) {
      ok = co_await send_bytes(s, number_after(route, "/bytes/"), path.find("chunked") != std::string::npos, keep,
                               req.method() == http::verb::head);
    } else if (route == "/__requests") {
      // Built outside the co_await: GCC 12 rejects an initializer list inside one.
      nlohmann::json count = nlohmann::json::object();
      count["requests"] = g_requests.load();
      count["connections"] = g_connections.load() - 1;  // not this one
      count["accepted"] = g_accepted.load() - g_query_connections.load();
      ok = co_await send_json(s, 200, count, keep, req.version());
    } else {
      unsigned status = route.starts_with("/status/") ? static_cast<unsigned>(number_after(route, "/status/")) : 200;
      if (route == "/ws") status = path.find("cacheable=1") == std::string::npos ? 426 : 299;  // a plain GET: the upgrade did not arrive
      auto j = describe(req);
      j["body_bytes"] = received;
      if (status == 204 || status == 304) {
        http::response<http::empty_body> res{static_cast<http::status>(status), req.version()};
        res.keep_alive(keep);
        auto [wec, wn] = co_await http::async_write(s, res, nothrow);
        ok = !wec;
      } else if (route == "/response-headers") {
        ScriptedFields fields = scripted_fields(query_pairs(path));
        if (fields.delay.count()) {
          asio::steady_timer t(co_await asio::this_coro::executor, fields.delay);
          co_await t.async_wait(nothrow);
        }
        if (answers_not_modified(req, fields)) {
          http::response<http::empty_body> res{http::status::not_modified, req.version()};
          for (const auto& [name, value] : fields.not_modified) res.insert(name, value);
          res.keep_alive(keep);
          auto [wec, wn] = co_await http::async_write(s, res, nothrow);
          ok = !wec;
        } else {
          http::response<http::string_body> res{http::status::ok, req.version()};
          for (const auto& [name, value] : fields.full) res.insert(name, value);
          res.set(http::field::content_type, "application/json");
          res.body() = j.dump();
          res.keep_alive(keep);
          res.prepare_payload();
          auto [wec, wn] = co_await http::async_write(s, res, nothrow);
          ok = !wec;
        }
      } else if (status == 299) {
        http::response<http::string_body> res{http::status::ok, req.version()};
        res.set(http::field::cache_control, "max-age=60");
        res.set(http::field::content_type, "application/json");
        res.body() = j.dump();
        res.keep_alive(keep);
        res.prepare_payload();
        auto [wec, wn] = co_await http::async_write(s, res, nothrow);
        ok = !wec;
      } else if (route == "/hal") {
        ok = co_await send_hal(s, req, keep);
      } else {
        ok = co_await send_json(s, status ? status : 200, j, keep, req.version());
      }
    }
    if (!ok || !keep) break;
  }
  beast::error_code ignored;
  s.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
  while (true) {
    auto [ec, socket] = co_await acceptor.async_accept(nothrow);
    if (ec) co_return;
    ++g_accepted;
    asio::co_spawn(acceptor.get_executor(), serve(std::move(socket)), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string bind = "127.0.0.1";
  unsigned short port = 9080;
  unsigned threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view a = argv[i];
    if (a == "--port") port = static_cast<unsigned short>(std::stoi(argv[i + 1]));
    else if (a == "--bind") bind = argv[i + 1];
    else if (a == "--threads") threads = static_cast<unsigned>(std::stoi(argv[i + 1]));
    else if (a == "--idle-timeout") g_idle_timeout = std::chrono::milliseconds(std::stoi(argv[i + 1]));
    else if (a == "--answers-per-connection") g_answers_per_connection = std::stoi(argv[i + 1]);
    else {
      std::fprintf(stderr,
                   "usage: gatehouse-demo-upstream [--port N] [--bind ADDR] [--threads N] [--idle-timeout MS] "
                   "[--answers-per-connection N]\n");
      return 2;
    }
  }
  asio::io_context io(static_cast<int>(threads));
  tcp::acceptor acceptor(io);
  tcp::endpoint ep(asio::ip::make_address(bind), port);
  acceptor.open(ep.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(ep);
  acceptor.listen(asio::socket_base::max_listen_connections);
  std::printf("listening on %s:%u\n", bind.c_str(), acceptor.local_endpoint().port());
  std::fflush(stdout);
  asio::co_spawn(io, accept_loop(acceptor), asio::detached);
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](auto, int) { io.stop(); });
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
}
