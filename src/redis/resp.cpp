#include <hiredis/hiredis.h>

#include <stdexcept>

#include "gatehouse/redis_reply.hpp"

namespace gatehouse {

void append_redis_command(std::string& out, std::span<const std::string_view> args) {
  // The frame is small and regular; formatting it here spares hiredis' sds
  // allocation per command. *<n>\r\n then $<len>\r\n<bytes>\r\n per argument.
  out += '*';
  out += std::to_string(args.size());
  out += "\r\n";
  for (std::string_view a : args) {
    out += '$';
    out += std::to_string(a.size());
    out += "\r\n";
    out.append(a);
    out += "\r\n";
  }
}

namespace {

RedisReply convert(const redisReply& r) {
  RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_STRING: out.type = RedisReply::Type::string; out.str.assign(r.str, r.len); break;
    case REDIS_REPLY_STATUS: out.type = RedisReply::Type::status; out.str.assign(r.str, r.len); break;
    case REDIS_REPLY_ERROR: out.type = RedisReply::Type::error; out.str.assign(r.str, r.len); break;
    case REDIS_REPLY_INTEGER: out.type = RedisReply::Type::integer; out.integer = r.integer; break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(convert(*r.element[i]));
      break;
    default: out.type = RedisReply::Type::nil; break;
  }
  return out;
}

}  // namespace

struct RespDecoder::Impl {
  redisReader* reader = nullptr;
};

RespDecoder::RespDecoder() : impl_(std::make_unique<Impl>()) {
  impl_->reader = redisReaderCreate();
  if (!impl_->reader) throw std::bad_alloc();
}

RespDecoder::~RespDecoder() { redisReaderFree(impl_->reader); }

void RespDecoder::feed(std::string_view bytes) {
  if (redisReaderFeed(impl_->reader, bytes.data(), bytes.size()) != REDIS_OK)
    throw std::runtime_error("RESP reader: " + std::string(impl_->reader->errstr));
}

std::optional<RedisReply> RespDecoder::next() {
  void* raw = nullptr;
  if (redisReaderGetReply(impl_->reader, &raw) != REDIS_OK)
    throw std::runtime_error("RESP protocol error: " + std::string(impl_->reader->errstr));
  if (!raw) return std::nullopt;
  auto* reply = static_cast<redisReply*>(raw);
  RedisReply out = convert(*reply);
  freeReplyObject(reply);
  return out;
}

}  // namespace gatehouse
