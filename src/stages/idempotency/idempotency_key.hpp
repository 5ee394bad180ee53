#pragma once
// The Idempotency-Key request field (IETF HTTPAPI draft "The Idempotency-Key
// HTTP Header Field"), the scope a key lives in, and the fingerprint of the
// request it was first used with.
#include <string>
#include <string_view>

#include "gatehouse/fields.hpp"

namespace gatehouse::idempotency {

struct KeyRead {
  enum class Problem { none, missing, repeated, malformed };
  Problem problem = Problem::none;
  std::string key;     // the key's characters (a quoted form unquoted)
  std::string detail;  // for the 400 problem
};

// Reads the request's Idempotency-Key. Both forms are taken: the draft's
// structured-field string ("8e03978e-40d5") and the bare token many clients
// send (8e03978e-40d5). A key is 1-255 printable ASCII characters; a bare key
// has no spaces, quotes or commas (a comma would read as two keys).
KeyRead read_idempotency_key(const Fields& request);

// Hex SHA-256, streamed.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view bytes);
  std::string hex();  // once, at the end

 private:
  void* ctx_;
};
std::string sha256_hex(std::string_view bytes);

// Where a key is stored: the route and the caller (the configured caller
// header's value; empty when there is none) scope it, so that two callers'
// equal keys never meet. The caller is hashed with the key: no credential is
// stored as it is. Without a caller, the key is stored as sent.
std::string scoped_key(std::string_view route, std::string_view caller, std::string_view key);

// The request a key was first used with, but for its body: method, route,
// path and query (as text when short, else a SHA-256). The body's SHA-256 is
// kept beside it.
std::string request_fingerprint(std::string_view method, std::string_view route, std::string_view path, std::string_view query);

}  // namespace gatehouse::idempotency
