#include "gatehouse/framing.hpp"

#include <charconv>

#include "gatehouse/fields.hpp"
#include "gatehouse/http_grammar.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse {
namespace {

// Host = uri-host [ ":" port ], where uri-host is a reg-name, IPv4 or [IPv6].
bool is_valid_host(std::string_view h) {
  if (h.empty()) return true;  // allowed when the target has no authority (RFC 9112 §3.2)
  std::string_view host = h, port;
  if (h.front() == '[') {
    auto close = h.find(']');
    if (close == std::string_view::npos) return false;
    for (char c : h.substr(1, close - 1))
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return false;
    auto rest = h.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    port = rest.empty() ? rest : rest.substr(1);
    host = {};
  } else if (auto colon = h.find(':'); colon != std::string_view::npos) {
    host = h.substr(0, colon);
    port = h.substr(colon + 1);
    if (port.empty()) return false;
  }
  for (unsigned char c : host)
    if (!(std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '%' || c == '!' || c == '$' ||
          c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' || c == ',' || c == ';' || c == '='))
      return false;
  for (char c : port)
    if (c < '0' || c > '9') return false;
  return port.size() <= 5;
}

bool is_absolute_form(std::string_view target) {
  std::string lower = to_lower(target.substr(0, 8));
  return lower.starts_with("http://") || lower.starts_with("https://");
}

class HeadScanner {
 public:
  explicit HeadScanner(std::string_view bytes) : bytes_(bytes) {}

  HeadScan run() {
    // A server SHOULD ignore at least one empty line before the request line (RFC 9112 §2.2).
    while (pos_ + 1 < bytes_.size() && bytes_[pos_] == '\r' && bytes_[pos_ + 1] == '\n') pos_ += 2;
    result_.skip = pos_;

    std::string_view line;
    if (!next_line(line)) {
      if (result_.state == HeadScan::State::incomplete) partial_request_line();
      return std::move(result_);
    }
    if (!request_line(line)) return std::move(result_);
    result_.fields_at = pos_ - result_.skip;
    while (true) {
      if (!next_line(line)) return std::move(result_);
      if (line.empty()) break;
      if (!field_line(line)) return std::move(result_);
    }
    finish();
    return std::move(result_);
  }

 private:
  // Marks the head rejected; false, for the checks that stop there.
  bool reject(int status, std::string reason) {
    result_.state = HeadScan::State::rejected;
    result_.status = status;
    result_.reason = std::move(reason);
    return false;
  }
  // A line that fails its checks because it holds a LF was ended by a bare
  // LF: that is the reason given (the line checks refuse any LF byte).
  bool fail(int status, std::string reason) {
    if (line_.find('\n') != std::string_view::npos) reason = "bare LF line ending";
    return reject(status, std::move(reason));
  }

  // Yields the next CRLF-terminated line. False when more bytes are needed or the
  // line ending is bad (then the result is set to rejected).
  // Lines are found by their CR (memchr). A LF inside a line is refused by
  // the checks of that line (see fail); one with no CR after it, here.
  bool next_line(std::string_view& line) {
    switch (next_crlf_line(bytes_, pos_, line)) {
      case LineEnd::found: line_ = line; return true;
      case LineEnd::need_more: return false;
      case LineEnd::bare_lf: return reject(400, "bare LF line ending");
      case LineEnd::bare_cr: return reject(400, "bare CR in request head");
    }
    return false;
  }

  // The request line has not fully arrived: refuse a bad or overlong method
  // now, rather than wait for the head limit (431) or the header timeout.
  void partial_request_line() {
    std::string_view partial = bytes_.substr(pos_);
    std::string_view method = partial.substr(0, partial.find(' '));
    if (!method.empty() && method.back() == '\r' && method.size() == partial.size()) method.remove_suffix(1);
    for (unsigned char c : method)
      if (!is_tchar(c)) {
        reject(400, "malformed method");
        return;
      }
    if (method.size() > HeadScan::kMaxMethod) reject(400, "method longer than " + std::to_string(HeadScan::kMaxMethod) + " bytes");
  }

  bool request_line(std::string_view line) {
    auto sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 == 0) return fail(400, "malformed request line");
    auto sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return fail(400, "malformed request line");
    std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (!is_token(method)) return fail(400, "malformed method");
    if (method.size() > HeadScan::kMaxMethod) return fail(400, "method longer than " + std::to_string(HeadScan::kMaxMethod) + " bytes");
    for (unsigned char c : target)
      if (c <= 0x20 || c >= 0x7f) return fail(400, "malformed request target");
    if (version.size() != 8 || !version.starts_with("HTTP/") || version[6] != '.' || !std::isdigit(static_cast<unsigned char>(version[5])) ||
        !std::isdigit(static_cast<unsigned char>(version[7])))
      return fail(400, "malformed HTTP version");
    if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) return fail(505, "only HTTP/1.0 and HTTP/1.1 are supported");
    result_.version_minor = version[7] - '0';
    result_.method = method;
    result_.target = target;
    return true;
  }

  bool field_line(std::string_view line) {
    std::string_view name, value;
    if (const char* why = split_field_line(line, name, value)) return fail(400, why);
    if (name.find('_') != std::string_view::npos) result_.underscore_in_names = true;

    if (name.size() == 10 && iequals_ascii(name, "connection")) result_.connection.read(value);
    if (name.size() == 6 && iequals_ascii(name, "expect")) {
      result_.has_expect = true;
      result_.expect_continue = result_.expect_continue || iequals_ascii(value, "100-continue");
    }
    if (iequals_ascii(name, "content-length")) return content_length(value);
    if (iequals_ascii(name, "transfer-encoding")) return transfer_encoding(value);
    if (iequals_ascii(name, "host")) {
      if (result_.host) return fail(400, "more than one Host header");
      if (!is_valid_host(value)) return fail(400, "invalid Host header");
      result_.host = value;
    }
    return true;
  }

  bool content_length(std::string_view value) {
    if (result_.content_length) return fail(400, "more than one Content-Length header");
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() || value.front() == '+' || n > (1ull << 62))
      return fail(400, "invalid Content-Length");
    result_.content_length = n;
    return true;
  }

  bool transfer_encoding(std::string_view value) {
    // Codings accumulate across repeated fields; only the final list matters.
    bool ok = for_each_list_item(value, [&](std::string_view coding) {
      if (coding.empty()) return true;
      if (saw_chunked_) return false;
      if (iequals_ascii(coding, "chunked")) saw_chunked_ = true;
      else other_coding_ = true;
      return true;
    });
    if (!ok) return fail(400, "Transfer-Encoding with a coding after chunked");
    saw_transfer_encoding_ = true;
    return true;
  }

  bool finish() {
    if (saw_transfer_encoding_) {
      if (result_.version_minor == 0) return reject(400, "Transfer-Encoding in an HTTP/1.0 request");
      if (result_.content_length) return reject(400, "both Content-Length and Transfer-Encoding");
      if (!saw_chunked_) return reject(400, "Transfer-Encoding whose last coding is not chunked");
      if (other_coding_) return reject(501, "transfer codings other than chunked are not supported");
      result_.chunked = true;
    }
    if (result_.version_minor == 1 && !result_.host) return reject(400, "missing Host header");
    // An empty Host is allowed only where the target carries the authority (RFC 9112 §3.2).
    if (result_.host && result_.host->empty() && !is_absolute_form(result_.target)) return reject(400, "empty Host header");
    result_.state = HeadScan::State::complete;
    result_.head_size = pos_ - result_.skip;
    return true;
  }

  std::string_view bytes_;
  std::string_view line_;  // the line being checked
  std::size_t pos_ = 0;
  bool saw_transfer_encoding_ = false;
  bool saw_chunked_ = false;
  bool other_coding_ = false;
  HeadScan result_;
};

}  // namespace

HeadScan scan_request_head(std::string_view bytes) { return HeadScanner(bytes).run(); }

}  // namespace gatehouse
