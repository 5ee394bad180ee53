// The upstream response-head scan: any bytes, never a crash; a complete head
// lies within the input, is delimited one way only, and scanning it alone
// gives the same verdict.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gatehouse/response_scan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using gatehouse::ResponseScan;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  bool head_request = size > 0 && (data[0] & 1);
  gatehouse::ResponseHead head;
  ResponseScan s = gatehouse::scan_response_head(bytes, head_request, head);
  if (s.state == ResponseScan::State::complete) {
    if (s.head_size > size || s.head_size < 16) std::abort();
    if (head.result_int() < 100 || head.result_int() > 599) std::abort();
    if (s.body == ResponseScan::Body::until_close && s.connection_reusable) std::abort();
    gatehouse::ResponseHead again_head;
    auto again = gatehouse::scan_response_head(bytes.substr(0, s.head_size), head_request, again_head);
    if (again.state != s.state || again.body != s.body || again.length != s.length || again_head.size() != head.size())
      std::abort();
    for (const auto f : head)
      if (f.name.empty() || f.name.find_first_of(" \t\r\n:") != std::string_view::npos) std::abort();
  }
  if (s.state == ResponseScan::State::rejected && s.reason.empty()) std::abort();
  return 0;
}
