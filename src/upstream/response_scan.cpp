#include "gatehouse/response_scan.hpp"

#include <charconv>

#include "gatehouse/http_grammar.hpp"

namespace gatehouse {
namespace {

ResponseScan rejected(std::string why) {
  ResponseScan r;
  r.state = ResponseScan::State::rejected;
  r.reason = std::move(why);
  return r;
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ]. A missing
// SP after the code is tolerated, as every common client does.
bool status_line(std::string_view line, ResponseHead& head, std::string& why) {
  if (line.size() < 12 || !line.starts_with("HTTP/1.") || line[8] != ' ') {
    why = "malformed status line";
    return false;
  }
  char minor = line[7];
  if (minor < '0' || minor > '9') {
    why = "malformed HTTP version in the status line";
    return false;
  }
  unsigned status = 0;
  for (char c : line.substr(9, 3)) {
    if (c < '0' || c > '9') {
      why = "malformed status code";
      return false;
    }
    status = status * 10 + static_cast<unsigned>(c - '0');
  }
  if (status < 100 || status > 599) {
    why = "status code out of range";
    return false;
  }
  std::string_view rest = line.substr(12);
  if (!rest.empty() && rest.front() != ' ') {
    why = "malformed status code";
    return false;
  }
  std::string_view reason = rest.empty() ? rest : rest.substr(1);
  for (unsigned char c : reason)
    if (!is_field_value_byte(c)) {
      why = "invalid character in the reason phrase";
      return false;
    }
  head.version(minor == '0' ? 10 : 11);  // a later 1.x minor is read as 1.1 (RFC 9110 §2.5)
  head.result(status);
  head.reason(reason);
  return true;
}

// Content-Length, also as a list of one repeated value ("42, 42": RFC 9110 §8.6).
bool parse_length(std::string_view value, std::uint64_t& out, bool& seen) {
  return for_each_list_item(value, [&](std::string_view item) {
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || n > (1ull << 62)) return false;
    if (seen && n != out) return false;
    out = n;
    seen = true;
    return true;
  });
}

}  // namespace

ResponseScan scan_response_head(std::string_view bytes, bool request_was_head, ResponseHead& head) {
  // Lines are found by their CR (memchr), each checked whole as it is found:
  // a bare LF inside a line fails the line's byte checks, a CR without its LF
  // fails here, so a bad head is refused as soon as its bad line is in,
  // never left waiting for an empty line that will not come.
  std::size_t pos = 0;
  auto next_line = [&](std::string_view& line, std::string& why) -> bool {
    switch (next_crlf_line(bytes, pos, line)) {
      case LineEnd::found: return true;
      case LineEnd::need_more: return false;
      case LineEnd::bare_lf: why = "bare LF in the response head"; return false;
      case LineEnd::bare_cr: why = "bare CR in the response head"; return false;
    }
    return false;
  };

  std::string why;
  std::string_view line;
  head.clear();
  // The head is left empty unless complete: its noted fields point nowhere yet.
  auto not_complete = [&](std::string reason) {
    head.clear();
    return reason.empty() ? ResponseScan{} : rejected(std::move(reason));
  };
  if (!next_line(line, why)) return not_complete(std::move(why));
  if (!status_line(line, head, why)) return not_complete(std::move(why));

  std::size_t fields_start = pos;
  bool has_length = false, has_transfer_encoding = false, only_chunked = true;
  int chunked_count = 0;
  ConnectionOptions connection;
  std::uint64_t length = 0;
  while (true) {
    if (!next_line(line, why)) return not_complete(std::move(why));
    if (line.empty()) break;
    std::string_view name, value;
    if (const char* bad = split_field_line(line, name, value)) return not_complete(bad);
    head.note_scanned(bytes.data() + fields_start, name, value);
    if (name.size() == 14 && iequals_ascii(name, "content-length")) {
      if (!parse_length(value, length, has_length)) return not_complete("invalid Content-Length");
    } else if (name.size() == 10 && iequals_ascii(name, "connection")) {
      connection.read(value);
    } else if (name.size() == 17 && iequals_ascii(name, "transfer-encoding")) {
      // The gateway decodes chunked and nothing else: as nginx does, any
      // other coding (gzip, or chunked applied twice) is refused, never
      // passed on with its framing gone.
      has_transfer_encoding = true;
      for_each_list_item(value, [&](std::string_view coding) {
        if (iequals_ascii(coding, "chunked")) ++chunked_count;
        else if (!coding.empty()) only_chunked = false;
        return true;
      });
    }
  }
  std::size_t end = pos;
  head.adopt_scanned(bytes.substr(fields_start, end - 2 - fields_start));  // the lines, each with its CRLF

  ResponseScan r;
  r.state = ResponseScan::State::complete;
  r.head_size = end;
  unsigned status = head.result_int();
  if (request_was_head || status_has_no_body(status)) {
    r.body = ResponseScan::Body::none;
  } else if (has_transfer_encoding) {
    // Both framings at once is how responses are split (RFC 9112 §6.3 ¶3): refused, not guessed at.
    if (has_length) return rejected("both Content-Length and Transfer-Encoding");
    // HTTP/1.0 has no transfer codings: its framing is faulty (RFC 9112 §6.1).
    if (head.version() == 10) return rejected("Transfer-Encoding in an HTTP/1.0 response");
    if (!only_chunked || chunked_count != 1) return rejected("transfer codings other than chunked are not supported");
    r.body = ResponseScan::Body::chunked;
  } else if (has_length) {
    r.body = ResponseScan::Body::length;
    r.length = length;
  } else {
    r.body = ResponseScan::Body::until_close;
  }
  r.connection_reusable = r.body != ResponseScan::Body::until_close && connection.keeps_alive(head.version());
  return r;
}

}  // namespace gatehouse
