#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/body_source.hpp"

namespace gatehouse {

// Sees one body as it streams, piece by piece, and may change it. A tap (a
// fingerprint, a copy into a store) returns each piece as it is; a filter
// that rewrites (links in a JSON body) returns bytes of its own and may hold
// some back until the end.
//
// Calls, in this order: on_data for each piece, then exactly one of
//  - on_end:   the body arrived whole; the filter returns what it held back;
//  - on_abort: the body was cut short (client gone, upstream failed,
//              shutdown); nothing more flows.
// Filters are synchronous: work that must wait (a write to a store) is
// collected here and done in the stage's completion hook or in background work.
class BodyFilter {
 public:
  virtual ~BodyFilter() = default;
  // Returns the bytes to pass on: `piece` itself, or bytes the filter owns,
  // valid until its next call. Empty is allowed (held back).
  virtual std::string_view on_data(std::string_view piece) = 0;
  virtual std::string_view on_end() { return {}; }
  virtual void on_abort() noexcept {}
  // False for a filter that changes the body's length: the message is then
  // sent chunked (or close-delimited to an HTTP/1.0 client) without Content-Length.
  virtual bool keeps_length() const { return true; }
};

// The filters installed on one body, in the order the bytes meet them. It
// owns them: a filter lives exactly as long as its exchange.
class FilterChain {
 public:
  FilterChain() = default;
  FilterChain(const FilterChain&) = delete;
  FilterChain& operator=(const FilterChain&) = delete;
  // An unfinished chain tells its filters the body was cut short.
  ~FilterChain() { abort(); }

  // `position` orders the chain whatever order filters are added in: the
  // lowest position meets the bytes first.
  void add(int position, std::unique_ptr<BodyFilter> filter);
  bool empty() const { return filters_.empty(); }
  bool keeps_length() const;

  // One piece through every filter; the result is valid until the next call.
  std::string_view push(std::string_view piece);
  // The end of the body: each filter's held-back bytes pass through the
  // filters after it. Returns the last bytes to send (maybe empty).
  std::string_view finish();
  // The body was cut short; calls on_abort once. Safe to call twice.
  void abort() noexcept;
  bool finished() const { return ended_; }
  // Aborts and removes every filter: the chain is empty and open again.
  void reset() noexcept {
    abort();
    filters_.clear();
    ended_ = false;
  }

 private:
  struct Entry {
    int position;
    std::unique_ptr<BodyFilter> filter;
  };
  std::vector<Entry> filters_;
  std::string tail_, scratch_;
  bool ended_ = false;
};

// The client's request body as the upstream sees it: read from `inner`, then
// through the request filters. Each byte passes the filters once, however
// many upstream attempts send it (a retry resends what it kept, it does not
// read again), so a tap never sees a byte twice and does not stop retries.
class FilteredBody final : public BodySource {
 public:
  FilteredBody(BodySource& inner, FilterChain& chain) : inner_(inner), chain_(chain) {}
  Awaitable<BodyRead> read(asio::mutable_buffer into) override;
  bool done() const override { return inner_.done() && pending_.empty() && chain_.finished(); }
  std::uint64_t consumed() const override { return produced_; }

 private:
  // Copies what fits of `bytes` into `into`, keeps the rest for the next read.
  std::size_t deliver(std::string_view bytes, asio::mutable_buffer into);

  BodySource& inner_;
  FilterChain& chain_;
  std::string pending_;
  std::size_t pending_offset_ = 0;
  std::uint64_t produced_ = 0;
};

}  // namespace gatehouse
