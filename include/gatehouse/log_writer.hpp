#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace gatehouse {

// Writes access-log lines to a file descriptor (stdout) from its own thread,
// so that a slow stdout never blocks a worker. Workers hand over batches of
// whole lines (see Worker::complete_request) to a bounded buffer under a
// short lock, never held across an await; the writer thread swaps the buffer
// and writes it out with one write(). After a write it lets lines gather for
// kGather before it looks again: under load that is one write() per interval
// and no wake-up from the workers at all (a worker wakes the writer only when
// it sleeps with nothing pending). A line reaches stdout at most kGather
// after its request ended. When the buffer is full the batch is dropped and
// its lines counted: the last resort, reported on exit.
class LogWriter {
 public:
  static constexpr std::chrono::milliseconds kGather{5};

  explicit LogWriter(int fd, std::size_t max_buffered_bytes = 16u << 20);
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // `lines` holds `count` whole lines.
  void write(std::string_view lines, std::size_t count = 1);
  // Writes out everything buffered and stops the thread.
  void stop();
  std::uint64_t dropped_lines() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  void run();

  int fd_;
  std::size_t max_bytes_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string pending_;
  bool stopping_ = false;
  bool asleep_ = false;  // the writer waits for a wake-up (nothing was pending)
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace gatehouse
