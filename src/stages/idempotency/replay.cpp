#include "replay.hpp"

#include "gatehouse/http_grammar.hpp"
#include "gatehouse/length_prefixed.hpp"

namespace gatehouse::idempotency {

namespace {

// By length first: a response's other fields (Date, Server, Content-Length,
// Connection...) are passed over on one comparison each.
bool replayed(std::string_view name) {
  auto is = [name](std::string_view kept) { return iequals_ascii(name, kept); };
  switch (name.size()) {
    case 4: return is("ETag") || is("Link") || is("Vary");
    case 5: return is("Allow");
    case 7: return is("Expires");
    case 8: return is("Location");
    case 11: return is("Retry-After");
    case 12: return is("Content-Type") || is("Accept-Patch");
    case 13: return is("Last-Modified") || is("Cache-Control");
    case 16: return is("Content-Encoding") || is("Content-Language") || is("Content-Location");
    case 18: return is("Preference-Applied");
    case 19: return is("Content-Disposition");
    default: return false;
  }
}

}  // namespace

std::string encode_replay_head(const ResponseHead& response) {
  std::size_t count = 0;
  for (auto f : response) count += replayed(f.name);
  std::string out;
  put_number(out, static_cast<std::uint64_t>(response.result_int()));
  put_number(out, count);
  for (auto f : response) {
    if (!replayed(f.name)) continue;
    put_string(out, f.name);
    put_string(out, f.value);
  }
  return out;
}

void answer_replay(Exchange& ex, const StoredResponse& stored) {
  std::string_view type;
  for (const auto& [name, value] : stored.fields)
    if (iequals_ascii(name, "content-type")) type = value;
  ex.answer(static_cast<http::status>(stored.status), stored.body, type);
  if (type.empty()) ex.response.erase(http::field::content_type);
  for (const auto& [name, value] : stored.fields)
    if (!iequals_ascii(name, "content-type")) ex.response.insert(name, value);
  ex.response.set("Idempotent-Replayed", "true");
}

}  // namespace gatehouse::idempotency
