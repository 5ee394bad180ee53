#pragma once
#include <algorithm>
#include <cstring>

#include "cache_store.hpp"
#include "gatehouse/body_source.hpp"

namespace gatehouse::cache {

// A stored response's body as a stream. It holds its entry, so an eviction
// or a replacement while it streams frees nothing under it.
class StoredBody final : public BodySource {
 public:
  explicit StoredBody(StoredPtr entry) : entry_(std::move(entry)) {}
  Awaitable<BodyRead> read(asio::mutable_buffer into) override {
    std::size_t n = std::min(into.size(), entry_->body.size() - offset_);
    std::memcpy(into.data(), entry_->body.data() + offset_, n);
    offset_ += n;
    co_return BodyRead{n};
  }
  bool done() const override { return offset_ == entry_->body.size(); }
  std::uint64_t consumed() const override { return offset_; }
  bool ready() const override { return true; }

 private:
  StoredPtr entry_;
  std::size_t offset_ = 0;
};

}  // namespace gatehouse::cache
