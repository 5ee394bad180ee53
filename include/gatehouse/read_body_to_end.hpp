#pragma once
// Reads a body source to its end, a piece at a time, for a stage that needs
// the whole of a body it does not forward: the request body a replay hashes,
// the rest of a response a client abandoned, a background refresh's answer.
#include "gatehouse/body_source.hpp"

namespace gatehouse {

struct BodyDrained {
  enum class End { whole, stopped, failed };
  End end = End::whole;
  BodyRead failure;  // the read that failed, when end == failed
};

// `take(std::string_view piece)` sees each piece and returns false to stop
// reading (the body is then left unfinished: End::stopped).
template <class Take>
Awaitable<BodyDrained> read_body_to_end(BodySource& body, Take take) {
  char buffer[kBodyPiece];
  while (true) {
    BodyRead r = co_await body.read(asio::buffer(buffer));
    if (!r.ok()) co_return BodyDrained{BodyDrained::End::failed, std::move(r)};
    if (r.size == 0) co_return BodyDrained{};
    if (!take(std::string_view(buffer, r.size))) co_return BodyDrained{BodyDrained::End::stopped, {}};
  }
}

}  // namespace gatehouse
