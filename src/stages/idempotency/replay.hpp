#pragma once
// What of a response is kept for replay, and the replay itself.
#include "gatehouse/exchange.hpp"
#include "idempotency_store.hpp"

namespace gatehouse::idempotency {

// The fields a replay repeats: those that describe the representation or the
// result (Content-Type, Location, ETag, Link and their kind). Never
// Set-Cookie (another client's session), hop-by-hop fields, the framing, or
// the gateway's own (X-Request-Id, Date: the replay gets fresh ones).
// The stored blob's beginning: the status and these fields, as
// decode_response reads them; the response's body, appended as it streams,
// completes it.
std::string encode_replay_head(const ResponseHead& response);

// Answers `ex` with `stored`, byte for byte, and Idempotent-Replayed: true.
void answer_replay(Exchange& ex, const StoredResponse& stored);

}  // namespace gatehouse::idempotency
