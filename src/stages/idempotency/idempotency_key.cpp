#include "idempotency_key.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>

#include "gatehouse/hex.hpp"
#include "gatehouse/length_prefixed.hpp"
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

namespace {

// A digest taken in one go, on one context a thread, reset for each: a keyed
// request takes two of these, and a context of its own would be an
// allocation each.
class OneShotSha256 {
 public:
  OneShotSha256() {
    if (!ctx().ctx || EVP_DigestInit_ex(ctx().ctx, sha256_md(), nullptr) != 1) throw std::runtime_error("SHA-256 unavailable");
  }
  OneShotSha256& raw(std::string_view bytes) {
    EVP_DigestUpdate(ctx().ctx, bytes.data(), bytes.size());
    return *this;
  }
  void append_hex_to(std::string& out) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(ctx().ctx, digest, &n) != 1) throw std::runtime_error("SHA-256 unavailable");
    append_hex_lower(out, std::span<const unsigned char>(digest, n));
  }

 private:
  struct Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
  };
  static Context& ctx() {
    thread_local Context reused;
    return reused;
  }
};

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  std::string out;
  out.reserve(64);
  OneShotSha256().raw(bytes).append_hex_to(out);
  return out;
}

std::string scoped_key(std::string_view route, std::string_view caller, std::string_view key) {
  // The route stays readable (an operator can find a route's keys). A caller
  // (an API key, say) is never stored as it is: it is hashed with the key,
  // length-prefixed so that no two (caller, key) pairs meet. Without a
  // caller the key is kept as sent, after a '=' that no digest begins with.
  constexpr std::string_view prefix = "gatehouse:idem:";
  std::string out;
  out.reserve(prefix.size() + route.size() + 2 + std::max<std::size_t>(64, key.size()));
  out.append(prefix).append(route) += ':';
  if (caller.empty()) {
    out.append("=").append(key);
    return out;
  }
  std::string scope;
  put_string(scope, caller);
  scope += key;
  OneShotSha256().raw(scope).append_hex_to(out);
  return out;
}

std::string request_fingerprint(std::string_view method, std::string_view route, std::string_view path, std::string_view query) {
  // The parts, length-prefixed, kept as they are when short (most requests:
  // no digest to take), else their SHA-256; '=' marks the text, which a
  // digest never begins with, so the two forms never meet.
  constexpr std::size_t kKeptAsText = 96;
  std::string out;
  out.reserve(kKeptAsText);
  out += '=';
  for (std::string_view part : {method, route, path, query}) put_string(out, part);
  if (out.size() <= kKeptAsText) return out;
  std::string digest;
  digest.reserve(64);
  OneShotSha256().raw(std::string_view(out).substr(1)).append_hex_to(digest);
  return digest;
}

}  // namespace gatehouse::idempotency
