#pragma once
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "gatehouse/error_report.hpp"
#include "gatehouse/net.hpp"

namespace gatehouse {

struct ReporterSettings {
  std::optional<SentryDsn> sentry;
  std::string honeybadger_api_key;
  std::string honeybadger_endpoint;  // base URL; notices go to {endpoint}/v1/notices
  ReportContext context;
  std::size_t queue_size = 256;
  std::chrono::milliseconds timeout{5000};
  std::chrono::milliseconds group_window{60000};
};

// Sends error reports to Sentry and/or Honeybadger from its own thread, so
// that reporting never slows or breaks a request:
//  - submit() never blocks: a bounded queue; a full queue drops the report
//    and counts it;
//  - identical failures (same type, route and place) within the group window
//    are counted, not sent; when the window ends one summary says how many;
//  - one sender; each POST has a timeout; a tracker 5xx is retried once; a
//    429 pauses sending for its Retry-After, then the report is tried again;
//  - on shutdown the queue is flushed for a bounded time.
class ErrorReporter {
 public:
  ErrorReporter(ReporterSettings settings, ssl::context& tls);
  ~ErrorReporter();
  ErrorReporter(const ErrorReporter&) = delete;
  ErrorReporter& operator=(const ErrorReporter&) = delete;

  void start();
  void submit(ErrorReport report);  // any thread; never waits on the network
  void flush_and_stop(std::chrono::milliseconds deadline);

  std::uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  std::uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }
  std::uint64_t grouped() const { return grouped_.load(std::memory_order_relaxed); }

 private:
  struct Group {
    std::chrono::steady_clock::time_point first;
    std::uint64_t repeats = 0;
    ErrorReport sample;
  };
  Awaitable<void> sender_loop();
  Awaitable<void> summary_loop();
  Awaitable<bool> deliver(const ErrorReport& r);
  Awaitable<bool> post_with_retry(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                                        const std::string& body);
  void queue_summaries(bool all);
  bool enqueue_locked(ErrorReport r);
  std::string next_event_id();

  ReporterSettings settings_;
  ssl::context& tls_;
  asio::io_context io_{1};
  asio::steady_timer wake_{io_};
  std::thread thread_;

  std::mutex mutex_;  // guards queue_ and groups_; never held across an await
  std::deque<ErrorReport> queue_;
  std::map<std::string, Group> groups_;
  std::atomic<bool> busy_{false};
  std::chrono::steady_clock::time_point paused_until_{};
  std::uint64_t event_counter_ = 0;

  std::atomic<std::uint64_t> sent_{0}, dropped_{0}, failed_{0}, grouped_{0};
};

}  // namespace gatehouse
