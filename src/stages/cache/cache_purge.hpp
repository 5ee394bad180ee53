#pragma once
// Purging on the admin listener: POST /cache/purge with one of
//   url=https://api.example.com/a?x=1   every variant of that URL
//   prefix=https://api.example.com/a/   every URL under it
//   tag=booking-42                      every response tagged so
// (values percent-encoded). Answers {"purged": N}.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "cache_store.hpp"
#include "gatehouse/stage_factory.hpp"

namespace gatehouse::cache {

inline constexpr std::string_view kPurgePath = "/cache/purge";

enum class PurgeBy { url, prefix, tag };
// The shared store's part of a purge (GATEHOUSE_CACHE_STORE=redis): given
// what to purge (a primary key, a key prefix or a tag), how many it held;
// nullopt when it failed (the purge is then answered 502).
using SharedPurge = std::function<std::optional<std::size_t>(PurgeBy, const std::string&)>;

// nullopt when `target`'s path is not the purge path. `shared`, when set,
// purges the shared store too; the answer counts both.
std::optional<StageAdminAnswer> purge(CacheStore& store, std::string_view method, std::string_view target,
                                      const SharedPurge& shared = nullptr);

}  // namespace gatehouse::cache
