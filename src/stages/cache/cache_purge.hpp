#pragma once
// Purging on the admin listener: POST /cache/purge with one of
//   url=https://api.example.com/a?x=1   every variant of that URL
//   prefix=https://api.example.com/a/   every URL under it
//   tag=booking-42                      every response tagged so
// (values percent-encoded). Answers {"purged": N}.
#include <optional>
#include <string_view>

#include "cache_store.hpp"
#include "gatehouse/stage_factory.hpp"

namespace gatehouse::cache {

inline constexpr std::string_view kPurgePath = "/cache/purge";

// nullopt when `target`'s path is not the purge path.
std::optional<StageAdminAnswer> purge(CacheStore& store, std::string_view method, std::string_view target);

}  // namespace gatehouse::cache
