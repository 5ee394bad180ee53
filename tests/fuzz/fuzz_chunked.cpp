// The chunked-body decoder: any bytes, fed whole and in pieces whose sizes
// come from the input itself. The verdict and the decoded body must not
// depend on how the bytes were split, and output never exceeds input.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gatehouse/chunked_decoder.hpp"

namespace {

struct Outcome {
  std::string body;
  bool done = false;
  bool failed = false;
  std::size_t consumed = 0;
};

Outcome decode(std::string_view wire, std::size_t piece, std::size_t out_size) {
  gatehouse::ChunkedDecoder d(256, 64);  // small limits, so that inputs reach them
  Outcome o;
  std::string held;
  std::string out(out_size, '\0');
  std::size_t fed = 0;
  while (!d.done() && !d.failed()) {
    auto step = d.decode(held, out.data(), out.size());
    if (step.consumed > held.size() || step.produced > out.size() || step.produced > step.consumed) std::abort();
    held.erase(0, step.consumed);
    o.consumed += step.consumed;
    o.body.append(out.data(), step.produced);
    if (step.consumed == 0 && step.produced == 0) {
      if (fed >= wire.size()) break;
      held.append(wire.substr(fed, piece));
      fed += piece;
    }
  }
  o.done = d.done();
  o.failed = d.failed();
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::size_t piece = 1 + data[0] % 17;
  std::size_t out_size = 1 + data[1] % 33;
  std::string_view wire(reinterpret_cast<const char*>(data) + 2, size - 2);
  Outcome whole = decode(wire, wire.size() + 1, 4096);
  Outcome split = decode(wire, piece, out_size);
  if (whole.done != split.done || whole.failed != split.failed) std::abort();
  if (whole.done && (whole.body != split.body || whole.consumed != split.consumed)) std::abort();
  if (whole.body.size() > wire.size()) std::abort();
  return 0;
}
