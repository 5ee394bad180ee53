// Request-target normalisation: the result is an absolute path without dot
// segments that never climbs above /, and normalising it again changes nothing.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gatehouse/request_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto t = gatehouse::normalize_target(raw);
  if (!t) return 0;
  const std::string& p = t->path;
  if (p.empty() || p.front() != '/') std::abort();
  if (p.find("/../") != std::string::npos || p.ends_with("/..") || p.find("/./") != std::string::npos) std::abort();
  auto again = gatehouse::normalize_target(p);
  if (!again || again->path != p) std::abort();
  return 0;
}
