// The request-head framing scan: any bytes, never a crash, and a complete
// head always lies within the input with its framing decided one way only.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gatehouse/framing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  gatehouse::HeadScan s = gatehouse::scan_request_head(bytes);
  if (s.state == gatehouse::HeadScan::State::complete) {
    if (s.skip + s.head_size > size) std::abort();
    if (s.chunked && s.content_length) std::abort();  // never both: that is the smuggling shape
    if (s.method.empty() || s.method.size() > gatehouse::HeadScan::kMaxMethod) std::abort();
    // Scanning the head alone gives the same verdict.
    auto again = gatehouse::scan_request_head(bytes.substr(0, s.skip + s.head_size));
    if (again.state != s.state || again.chunked != s.chunked || again.content_length != s.content_length) std::abort();
  }
  if (s.state == gatehouse::HeadScan::State::rejected && s.status != 400 && s.status != 501 && s.status != 505) std::abort();
  return 0;
}
