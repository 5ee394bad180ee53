#include "gatehouse/body_filter.hpp"

#include <algorithm>
#include <cstring>

namespace gatehouse {

void FilterChain::add(int position, std::unique_ptr<BodyFilter> filter) {
  auto at = std::upper_bound(filters_.begin(), filters_.end(), position,
                             [](int p, const Entry& e) { return p < e.position; });
  filters_.insert(at, Entry{position, std::move(filter)});
}

bool FilterChain::keeps_length() const {
  return std::all_of(filters_.begin(), filters_.end(), [](const Entry& e) { return e.filter->keeps_length(); });
}

std::string_view FilterChain::push(std::string_view piece) {
  for (auto& e : filters_) piece = e.filter->on_data(piece);
  return piece;
}

std::string_view FilterChain::finish() {
  if (ended_) return {};
  ended_ = true;
  // What reaches filter i at the end: the held-back bytes of the filters
  // before it (through its on_data), then its own held-back bytes.
  tail_.clear();
  for (auto& e : filters_) {
    scratch_.clear();
    if (!tail_.empty()) scratch_.append(e.filter->on_data(tail_));  // copied: on_end may reuse the filter's buffer
    scratch_.append(e.filter->on_end());
    tail_.swap(scratch_);
  }
  return tail_;
}

void FilterChain::abort() noexcept {
  if (ended_) return;
  ended_ = true;
  for (auto& e : filters_) e.filter->on_abort();
}

std::size_t FilteredBody::deliver(std::string_view bytes, asio::mutable_buffer into) {
  std::size_t n = std::min(bytes.size(), into.size());
  if (bytes.data() != into.data()) std::memmove(into.data(), bytes.data(), n);
  if (n < bytes.size()) {
    pending_.assign(bytes.substr(n));
    pending_offset_ = 0;
  }
  return n;
}

Awaitable<BodyRead> FilteredBody::read(asio::mutable_buffer into) {
  std::size_t n = 0;
  if (pending_offset_ < pending_.size()) {
    n = std::min(into.size(), pending_.size() - pending_offset_);
    std::memcpy(into.data(), pending_.data() + pending_offset_, n);
    pending_offset_ += n;
    if (pending_offset_ == pending_.size()) pending_.clear(), pending_offset_ = 0;
  }
  while (n == 0 && !chain_.finished()) {
    BodyRead r = co_await inner_.read(into);
    if (!r.ok()) {
      chain_.abort();
      co_return r;
    }
    std::string_view out = r.size == 0 ? chain_.finish() : chain_.push({static_cast<const char*>(into.data()), r.size});
    n = deliver(out, into);  // empty while a filter holds bytes back: read on
  }
  produced_ += n;
  co_return BodyRead{n};
}

}  // namespace gatehouse
