#include "gatehouse/http_post.hpp"

#include "gatehouse/values.hpp"

namespace gatehouse {
namespace {

struct Url {
  bool tls = false;
  std::string host, port, target;
};

std::optional<Url> split_url(const std::string& url) {
  Url u;
  std::string_view rest = url;
  if (rest.starts_with("https://")) u.tls = true, rest.remove_prefix(8);
  else if (rest.starts_with("http://")) rest.remove_prefix(7);
  else return std::nullopt;
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    u.host = std::string(authority.substr(0, colon));
    u.port = std::string(authority.substr(colon + 1));
  } else {
    u.host = std::string(authority);
    u.port = u.tls ? "443" : "80";
  }
  return u;
}

template <class Stream>
Awaitable<PostResult> exchange(Stream& stream, http::request<http::string_body>& req) {
  PostResult result;
  auto [wec, wn] = co_await http::async_write(stream, req, use_nothrow);
  if (wec) {
    result.error = "send failed: " + wec.message();
    co_return result;
  }
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  auto [rec, rn] = co_await http::async_read(stream, buffer, res, use_nothrow);
  if (rec) {
    result.error = "no response: " + rec.message();
    co_return result;
  }
  result.status = res.result_int();
  if (auto it = res.find(http::field::retry_after); it != res.end()) {
    if (auto n = parse_int(it->value(), 0, 86400)) result.retry_after = std::chrono::seconds(*n);
  }
  co_return result;
}

}  // namespace

Awaitable<PostResult> http_post(ssl::context& tls, const std::string& url,
                                      const std::vector<std::pair<std::string, std::string>>& headers,
                                      const std::string& body, std::chrono::milliseconds timeout) {
  PostResult result;
  auto u = split_url(url);
  if (!u) {
    result.error = "bad URL";
    co_return result;
  }
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto [dec, endpoints] = co_await resolver.async_resolve(u->host, u->port, use_nothrow);
  if (dec) {
    result.error = "cannot resolve " + u->host + ": " + dec.message();
    co_return result;
  }
  http::request<http::string_body> req{http::verb::post, u->target, 11};
  req.set(http::field::host, u->host);
  req.set(http::field::user_agent, "gatehouse/" GATEHOUSE_VERSION);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.keep_alive(false);
  req.prepare_payload();

  // One deadline for connect, handshake, send and response: a slow tracker
  // costs the reporter at most `timeout` a report.
  if (u->tls) {
    beast::ssl_stream<beast::tcp_stream> stream(executor, tls);
    beast::get_lowest_layer(stream).expires_after(timeout);
    auto [cec, ep] = co_await beast::get_lowest_layer(stream).async_connect(endpoints, use_nothrow_coro);
    if (cec) {
      result.error = "connect failed: " + cec.message();
      co_return result;
    }
    SSL_set_tlsext_host_name(stream.native_handle(), u->host.c_str());
    stream.set_verify_mode(ssl::verify_peer);
    stream.set_verify_callback(ssl::host_name_verification(u->host));
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, use_nothrow_coro);
    if (hec) {
      result.error = "TLS handshake failed: " + hec.message();
      co_return result;
    }
    co_return co_await exchange(stream, req);
  }
  beast::tcp_stream stream(executor);
  stream.expires_after(timeout);
  auto [cec, ep] = co_await stream.async_connect(endpoints, use_nothrow_coro);
  if (cec) {
    result.error = "connect failed: " + cec.message();
    co_return result;
  }
  co_return co_await exchange(stream, req);
}

}  // namespace gatehouse
