#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "gatehouse/net.hpp"
#include "gatehouse/request_info.hpp"

namespace gatehouse {

// The size of one piece of a streamed body, both ways: large enough for few
// syscalls, small enough that a 1 GiB body needs only a few MiB.
inline constexpr std::size_t kBodyPiece = 16 * 1024;

struct BodyRead {
  BodyRead() = default;
  explicit BodyRead(std::size_t n) : size(n) {}
  BodyRead(std::size_t n, ErrorCode code, std::string why) : size(n), failure(code), detail(std::move(why)) {}

  std::size_t size = 0;              // bytes placed in the buffer; 0 with ok() means the end
  ErrorCode failure = ErrorCode::none;
  std::string detail;                // short reason when failure != none
  bool ok() const { return failure == ErrorCode::none; }
};

// A body that arrives in pieces: the client's request body, an upstream's
// response body, or a body the gateway made itself. Stages that want to see
// a body (cache, idempotency) wrap a source rather than buffering it.
class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual Awaitable<BodyRead> read(asio::mutable_buffer into) = 0;
  virtual bool done() const = 0;
  // Bytes the source has produced so far.
  virtual std::uint64_t consumed() const = 0;
  // A hint: the next read would not wait for I/O (its bytes are at hand).
  // The session then sends the response head and the first piece together.
  virtual bool ready() const { return false; }
};

// A body held in memory (local answers: problems, health).
class TextBody final : public BodySource {
 public:
  TextBody() = default;
  explicit TextBody(std::string text) : text_(std::move(text)) {}
  void assign(std::string text) {
    text_ = std::move(text);
    offset_ = 0;
  }
  std::string_view text() const { return text_; }
  Awaitable<BodyRead> read(asio::mutable_buffer into) override;
  bool done() const override { return offset_ == text_.size(); }
  std::uint64_t consumed() const override { return offset_; }
  bool ready() const override { return true; }

 private:
  std::string text_;
  std::size_t offset_ = 0;
};

}  // namespace gatehouse
