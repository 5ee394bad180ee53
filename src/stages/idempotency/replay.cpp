#include "replay.hpp"

#include <array>

#include "gatehouse/http_grammar.hpp"

namespace gatehouse::idempotency {

namespace {

constexpr std::array<std::string_view, 16> kReplayed{
    "Content-Type",  "Content-Encoding", "Content-Language", "Content-Location", "Content-Disposition", "Location",
    "ETag",          "Last-Modified",    "Link",             "Cache-Control",    "Expires",             "Vary",
    "Accept-Patch",  "Allow",            "Preference-Applied", "Retry-After"};

bool replayed(std::string_view name) {
  for (std::string_view n : kReplayed)
    if (iequals_ascii(n, name)) return true;
  return false;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> replayed_fields(const ResponseHead& response) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto f : response)
    if (replayed(f.name)) out.emplace_back(std::string(f.name), std::string(f.value));
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
