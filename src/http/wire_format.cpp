#include "gatehouse/wire_format.hpp"

#include <cstdio>
#include <cstring>

namespace gatehouse {
namespace {

// Sized once, then copied into: no capacity check per piece.
void append_fields(std::string& out, const Fields& fields) {
  std::size_t at = out.size();
  out.resize(at + fields.wire_size());
  char* p = out.data() + at;
  auto put = [&](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  for (const auto f : fields) {
    put(f.name);
    put(": ");
    put(f.value);
    put("\r\n");
  }
  put("\r\n");
}

void append_version(std::string& out, unsigned version) {
  char v[8] = {'H', 'T', 'T', 'P', '/', static_cast<char>('0' + version / 10), '.', static_cast<char>('0' + version % 10)};
  out.append(v, sizeof v);
}

}  // namespace

void append_head(std::string& out, const RequestHead& h) {
  out.append(h.method_string()).append(" ", 1).append(h.target()).append(" ", 1);
  append_version(out, h.version());
  out.append("\r\n", 2);
  append_fields(out, h);
}

void append_head(std::string& out, const ResponseHead& h) {
  append_version(out, h.version());
  unsigned code = h.result_int();
  char status[5] = {' ', static_cast<char>('0' + code / 100 % 10), static_cast<char>('0' + code / 10 % 10),
                    static_cast<char>('0' + code % 10), ' '};
  out.append(status, sizeof status).append(h.reason()).append("\r\n", 2);
  append_fields(out, h);
}

std::array<asio::const_buffer, 3> BodyFraming::frame(std::string_view piece, bool last) {
  asio::const_buffer data(piece.data(), piece.size());
  if (!chunked_) return {data, {}, {}};
  // A piece ends with CRLF; the last chunk (size 0) and the empty trailer follow it.
  static constexpr std::string_view kPieceEnd = "\r\n";
  static constexpr std::string_view kPieceEndAndLast = "\r\n0\r\n\r\n";
  static constexpr std::string_view kLastOnly = "0\r\n\r\n";
  if (piece.empty()) return {last ? asio::buffer(kLastOnly) : asio::const_buffer{}, {}, {}};
  int n = std::snprintf(size_line_, sizeof size_line_, "%zx\r\n", piece.size());
  return {asio::const_buffer(size_line_, static_cast<std::size_t>(n)), data,
          asio::buffer(last ? kPieceEndAndLast : kPieceEnd)};
}

}  // namespace gatehouse
