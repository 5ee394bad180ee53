#pragma once
// Where keys and their outcomes are kept: in memory (one replica) or in
// Redis (many). Both stores give the same answers (one conformance suite,
// tests/unit/stages/idempotency_store_test.cpp, runs against both).
//
// A key moves: absent -> in_flight (claim, with a lease its holder renews)
// -> done | not_replayable | unknown (finish), or back to absent (release).
// Every change after the claim names the lease, a fencing token: a holder
// whose lease was lost (expired and taken over) changes nothing.
// An in-flight key whose lease expired (its replica died) reads as unknown:
// the request may have run, so it is never run again under that key.
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gatehouse/net.hpp"

namespace gatehouse::idempotency {

using Millis = std::chrono::milliseconds;

enum class KeyState { in_flight, done, not_replayable, unknown };
std::string_view key_state_text(KeyState s);
std::optional<KeyState> key_state_from(std::string_view text);

// A response as it is replayed: status, the allow-listed fields, the body.
struct StoredResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
};
// Reads the blob encode_replay_head (replay.hpp) begins and the body ends:
// length-prefixed (length_prefixed.hpp), "<status>:" then "<n>:" fields,
// each name and value a "<len>:bytes" string, then the body as it is.
std::optional<StoredResponse> decode_response(std::string_view blob);

// What a claim found.
struct ClaimAnswer {
  enum class Kind { claimed, existing, failed };
  Kind kind = Kind::failed;
  KeyState state = KeyState::in_flight;  // when existing
  std::string fingerprint;               // the first request's (existing)
  std::string body_hash;                 // its body's SHA-256 (when finished)
  std::string response;                  // the stored blob, as decode_response reads it (done)
  std::string failure;                   // when failed: why the store did not answer
};

// What a later change did.
struct ChangeAnswer {
  bool ok = false;      // the store answered
  bool held = false;    // the lease was still the holder's: the change is made
  std::string failure;  // when !ok
};

struct Finish {
  KeyState state = KeyState::done;
  std::string body_hash;
  std::string response;  // done only
};

class IdempotencyStore {
 public:
  virtual ~IdempotencyStore() = default;
  // Moves an absent key to in_flight under `lease` for `lease_for`; the key
  // is forgotten `retention` after the claim (or after finish).
  virtual Awaitable<ClaimAnswer> claim(const std::string& key, const std::string& lease, const std::string& fingerprint, Millis lease_for,
                                       Millis retention) = 0;
  virtual Awaitable<ChangeAnswer> renew(const std::string& key, const std::string& lease, Millis lease_for) = 0;
  virtual Awaitable<ChangeAnswer> finish(const std::string& key, const std::string& lease, const Finish& outcome, Millis retention) = 0;
  // Forgets an in-flight key: the request did not run (or asked to be retried).
  virtual Awaitable<ChangeAnswer> release(const std::string& key, const std::string& lease) = 0;
  virtual std::string_view kind() const = 0;  // "memory" or "redis", for metrics

  // A store in the gateway's own memory answers at once: the stage calls
  // these first and takes no coroutine frame or background task for them.
  // nullopt: ask the awaitable form.
  virtual std::optional<ClaimAnswer> claim_now(const std::string& /*key*/, const std::string& /*lease*/, const std::string& /*fingerprint*/,
                                               Millis /*lease_for*/, Millis /*retention*/) {
    return std::nullopt;
  }
  // finish_now takes the outcome's strings when it answers (no copy of the
  // response), and leaves them when it returns nullopt.
  virtual std::optional<ChangeAnswer> finish_now(const std::string& /*key*/, const std::string& /*lease*/, Finish&& /*outcome*/,
                                                 Millis /*retention*/) {
    return std::nullopt;
  }
  virtual std::optional<ChangeAnswer> release_now(const std::string& /*key*/, const std::string& /*lease*/) { return std::nullopt; }
  // True when a holder cannot die without the store: its claims need no
  // renewal (the in-memory store lives and dies with the requests that hold
  // its keys), so the stage claims for the key's retention and renews nothing.
  virtual bool shares_fate_with_holders() const { return false; }
  // Closes the store's connections: the worker's event loop is going.
  // Calls made afterwards fail at once.
  virtual void close() noexcept {}
};

}  // namespace gatehouse::idempotency
