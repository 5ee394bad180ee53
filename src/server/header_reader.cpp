#include "gatehouse/header_reader.hpp"

namespace gatehouse {
namespace {
constexpr std::size_t kReadChunk = 4096;

std::string_view as_view(const beast::flat_buffer& b) {
  return {static_cast<const char*>(b.data().data()), b.size()};
}
}  // namespace

template <class Stream>
Awaitable<HeadRead> read_request_head(Stream& stream, beast::flat_buffer& buffer, HeadLimits limits) {
  HeadRead r;
  auto& tcp = beast::get_lowest_layer(stream);
  if (buffer.size() == 0) {
    tcp.expires_after(limits.wait_for_first_byte);
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kReadChunk), nothrow_on<Stream>);
    if (ec || n == 0) co_return r;  // no byte, no request
    buffer.commit(n);
  }
  r.first_byte = std::chrono::steady_clock::now();
  // One deadline for the whole head, however slowly it trickles in.
  tcp.expires_after(limits.header_timeout);
  while (true) {
    r.scan = scan_request_head(as_view(buffer));
    if (r.scan.state == HeadScan::State::rejected) {
      r.kind = HeadRead::Kind::rejected;
      co_return r;
    }
    if (r.scan.state == HeadScan::State::complete) {
      r.kind = r.scan.head_size > limits.max_header_size ? HeadRead::Kind::too_large : HeadRead::Kind::complete;
      co_return r;
    }
    if (buffer.size() >= limits.max_header_size) {
      r.kind = r.scan.request_line_complete() ? HeadRead::Kind::too_large : HeadRead::Kind::line_too_long;
      co_return r;
    }
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kReadChunk), nothrow_on<Stream>);
    if (ec || n == 0) {
      // prepare() may have moved the bytes: the scan's views are scanned again.
      r.scan = scan_request_head(as_view(buffer));
      r.kind = ec == beast::error::timeout ? HeadRead::Kind::timed_out : HeadRead::Kind::client_closed;
      co_return r;
    }
    buffer.commit(n);
  }
}

template Awaitable<HeadRead> read_request_head<PlainStream>(PlainStream&, beast::flat_buffer&, HeadLimits);
template Awaitable<HeadRead> read_request_head<TlsStream>(TlsStream&, beast::flat_buffer&, HeadLimits);

}  // namespace gatehouse
