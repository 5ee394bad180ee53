#include "gatehouse/timed_stream.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

namespace gatehouse {

TimedStream::TimedStream(Parts parts) : socket_(std::move(parts.socket)), deadlines_(parts.deadlines) { link_.stream = this; }

std::size_t TimedStream::write_now(const asio::const_buffer* pieces, std::size_t count, error_code& ec) {
  ec = {};
  if (timed_out_) {
    ec = beast::error::timeout;
    return 0;
  }
  constexpr std::size_t kMaxPieces = 8;
  iovec iov[kMaxPieces];
  std::size_t used = 0;
  for (std::size_t i = 0; i < count && used < kMaxPieces; ++i) {
    if (pieces[i].size() == 0) continue;
    iov[used].iov_base = const_cast<void*>(pieces[i].data());
    iov[used].iov_len = pieces[i].size();
    ++used;
  }
  if (used == 0) return 0;
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = used;
  while (true) {
    ssize_t n = ::sendmsg(socket_.native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) ec = error_code(errno, asio::error::get_system_category());
    return 0;
  }
}

// The hook unlinks itself (auto_unlink); this keeps the count right.
TimedStream::~TimedStream() { deadlines_.unfile(link_); }

Deadlines::Deadlines() : slots_(kSlots), swept_tick_(tick_of(std::chrono::steady_clock::now())) {}

Deadlines::~Deadlines() {
  for (auto& slot : slots_) slot.clear();
}

void Deadlines::file(Link& link, std::chrono::steady_clock::time_point deadline) {
  unfile(link);
  // A deadline in a tick already swept goes in the next slot to be visited.
  std::int64_t tick = std::max(tick_of(deadline), swept_tick_ + 1);
  slots_[static_cast<std::size_t>(tick) % kSlots].push_back(link);
  ++filed_;
}

void Deadlines::unfile(Link& link) {
  if (!link.hook.is_linked()) return;
  link.hook.unlink();
  --filed_;
}

void Deadlines::sweep(std::chrono::steady_clock::time_point now) {
  // Only ticks that are over: every deadline filed in their slots for this
  // turn of the wheel has passed. Each slot once at most, however long the
  // loop was held up.
  std::int64_t last = tick_of(now) - 1;
  std::int64_t from = std::max(swept_tick_ + 1, last - static_cast<std::int64_t>(kSlots) + 1);
  for (std::int64_t tick = from; tick <= last; ++tick) {
    List& slot = slots_[static_cast<std::size_t>(tick) % kSlots];
    for (auto it = slot.begin(); it != slot.end();) {
      TimedStream& s = *it->stream;
      ++it;  // closing a socket only queues completions: the slot changes by this entry alone
      if (s.deadline_ > now) continue;  // due in a later turn of the wheel
      unfile(s.link_);
      if (s.pending_ > 0 && !s.timed_out_) s.time_out();
    }
  }
  swept_tick_ = std::max(swept_tick_, last);
}

}  // namespace gatehouse
