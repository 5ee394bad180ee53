#include "idempotency_store.hpp"

#include "gatehouse/length_prefixed.hpp"

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

std::optional<StoredResponse> decode_response(std::string_view in) {
  StoredResponse r;
  auto status = take_number(in);
  if (!status || *status < 100 || *status > 999) return std::nullopt;
  r.status = static_cast<int>(*status);
  auto count = take_number(in);
  if (!count || *count > 1000 || !take_string_pairs(in, *count, [&](std::string_view name, std::string_view value) {
        r.fields.emplace_back(std::string(name), std::string(value));
        return true;
      }))
    return std::nullopt;
  r.body = std::string(in);
  return r;
}

}  // namespace gatehouse::idempotency
