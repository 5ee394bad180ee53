#pragma once
// RESP (the Redis protocol): commands encoded, replies decoded. The bytes
// are hiredis' (its reader and its command formatter); the I/O is ours, on
// Asio (redis_client.hpp).
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

struct RedisReply {
  enum class Type { nil, status, error, integer, string, array };
  Type type = Type::nil;
  long long integer = 0;
  std::string str;  // status, error and bulk-string text
  std::vector<RedisReply> elements;

  bool is_error() const { return type == Type::error; }
  bool is_nil() const { return type == Type::nil; }
  // The text of a string or status reply; empty for others.
  std::string_view text() const { return type == Type::string || type == Type::status ? std::string_view(str) : std::string_view(); }
};

// Appends one command in RESP to `out` (an array of bulk strings).
void append_redis_command(std::string& out, std::span<const std::string_view> args);

// Decodes replies from the bytes a connection reads, in order.
class RespDecoder {
 public:
  RespDecoder();
  ~RespDecoder();
  RespDecoder(const RespDecoder&) = delete;
  RespDecoder& operator=(const RespDecoder&) = delete;
  void feed(std::string_view bytes);
  // The next whole reply, or nullopt when more bytes are needed. Throws
  // std::runtime_error on a protocol error (the connection is then unusable).
  std::optional<RedisReply> next();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse
