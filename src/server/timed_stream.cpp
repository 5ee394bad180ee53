#include "gatehouse/timed_stream.hpp"

namespace gatehouse {

TimedStream::TimedStream(Parts parts) : socket_(std::move(parts.socket)), deadlines_(parts.deadlines) {
  link_.stream = this;
  deadlines_.streams_.push_back(link_);
}

TimedStream::~TimedStream() { deadlines_.streams_.erase(deadlines_.streams_.iterator_to(link_)); }

Deadlines::~Deadlines() { streams_.clear(); }

void Deadlines::sweep(std::chrono::steady_clock::time_point now) {
  // Closing a socket only queues its operations' completions: the list does
  // not change during the walk.
  for (Link& l : streams_) {
    TimedStream& s = *l.stream;
    if (s.pending_ > 0 && s.deadline_ <= now && !s.timed_out_) s.time_out();
  }
}

}  // namespace gatehouse
