#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace gatehouse {

// An incoming X-Request-Id is kept when it is 1-128 characters of
// [A-Za-z0-9._:+/=-]; anything else (control bytes, spaces, overlong) is
// replaced, so it can be logged and forwarded safely.
bool is_valid_request_id(std::string_view id);

// Random UUIDv4 request ids. One generator a worker: no lock, no shared state.
class RequestIdGenerator {
 public:
  RequestIdGenerator();
  std::string next();
  // The next id written over `out`, which keeps its capacity (no allocation on the hot path).
  void next_into(std::string& out);

 private:
  std::uint64_t next_word();
  std::uint64_t state_[2];
};

}  // namespace gatehouse
