#pragma once
#include <atomic>
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
// and writes it out with one write(). When the buffer is full the batch is
// dropped and its lines counted: the last resort, reported on exit.
class LogWriter {
 public:
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
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace gatehouse
