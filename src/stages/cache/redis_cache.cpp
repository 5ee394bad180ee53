#include "redis_cache.hpp"

#include <algorithm>

#include "entry_codec.hpp"
#include "gatehouse/length_prefixed.hpp"

namespace gatehouse::cache {
namespace {

// KEYS[1]: the entry hash, KEYS[2..]: its tags' sets. ARGV: variant field,
// entry bytes, keep-for ms, variant cap, the field it replaces ('' if none).
// The hash and each tag set live as long as the longest-kept entry under them.
const RedisScript kPut(R"lua(
local keep = tonumber(ARGV[3])
if ARGV[5] ~= '' and ARGV[5] ~= ARGV[1] then redis.call('HDEL', KEYS[1], ARGV[5]) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < keep then redis.call('PEXPIRE', KEYS[1], keep) end
local cap = tonumber(ARGV[4])
if redis.call('HLEN', KEYS[1]) > cap then
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    if field ~= ARGV[1] then redis.call('HDEL', KEYS[1], field) end
    if redis.call('HLEN', KEYS[1]) <= cap then break end
  end
end
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  if redis.call('PTTL', KEYS[i]) < keep then redis.call('PEXPIRE', KEYS[i], keep) end
end
return 1
)lua");

// KEYS[1]: a tag's set. Deletes the hashes it names, then itself; returns how many existed.
const RedisScript kPurgeTag(R"lua(
local n = 0
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do n = n + redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
return n
)lua");

}  // namespace

bool RedisCache::succeeded(const RedisResult& r) {
  bool ok = r.ok() && !r.reply->is_error();
  if (!ok && failures_) failures_->fetch_add(1, std::memory_order_relaxed);
  return ok;
}

std::string glob_escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string RedisCache::variant_field(const StoredResponse& entry) {
  std::string field;
  for (const auto& [name, value] : entry.vary) {
    put_string(field, name);
    put_string(field, value);
  }
  return field.empty() ? std::string("-") : field;  // a field name may not be empty
}

Awaitable<std::vector<StoredPtr>> RedisCache::variants(const std::string& key) {
  std::string rkey = redis_key(key);
  RedisResult r = co_await client_.command_of("HGETALL", rkey);
  std::vector<StoredPtr> out;
  if (!succeeded(r) || r.reply->type != RedisReply::Type::array) co_return out;
  const auto& items = r.reply->elements;
  for (std::size_t i = 1; i < items.size(); i += 2) {
    auto entry = decode_entry(items[i].str);
    if (entry && entry->key == key) out.push_back(std::make_shared<const StoredResponse>(std::move(*entry)));
  }
  co_return out;
}

Awaitable<bool> RedisCache::put(const StoredResponse& entry, std::chrono::milliseconds keep_for, const StoredResponse* replaces) {
  std::vector<std::string> keys{redis_key(entry.key)};
  for (const auto& tag : entry.tags) keys.push_back(tag_key(tag));
  std::vector<std::string_view> key_views(keys.begin(), keys.end());
  std::string field = variant_field(entry), bytes = encode_entry(entry);
  std::string keep = std::to_string(std::max<std::int64_t>(keep_for.count(), 1)), cap = std::to_string(max_variants_);
  std::string replaced = replaces ? variant_field(*replaces) : std::string();
  std::string_view args[] = {field, bytes, keep, cap, replaced};
  RedisResult r = co_await client_.eval(kPut, key_views, args);
  co_return succeeded(r);
}

Awaitable<std::optional<std::size_t>> RedisCache::erase(std::span<const std::string> keys) {
  std::vector<std::string> rkeys;
  for (const auto& k : keys) rkeys.push_back(redis_key(k));
  co_return co_await delete_keys(rkeys);
}

// One DEL for them all: one round trip.
Awaitable<std::optional<std::size_t>> RedisCache::delete_keys(const std::vector<std::string>& redis_keys) {
  if (redis_keys.empty()) co_return static_cast<std::size_t>(0);
  std::vector<std::string_view> argv{"DEL"};
  argv.insert(argv.end(), redis_keys.begin(), redis_keys.end());
  RedisResult r = co_await client_.command(argv);
  if (!succeeded(r)) co_return std::nullopt;
  co_return static_cast<std::size_t>(r.reply->integer);
}

Awaitable<std::optional<std::size_t>> RedisCache::purge_tag(const std::string& tag) {
  std::string tkey = tag_key(tag);
  std::string_view keys[] = {tkey};
  RedisResult r = co_await client_.eval(kPurgeTag, keys, std::span<const std::string_view>());
  if (!succeeded(r)) co_return std::nullopt;
  co_return static_cast<std::size_t>(r.reply->integer);
}

Awaitable<std::optional<std::size_t>> RedisCache::purge_prefix(const std::string& prefix) {
  std::string pattern = glob_escaped(redis_key(prefix)) + "*";
  std::string cursor = "0";
  std::size_t n = 0;
  do {
    RedisResult r = co_await client_.command_of("SCAN", cursor, "MATCH", pattern, "COUNT", "500");
    if (!succeeded(r) || r.reply->elements.size() != 2) co_return std::nullopt;
    cursor = r.reply->elements[0].str;
    std::vector<std::string> page;
    for (const auto& key : r.reply->elements[1].elements) page.push_back(key.str);
    auto deleted = co_await delete_keys(page);  // a page in one round trip
    if (!deleted) co_return std::nullopt;
    n += *deleted;
  } while (cursor != "0");
  co_return n;
}

}  // namespace gatehouse::cache
