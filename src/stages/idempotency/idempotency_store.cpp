#include "idempotency_store.hpp"

#include <charconv>

namespace gatehouse::idempotency {

std::string_view key_state_text(KeyState s) {
  switch (s) {
    case KeyState::in_flight: return "in_flight";
    case KeyState::done: return "done";
    case KeyState::not_replayable: return "not_replayable";
    case KeyState::unknown: return "unknown";
  }
  return "unknown";
}

std::optional<KeyState> key_state_from(std::string_view text) {
  for (KeyState s : {KeyState::in_flight, KeyState::done, KeyState::not_replayable, KeyState::unknown})
    if (key_state_text(s) == text) return s;
  return std::nullopt;
}

namespace {

void put_length(std::string& out, std::size_t n) {
  out += std::to_string(n);
  out += ':';
}

std::optional<std::string_view> take(std::string_view& in) {
  auto colon = in.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::size_t n = 0;
  auto [p, ec] = std::from_chars(in.data(), in.data() + colon, n);
  if (ec != std::errc() || p != in.data() + colon || n > in.size() - colon - 1) return std::nullopt;
  std::string_view out = in.substr(colon + 1, n);
  in.remove_prefix(colon + 1 + n);
  return out;
}

}  // namespace

// Length-prefixed: "<status>:" then "<n>:" fields, each "<len>:name<len>:value", then the body.
std::string encode_response(const StoredResponse& r) {
  std::string out;
  out.reserve(r.body.size() + 64);
  out += std::to_string(r.status);
  out += ':';
  put_length(out, r.fields.size());
  for (const auto& [name, value] : r.fields) {
    put_length(out, name.size());
    out += name;
    put_length(out, value.size());
    out += value;
  }
  out += r.body;
  return out;
}

std::optional<StoredResponse> decode_response(std::string_view in) {
  StoredResponse r;
  auto colon = in.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto [p, ec] = std::from_chars(in.data(), in.data() + colon, r.status);
  if (ec != std::errc() || p != in.data() + colon || r.status < 100 || r.status > 999) return std::nullopt;
  in.remove_prefix(colon + 1);
  auto count_colon = in.find(':');
  if (count_colon == std::string_view::npos) return std::nullopt;
  std::size_t count = 0;
  auto [q, ec2] = std::from_chars(in.data(), in.data() + count_colon, count);
  if (ec2 != std::errc() || q != in.data() + count_colon || count > 1000) return std::nullopt;
  in.remove_prefix(count_colon + 1);
  for (std::size_t i = 0; i < count; ++i) {
    auto name = take(in);
    auto value = name ? take(in) : std::nullopt;
    if (!value) return std::nullopt;
    r.fields.emplace_back(std::string(*name), std::string(*value));
  }
  r.body = std::string(in);
  return r;
}

}  // namespace gatehouse::idempotency
