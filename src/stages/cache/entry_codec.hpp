#pragma once
// A stored response as bytes, for a store outside the process (the shared
// Redis backend): the same entry, whichever replica wrote it. Versioned, so
// that a replica never misreads an entry another version wrote: it reads as
// absent (a miss), never as a wrong response.
#include <optional>
#include <string>
#include <string_view>

#include "cache_store.hpp"

namespace gatehouse::cache {

std::string encode_entry(const StoredResponse& entry);
// nullopt when `bytes` is not an entry this version wrote.
std::optional<StoredResponse> decode_entry(std::string_view bytes);

}  // namespace gatehouse::cache
