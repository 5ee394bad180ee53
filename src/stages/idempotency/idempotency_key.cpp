#include "idempotency_key.hpp"

#include <openssl/evp.h>

#include <stdexcept>

#include "gatehouse/hex.hpp"
#include "gatehouse/http_grammar.hpp"

namespace gatehouse::idempotency {

namespace {

constexpr std::size_t kMaxKey = 255;

bool printable(char c) { return c >= 0x20 && c <= 0x7e; }

// Fetched once: OpenSSL 3 looks an implicitly named digest up in its
// provider store, under a lock, on every init otherwise.
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

KeyRead malformed(std::string why) { return KeyRead{KeyRead::Problem::malformed, {}, std::move(why)}; }

}  // namespace

KeyRead read_idempotency_key(const Fields& request) {
  std::size_t lines = 0;
  std::string_view value;
  request.for_each_value("Idempotency-Key", [&](std::string_view v) {
    ++lines;
    value = v;
  });
  if (lines == 0) return KeyRead{KeyRead::Problem::missing, {}, "the request has no Idempotency-Key"};
  if (lines > 1) return KeyRead{KeyRead::Problem::repeated, {}, "Idempotency-Key appears more than once; send one key"};
  value = trim(value);
  std::string key;
  if (value.starts_with('"')) {
    // An sf-string (RFC 8941 §3.3.3): printable ASCII, \" and \\ escaped.
    std::size_t i = 1;
    for (; i < value.size() && value[i] != '"'; ++i) {
      char c = value[i];
      if (c == '\\') {
        if (++i == value.size() || (value[i] != '"' && value[i] != '\\')) return malformed("Idempotency-Key has a bad escape");
        c = value[i];
      } else if (!printable(c)) {
        return malformed("Idempotency-Key may hold printable ASCII characters only");
      }
      key += c;
    }
    if (i >= value.size()) return malformed("Idempotency-Key has no closing quote");
    if (i + 1 != value.size()) {
      return malformed(value.substr(i + 1).find(',') != std::string_view::npos ? "Idempotency-Key holds more than one key; send one"
                                                                                 : "Idempotency-Key has text after its closing quote");
    }
  } else {
    for (char c : value) {
      if (c == ',') return malformed("Idempotency-Key holds more than one key; send one");
      if (!printable(c) || c == ' ' || c == '"') return malformed("Idempotency-Key may hold printable ASCII characters only (quote a key with spaces)");
    }
    key = std::string(value);
  }
  if (key.empty()) return malformed("Idempotency-Key is empty");
  if (key.size() > kMaxKey) return malformed("Idempotency-Key is longer than 255 characters");
  return KeyRead{KeyRead::Problem::none, std::move(key), {}};
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), sha256_md(), nullptr) != 1) throw std::runtime_error("SHA-256 unavailable");
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::update(std::string_view bytes) { EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size()); }

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), digest, &n);
  return hex_lower(std::span<const unsigned char>(digest, n));
}

std::string sha256_hex(std::string_view bytes) {
  // One context a thread, reset for each digest: a keyed request takes two
  // of these, and a context of its own would be an allocation each.
  struct Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Context reused;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!reused.ctx || EVP_DigestInit_ex(reused.ctx, sha256_md(), nullptr) != 1 ||
      EVP_DigestUpdate(reused.ctx, bytes.data(), bytes.size()) != 1 || EVP_DigestFinal_ex(reused.ctx, digest, &n) != 1)
    throw std::runtime_error("SHA-256 unavailable");
  return hex_lower(std::span<const unsigned char>(digest, n));
}

std::string scoped_key(std::string_view route, std::string_view caller, std::string_view key) {
  // The route stays readable (an operator can find a route's keys); the
  // caller and the key are hashed together, length-prefixed so that no two
  // (caller, key) pairs meet.
  std::string scope = std::to_string(caller.size());
  scope += ':';
  scope += caller;
  scope += key;
  std::string out = "gatehouse:idem:";
  out += route;
  out += ':';
  out += sha256_hex(scope);
  return out;
}

std::string request_fingerprint(std::string_view method, std::string_view route, std::string_view path, std::string_view query) {
  std::string text;
  for (std::string_view part : {method, route, path, query}) {
    text += std::to_string(part.size());
    text += ':';
    text += part;
  }
  return sha256_hex(text);
}

}  // namespace gatehouse::idempotency
