#include "gatehouse/log_writer.hpp"

#include <unistd.h>

#include <cerrno>

namespace gatehouse {

LogWriter::LogWriter(int fd, std::size_t max_buffered_bytes) : fd_(fd), max_bytes_(max_buffered_bytes) {
  pending_.reserve(64 * 1024);
  thread_ = std::thread([this] { run(); });
}

LogWriter::~LogWriter() { stop(); }

void LogWriter::write(std::string_view lines, std::size_t count) {
  bool wake;
  {
    std::lock_guard lock(mutex_);
    if (pending_.size() + lines.size() > max_bytes_) {
      dropped_.fetch_add(count, std::memory_order_relaxed);
      return;
    }
    pending_.append(lines);
    wake = asleep_;
    asleep_ = false;
  }
  // Only a writer asleep for want of lines needs a wake-up; one that is
  // gathering will look by itself.
  if (wake) wake_.notify_one();
}

void LogWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void LogWriter::run() {
  std::string batch;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (pending_.empty() && !stopping_) {
        asleep_ = true;
        wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
        asleep_ = false;
      }
      if (pending_.empty() && stopping_) return;
      batch.swap(pending_);
    }
    // Whole lines only: each batch holds complete lines, written in order.
    std::size_t off = 0;
    while (off < batch.size()) {
      ssize_t n = ::write(fd_, batch.data() + off, batch.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        break;  // stdout is gone; nothing sensible is left to do with the lines
      }
      off += static_cast<std::size_t>(n);
    }
    batch.clear();
    // Lets the next lines gather (a stop ends the wait at once).
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, kGather, [this] { return stopping_; });
  }
}

}  // namespace gatehouse
