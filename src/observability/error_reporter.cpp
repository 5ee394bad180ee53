#include "gatehouse/error_reporter.hpp"

#include <fmt/format.h>

#include <random>

#include "gatehouse/http_post.hpp"
#include "gatehouse/ops_log.hpp"

namespace gatehouse {

using Clock = std::chrono::steady_clock;

ErrorReporter::ErrorReporter(ReporterSettings settings, ssl::context& tls) : settings_(std::move(settings)), tls_(tls) {}

ErrorReporter::~ErrorReporter() { flush_and_stop(std::chrono::milliseconds(0)); }

void ErrorReporter::start() {
  asio::co_spawn(io_, sender_loop(), asio::detached);
  asio::co_spawn(io_, summary_loop(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

bool ErrorReporter::enqueue_locked(ErrorReport r) {
  if (queue_.size() >= settings_.queue_size) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  queue_.push_back(std::move(r));
  return true;
}

void ErrorReporter::submit(ErrorReport report) {
  auto now = Clock::now();
  {
    std::lock_guard lock(mutex_);
    auto [it, fresh] = groups_.try_emplace(report.group_key());
    Group& g = it->second;
    if (!fresh && now - g.first < settings_.group_window) {
      ++g.repeats;
      grouped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    g.first = now;
    g.repeats = 0;
    g.sample = report;
    if (!enqueue_locked(std::move(report))) return;
  }
  asio::post(io_, [this] { wake_.cancel(); });
}

void ErrorReporter::queue_summaries(bool all) {
  auto now = Clock::now();
  std::lock_guard lock(mutex_);
  for (auto it = groups_.begin(); it != groups_.end();) {
    if (all || now - it->second.first >= settings_.group_window) {
      if (it->second.repeats > 0) {
        ErrorReport summary = it->second.sample;
        summary.repeats = it->second.repeats;
        summary.when = std::chrono::system_clock::now();
        enqueue_locked(std::move(summary));
      }
      it = groups_.erase(it);
    } else {
      ++it;
    }
  }
}

Awaitable<void> ErrorReporter::summary_loop() {
  asio::steady_timer timer(io_);
  auto period = std::max(std::chrono::milliseconds(100), settings_.group_window / 4);
  while (true) {
    timer.expires_after(period);
    auto [ec] = co_await timer.async_wait(use_nothrow);
    if (ec) co_return;
    queue_summaries(false);
    wake_.cancel();
  }
}

Awaitable<void> ErrorReporter::sender_loop() {
  while (true) {
    std::optional<ErrorReport> next;
    {
      std::lock_guard lock(mutex_);
      if (!queue_.empty()) {
        next = std::move(queue_.front());
        queue_.pop_front();
        busy_ = true;
      }
    }
    if (!next) {
      wake_.expires_after(std::chrono::seconds(1));
      auto [ec] = co_await wake_.async_wait(use_nothrow);
      if (ec && ec != asio::error::operation_aborted) co_return;
      continue;
    }
    bool ok = co_await deliver(*next);
    (ok ? sent_ : failed_).fetch_add(1, std::memory_order_relaxed);
    busy_ = false;
  }
}

std::string ErrorReporter::next_event_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}{:016x}", rng(), rng() ^ ++event_counter_);
}

Awaitable<bool> ErrorReporter::post_with_retry(const std::string& url,
                                                      const std::vector<std::pair<std::string, std::string>>& headers,
                                                      const std::string& body) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (paused_until_ > Clock::now()) {
      asio::steady_timer pause(io_, paused_until_);
      co_await pause.async_wait(use_nothrow);
    }
    PostResult r = co_await http_post(tls_, url, headers, body, settings_.timeout);
    if (r.status >= 200 && r.status < 300) co_return true;
    if (r.status == 429) {
      // The tracker asks us to back off: nothing is sent until then.
      paused_until_ = Clock::now() + r.retry_after.value_or(std::chrono::seconds(60));
      ops_log().debug("error tracker rate limited us for {} s", r.retry_after.value_or(std::chrono::seconds(60)).count());
      continue;
    }
    if (r.status >= 500 && attempt == 0) {
      asio::steady_timer backoff(io_, std::chrono::milliseconds(500));
      co_await backoff.async_wait(use_nothrow);
      continue;
    }
    ops_log().debug("error report to {} failed: {}", url.substr(0, url.find('/', 8)), r.status ? std::to_string(r.status) : r.error);
    co_return false;
  }
  co_return false;
}

Awaitable<bool> ErrorReporter::deliver(const ErrorReport& r) {
  bool ok = true;
  if (settings_.sentry) {
    const SentryDsn& dsn = *settings_.sentry;
    std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/x-sentry-envelope"},
                                                             {"X-Sentry-Auth", dsn.auth_header()}};
    ok = co_await post_with_retry(dsn.envelope_url(), headers, sentry_envelope(r, settings_.context, dsn, next_event_id())) && ok;
  }
  if (!settings_.honeybadger_api_key.empty()) {
    std::vector<std::pair<std::string, std::string>> headers{
        {"Content-Type", "application/json"}, {"Accept", "application/json"}, {"X-API-Key", settings_.honeybadger_api_key}};
    ok = co_await post_with_retry(settings_.honeybadger_endpoint + "/v1/notices", headers, honeybadger_notice(r, settings_.context)) && ok;
  }
  co_return ok;
}

void ErrorReporter::flush_and_stop(std::chrono::milliseconds deadline) {
  if (!thread_.joinable()) return;
  queue_summaries(true);
  asio::post(io_, [this] { wake_.cancel(); });
  auto until = Clock::now() + deadline;
  while (Clock::now() < until) {
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty() && !busy_) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::size_t left;
  {
    std::lock_guard lock(mutex_);
    left = queue_.size();
  }
  if (left) {
    dropped_.fetch_add(left, std::memory_order_relaxed);
    ops_log().warn("{} error report{} not sent before shutdown", left, left == 1 ? "" : "s");
  }
  io_.stop();
  thread_.join();
}

}  // namespace gatehouse
