#include "entry_codec.hpp"

#include <algorithm>

#include "gatehouse/length_prefixed.hpp"

namespace gatehouse::cache {
namespace {

constexpr std::string_view kMagic = "gatehouse-cache-1:";

// Times and ages are stored with an offset: a negative value (an age from a
// clock gone backwards) survives the unsigned text form.
constexpr std::int64_t kSigned = std::int64_t{1} << 62;

void put_signed(std::string& out, std::int64_t v) {
  v = std::clamp(v, -kSigned, kSigned);  // far beyond any time or age
  put_number(out, static_cast<std::uint64_t>(v + kSigned));
}
std::optional<std::int64_t> take_signed(std::string_view& in) {
  auto n = take_number(in);
  if (!n || *n >= static_cast<std::uint64_t>(kSigned) * 2) return std::nullopt;
  return static_cast<std::int64_t>(*n) - kSigned;
}

// A count of items, each at least two bytes long: bounded by what is left.
std::optional<std::uint64_t> take_count(std::string_view& in) {
  auto n = take_number(in);
  if (!n || *n > in.size() / 2) return std::nullopt;
  return n;
}

}  // namespace

std::string encode_entry(const StoredResponse& e) {
  std::string out;
  out.reserve(e.body.size() + e.headers.wire_size() + e.key.size() + 128);
  out += kMagic;
  put_string(out, e.key);
  put_number(out, e.vary.size());
  for (const auto& [name, value] : e.vary) {
    put_string(out, name);
    put_string(out, value);
  }
  put_number(out, e.status);
  put_string(out, e.reason);
  put_number(out, e.headers.size());
  for (auto field : e.headers) {
    put_string(out, field.name);
    put_string(out, field.value);
  }
  put_signed(out, e.request_time);
  put_signed(out, e.response_time);
  put_signed(out, e.initial_age);
  put_signed(out, e.lifetime);
  put_number(out, e.tags.size());
  for (const auto& tag : e.tags) put_string(out, tag);
  put_string(out, e.body);
  return out;
}

std::optional<StoredResponse> decode_entry(std::string_view in) {
  if (!in.starts_with(kMagic)) return std::nullopt;
  in.remove_prefix(kMagic.size());
  StoredResponse e;
  auto key = take_string(in);
  if (!key) return std::nullopt;
  e.key = std::string(*key);
  auto vary = take_count(in);
  if (!vary || !take_string_pairs(in, *vary, [&](std::string_view name, std::string_view value) {
        e.vary.emplace_back(std::string(name), std::string(value));
        return true;
      }))
    return std::nullopt;
  auto status = take_number(in);
  if (!status || *status < 100 || *status > 999) return std::nullopt;
  e.status = static_cast<unsigned>(*status);
  auto reason = take_string(in);
  if (!reason) return std::nullopt;
  e.reason = std::string(*reason);
  auto fields = take_count(in);
  if (!fields || !take_string_pairs(in, *fields, [&](std::string_view name, std::string_view value) {
        if (name.empty()) return false;
        e.headers.insert(name, value);
        return true;
      }))
    return std::nullopt;
  auto request_time = take_signed(in), response_time = take_signed(in), initial_age = take_signed(in), lifetime = take_signed(in);
  if (!request_time || !response_time || !initial_age || !lifetime) return std::nullopt;
  e.request_time = static_cast<std::time_t>(*request_time);
  e.response_time = static_cast<std::time_t>(*response_time);
  e.initial_age = *initial_age;
  e.lifetime = *lifetime;
  auto tags = take_count(in);
  if (!tags) return std::nullopt;
  for (std::uint64_t i = 0; i < *tags; ++i) {
    auto tag = take_string(in);
    if (!tag) return std::nullopt;
    e.tags.emplace_back(*tag);
  }
  auto body = take_string(in);
  if (!body || !in.empty()) return std::nullopt;
  e.body = std::string(*body);
  // The directives are the stored fields' own: parsed again, never stored twice.
  e.cc = parse_cache_control(e.headers);
  return e;
}

}  // namespace gatehouse::cache
