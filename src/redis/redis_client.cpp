#include "gatehouse/redis_client.hpp"

#include <openssl/sha.h>

#include <deque>
#include <fmt/format.h>
#include "gatehouse/config_error.hpp"
#include "gatehouse/hex.hpp"

namespace gatehouse {

namespace {

using Clock = std::chrono::steady_clock;

// One command waiting for its reply. The timer is the wake-up: the reader
// cancels it when the reply is in, or the deadline ends the wait.
struct Call {
  explicit Call(Executor ex) : wake(ex) {}
  asio::steady_timer wake;
  std::optional<RedisReply> reply;
  std::string failure;
  bool done = false;

  void finish(std::optional<RedisReply> r, std::string why) {
    if (done) return;
    done = true;
    reply = std::move(r);
    failure = std::move(why);
    wake.cancel();
  }
};

// One TCP (or TLS) connection and the commands in flight on it, in order.
// Shared by its reader and writer coroutines: it lives until both are done,
// whatever the connection slot that made it does meanwhile.
class Link : public std::enable_shared_from_this<Link> {
 public:
  Link(Executor ex, ssl::context* tls) : ex_(ex) {
    if (tls) tls_.emplace(ex, *tls);
    else plain_.emplace(ex);
  }

  Socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }
  ssl::stream<Socket>* tls() { return tls_ ? &*tls_ : nullptr; }
  bool closed() const { return closed_; }
  const std::string& close_reason() const { return close_reason_; }

  // Queues `encoded` (one or more commands) and their calls.
  void send(std::string_view encoded, std::span<const std::shared_ptr<Call>> calls) {
    out_.append(encoded);
    for (const auto& c : calls) pending_.push_back(c);
    if (!writing_) {
      writing_ = true;
      asio::co_spawn(ex_, write_loop(shared_from_this()), asio::detached);
    }
  }

  void start_reading() { asio::co_spawn(ex_, read_loop(shared_from_this()), asio::detached); }

  // Fails every command in flight and closes the socket; idempotent.
  void close(std::string why) {
    if (closed_) return;
    closed_ = true;
    close_reason_ = why;
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
    while (!pending_.empty()) {
      pending_.front()->finish(std::nullopt, why);
      pending_.pop_front();
    }
  }

 private:
  static Awaitable<void> write_loop(std::shared_ptr<Link> self) {
    while (!self->out_.empty() && !self->closed_) {
      self->writing_buffer_.clear();
      std::swap(self->writing_buffer_, self->out_);
      error_code ec;
      if (self->tls_) {
        std::tie(ec, std::ignore) = co_await asio::async_write(*self->tls_, asio::buffer(self->writing_buffer_), use_nothrow_coro);
      } else {
        std::tie(ec, std::ignore) = co_await asio::async_write(*self->plain_, asio::buffer(self->writing_buffer_), use_nothrow);
      }
      if (ec) self->close("write failed: " + ec.message());
    }
    self->writing_ = false;
  }

  static Awaitable<void> read_loop(std::shared_ptr<Link> self) {
    char buffer[16 * 1024];
    while (!self->closed_) {
      error_code ec;
      std::size_t n = 0;
      if (self->tls_) {
        std::tie(ec, n) = co_await self->tls_->async_read_some(asio::buffer(buffer), use_nothrow_coro);
      } else {
        std::tie(ec, n) = co_await self->plain_->async_read_some(asio::buffer(buffer), use_nothrow);
      }
      if (ec) {
        self->close(ec == asio::error::eof ? "connection closed by Redis" : "read failed: " + ec.message());
        break;
      }
      try {
        self->decoder_.feed(std::string_view(buffer, n));
        while (auto reply = self->decoder_.next()) {
          if (self->pending_.empty()) {
            self->close("reply with no command waiting for it");
            break;
          }
          self->pending_.front()->finish(std::move(*reply), {});
          self->pending_.pop_front();
        }
      } catch (const std::exception& e) {
        self->close(e.what());
      }
    }
  }

  Executor ex_;
  std::optional<Socket> plain_;
  std::optional<ssl::stream<Socket>> tls_;
  RespDecoder decoder_;
  std::deque<std::shared_ptr<Call>> pending_;
  std::string out_, writing_buffer_;
  bool writing_ = false;
  bool closed_ = false;
  std::string close_reason_;
};

// Waits for `call` until `deadline`; true when it finished.
Awaitable<bool> wait_for(Call& call, Clock::time_point deadline) {
  if (call.done) co_return true;
  call.wake.expires_at(deadline);
  co_await call.wake.async_wait(use_nothrow);
  co_return call.done;
}

}  // namespace

// One connection slot of the pool: connects on first use, and again after
// the link broke (no sooner than the backoff after a failed attempt).
class RedisConnection {
 public:
  RedisConnection(Executor ex, const RedisOptions& options, ssl::context* tls) : ex_(ex), options_(options), tls_(tls) {}
  ~RedisConnection() { close("client closed"); }

  std::size_t in_flight() const { return in_flight_; }

  void close(const std::string& why) {
    if (link_) link_->close(why);
    link_.reset();
  }
  // Closes the slot for good: it never connects again.
  void shut() {
    shut_ = true;
    close("client closed");
  }

  // Sends `encoded` (n commands) and waits for their n replies.
  Awaitable<std::vector<RedisResult>> run(std::string encoded, std::size_t replies) {
    std::vector<RedisResult> results(replies);
    if (shut_) {
      for (auto& r : results) r.failure = "Redis client closed";
      co_return results;
    }
    ++in_flight_;
    std::string failure = co_await ensure_connected();
    if (!failure.empty()) {
      --in_flight_;
      for (auto& r : results) r.failure = failure;
      co_return results;
    }
    std::shared_ptr<Link> link = link_;
    std::vector<std::shared_ptr<Call>> calls;
    for (std::size_t i = 0; i < replies; ++i) calls.push_back(std::make_shared<Call>(ex_));
    link->send(encoded, calls);
    auto deadline = Clock::now() + options_.timeout;
    for (std::size_t i = 0; i < replies; ++i) {
      if (!co_await wait_for(*calls[i], deadline)) {
        // A reply that is late blocks every reply behind it on this link:
        // give the link up, the next command connects afresh.
        link->close(fmt::format("no reply within {} ms", options_.timeout.count()));
        if (link_ == link) link_.reset();
      }
      results[i].reply = std::move(calls[i]->reply);
      results[i].failure = std::move(calls[i]->failure);
      if (!results[i].ok() && results[i].failure.empty()) results[i].failure = "cancelled";
    }
    --in_flight_;
    co_return results;
  }

 private:
  // Empty when the link is up; else why it is not.
  Awaitable<std::string> ensure_connected() {
    if (link_ && !link_->closed()) co_return std::string();
    if (link_) {
      last_error_ = link_->close_reason();
      link_.reset();
    }
    if (connecting_) {
      // Another command is connecting this slot: wait for its outcome.
      auto waiter = std::make_shared<Call>(ex_);
      connect_waiters_.push_back(waiter);
      co_await wait_for(*waiter, Clock::now() + options_.connect_timeout + options_.timeout);
      co_return link_ && !link_->closed() ? std::string() : "Redis unavailable: " + last_error_;
    }
    if (Clock::now() < retry_at_) co_return "Redis unavailable: " + last_error_;
    connecting_ = true;
    std::string failure = co_await connect();
    connecting_ = false;
    if (!failure.empty()) {
      last_error_ = failure;
      retry_at_ = Clock::now() + options_.reconnect_backoff;
    }
    for (auto& w : connect_waiters_) w->finish(std::nullopt, {});
    connect_waiters_.clear();
    co_return failure.empty() ? std::string() : "Redis unavailable: " + failure;
  }

  Awaitable<std::string> connect() {
    const RedisEndpoint& e = options_.endpoint;
    auto link = std::make_shared<Link>(ex_, tls_);
    // One watchdog bounds the whole set-up: on expiry it closes the socket,
    // which ends whichever step is waiting.
    auto expired = std::make_shared<bool>(false);
    asio::steady_timer watchdog(ex_);
    watchdog.expires_after(options_.connect_timeout);
    watchdog.async_wait([link, expired](error_code ec) {
      if (ec) return;
      *expired = true;
      error_code ignored;
      link->socket().close(ignored);
    });
    auto timed_out = [&](const std::string& what) {
      return *expired ? fmt::format("{} timed out after {} ms", what, options_.connect_timeout.count()) : what;
    };

    tcp::resolver resolver(ex_);
    auto [rec, endpoints] = co_await resolver.async_resolve(e.host, std::to_string(e.port), use_nothrow_coro);
    if (rec) co_return timed_out(fmt::format("cannot resolve {}: {}", e.host, rec.message()));
    auto [cec, connected] = co_await asio::async_connect(link->socket(), endpoints, use_nothrow_coro);
    if (cec) co_return timed_out(fmt::format("cannot connect to {}:{}: {}", e.host, e.port, cec.message()));
    error_code ignored;
    link->socket().set_option(tcp::no_delay(true), ignored);
    if (auto* tls = link->tls()) {
      SSL_set_tlsext_host_name(tls->native_handle(), e.host.c_str());
      tls->set_verify_callback(ssl::host_name_verification(e.host));
      auto [hec] = co_await tls->async_handshake(ssl::stream_base::client, use_nothrow_coro);
      if (hec) co_return timed_out(fmt::format("TLS handshake with {}:{} failed: {}", e.host, e.port, hec.message()));
    }
    link->start_reading();

    // AUTH and SELECT, pipelined, before any command of a caller.
    std::string setup;
    std::size_t replies = 0;
    if (!e.password.empty()) {
      if (e.user.empty()) {
        std::string_view args[] = {"AUTH", e.password};
        append_redis_command(setup, args);
      } else {
        std::string_view args[] = {"AUTH", e.user, e.password};
        append_redis_command(setup, args);
      }
      ++replies;
    }
    std::string db = std::to_string(e.db);
    if (e.db != 0) {
      std::string_view args[] = {"SELECT", db};
      append_redis_command(setup, args);
      ++replies;
    }
    if (replies > 0) {
      std::vector<std::shared_ptr<Call>> calls;
      for (std::size_t i = 0; i < replies; ++i) calls.push_back(std::make_shared<Call>(ex_));
      link->send(setup, calls);
      for (auto& c : calls) {
        if (!co_await wait_for(*c, Clock::now() + options_.connect_timeout)) {
          link->close("no answer to AUTH/SELECT");
          co_return "no answer to AUTH/SELECT";
        }
        if (!c->reply) co_return timed_out(c->failure);
        if (c->reply->is_error()) {
          link->close("setup refused");
          co_return "Redis refused " + std::string(c == calls.front() && !e.password.empty() ? "AUTH" : "SELECT") + ": " + c->reply->str;
        }
      }
    }
    watchdog.cancel();
    if (*expired || link->closed()) co_return timed_out(link->close_reason().empty() ? "connect" : link->close_reason());
    link_ = std::move(link);
    co_return std::string();
  }

  Executor ex_;
  const RedisOptions& options_;
  ssl::context* tls_;
  std::shared_ptr<Link> link_;
  bool connecting_ = false;
  std::vector<std::shared_ptr<Call>> connect_waiters_;
  Clock::time_point retry_at_{};
  std::string last_error_;
  std::size_t in_flight_ = 0;
  bool shut_ = false;
};

RedisScript::RedisScript(std::string src) : source(std::move(src)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source.data()), source.size(), digest);
  sha1 = hex_lower(digest);
}

RedisClient::RedisClient(Executor ex, RedisOptions options, ssl::context* tls) : options_(std::move(options)) {
  std::size_t n = std::max<std::size_t>(1, options_.connections);
  for (std::size_t i = 0; i < n; ++i) connections_.push_back(std::make_unique<RedisConnection>(ex, options_, tls));
}

RedisClient::~RedisClient() { close(); }

void RedisClient::close() noexcept {
  for (auto& c : connections_) c->shut();
}

RedisConnection& RedisClient::pick() {
  // The least busy connection; ties go round-robin.
  std::size_t best = next_++ % connections_.size();
  for (std::size_t i = 0; i < connections_.size(); ++i)
    if (connections_[i]->in_flight() < connections_[best]->in_flight()) best = i;
  return *connections_[best];
}

Awaitable<RedisResult> RedisClient::command(std::span<const std::string_view> args) {
  std::string encoded;
  append_redis_command(encoded, args);
  auto results = co_await pick().run(std::move(encoded), 1);
  co_return std::move(results.front());
}

Awaitable<RedisResult> RedisClient::eval(const RedisScript& script, std::span<const std::string_view> keys,
                                         std::span<const std::string_view> args) {
  std::string nkeys = std::to_string(keys.size());
  std::vector<std::string_view> argv{"EVALSHA", script.sha1, nkeys};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  RedisResult r = co_await command(argv);
  if (r.ok() && r.reply->is_error() && r.reply->str.starts_with("NOSCRIPT")) {
    // This server has not seen the script (first use, or after a restart):
    // EVAL sends the text, and caches it for the next EVALSHA.
    argv[0] = "EVAL";
    argv[1] = script.source;
    r = co_await command(argv);
  }
  co_return r;
}

RedisOptions redis_options_for(const RedisSettings& settings) {
  RedisOptions o;
  o.endpoint = settings.endpoint;
  o.timeout = settings.timeout;
  o.connections = settings.connections;
  return o;
}

std::shared_ptr<ssl::context> redis_tls_for(const RedisSettings& settings) {
  if (!settings.endpoint.tls) return nullptr;
  try {
    return make_redis_tls_context(settings.ca_file);
  } catch (const std::exception& e) {
    throw ConfigError(fmt::format("GATEHOUSE_REDIS_TLS_CA={}: cannot be loaded ({}); expected a PEM file of CA certificates",
                                  settings.ca_file, e.what()));
  }
}

std::unique_ptr<ssl::context> make_redis_tls_context(const std::string& ca_file) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->set_default_verify_paths();
  if (!ca_file.empty()) ctx->load_verify_file(ca_file);
  ctx->set_verify_mode(ssl::verify_peer);
  return ctx;
}

}  // namespace gatehouse
