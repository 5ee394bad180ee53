#include "gatehouse/chunked_decoder.hpp"

#include <algorithm>
#include <cstring>

#include "gatehouse/http_grammar.hpp"

namespace gatehouse {
namespace {

bool is_bws(char c) { return c == ' ' || c == '\t'; }

// qdtext and the escaped byte of a quoted-pair (RFC 9110 §5.6.4).
bool is_qdtext(unsigned char c) { return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c != 0x7f); }
bool is_quoted_pair_byte(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

// Walks a chunk line (without its CRLF). With `complete` false the line is a
// prefix of one still arriving: running out of bytes is not an error there.
class ChunkLine {
 public:
  ChunkLine(std::string_view s, bool complete) : s_(s), complete_(complete) {}

  // "" when the line is (so far) valid, else the reason.
  const char* check(std::uint64_t& size) {
    size = 0;
    std::size_t digits = 0;
    while (pos_ < s_.size() && is_hex_digit(static_cast<unsigned char>(s_[pos_]))) {
      unsigned char c = static_cast<unsigned char>(s_[pos_++]);
      unsigned v = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
      if (size > (ChunkedDecoder::kMaxChunkSize >> 4)) return "chunk size too large";
      size = size * 16 + v;
      ++digits;
    }
    if (digits == 0) return at_end() ? "" : "chunk size is not hexadecimal";
    if (size > ChunkedDecoder::kMaxChunkSize) return "chunk size too large";
    while (true) {
      skip_bws();
      if (at_end()) return complete_ && pos_ > 0 && is_bws(s_[pos_ - 1]) ? "whitespace after chunk size" : "";
      if (s_[pos_] != ';') return "invalid character after chunk size";
      ++pos_;
      skip_bws();
      if (at_end()) return complete_ ? "chunk extension without a name" : "";
      if (!token()) return "invalid chunk extension name";
      std::size_t before_bws = pos_;
      skip_bws();
      if (at_end()) return complete_ && pos_ != before_bws ? "whitespace after chunk extension" : "";
      if (s_[pos_] != '=') {
        pos_ = before_bws;  // the BWS belongs before the next ";"
        continue;
      }
      ++pos_;
      skip_bws();
      if (at_end()) return complete_ ? "chunk extension without a value" : "";
      if (s_[pos_] == '"') {
        if (const char* why = quoted_string()) return why;
      } else if (!token()) {
        return "invalid chunk extension value";
      }
    }
  }

 private:
  bool at_end() const { return pos_ >= s_.size(); }
  void skip_bws() {
    while (pos_ < s_.size() && is_bws(s_[pos_])) ++pos_;
  }
  bool token() {
    std::size_t start = pos_;
    while (pos_ < s_.size() && is_tchar(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    return pos_ > start;
  }
  const char* quoted_string() {
    ++pos_;  // the opening quote
    while (pos_ < s_.size()) {
      unsigned char c = static_cast<unsigned char>(s_[pos_++]);
      if (c == '"') return nullptr;
      if (c == '\\') {
        if (pos_ >= s_.size()) break;
        if (!is_quoted_pair_byte(static_cast<unsigned char>(s_[pos_++]))) return "control character in chunk extension";
      } else if (!is_qdtext(c)) {
        return "control character in chunk extension";
      }
    }
    return complete_ ? "unterminated quoted string in chunk extension" : nullptr;
  }

  std::string_view s_;
  bool complete_;
  std::size_t pos_ = 0;
};

}  // namespace

bool ChunkedDecoder::fail(std::string why) {
  state_ = State::failed;
  error_ = std::move(why);
  return false;
}

bool ChunkedDecoder::take_line(std::string_view in, std::size_t& pos, std::size_t limit, std::string_view& line) {
  std::string_view rest = in.substr(pos);
  std::size_t i = line_checked_;
  for (; i < rest.size(); ++i) {
    char c = rest[i];
    if (c == '\n') return fail("bare LF in chunked body");
    if (c == '\r') {
      if (i + 1 >= rest.size()) break;  // the LF has not arrived yet: check this CR again then
      if (rest[i + 1] != '\n') return fail("bare CR in chunked body");
      line = rest.substr(0, i);
      pos += i + 2;
      line_checked_ = 0;
      colon_seen_ = false;
      return true;
    }
    if (i >= limit) return fail(state_ == State::trailer ? "trailer section too large" : "chunk line too long");
    if (!byte_fits_line(static_cast<unsigned char>(c), i)) return false;
  }
  line_checked_ = i;
  // A short partial chunk line is also held against the grammar, so that
  // "0x" or "zz" is refused before its line ends; past that the byte checks
  // above keep the cost per byte constant.
  constexpr std::size_t kGrammarCheckedPrefix = 64;
  if (state_ == State::size_line && i <= kGrammarCheckedPrefix) chunk_line(rest.substr(0, i), false);
  return false;
}

// The byte classes a line may hold: field-value bytes in a chunk line (the
// grammar is checked when the line ends); a token, a colon, then field-value
// bytes in a trailer line.
bool ChunkedDecoder::byte_fits_line(unsigned char c, std::size_t index) {
  if (state_ != State::trailer) return is_field_value_byte(c) || fail("control character in chunk line");
  if (colon_seen_) return is_field_value_byte(c) || fail("invalid character in trailer field value");
  if (c == ':') {
    colon_seen_ = true;
    return index > 0 || fail("empty trailer field name");
  }
  if (index == 0 && (c == ' ' || c == '\t')) return fail("obsolete line folding in trailer");
  return is_tchar(c) || fail("invalid trailer field name");
}

bool ChunkedDecoder::chunk_line(std::string_view line, bool complete) {
  std::uint64_t size = 0;
  const char* why = ChunkLine(line, complete).check(size);
  if (*why) return fail(why);
  if (!complete) return true;
  if (line.empty()) return fail("empty chunk size line");
  remaining_ = size;
  state_ = size == 0 ? State::trailer : State::data;
  return true;
}

// A whole trailer line, its bytes already checked: only the colon is left to see.
bool ChunkedDecoder::trailer_line(std::string_view line) {
  if (line.empty()) return true;
  return line.find(':') != std::string_view::npos || fail("trailer field without a colon");
}

ChunkedDecoder::Step ChunkedDecoder::decode(std::string_view in, char* out, std::size_t out_size) {
  Step step;
  std::size_t& pos = step.consumed;
  while (true) {
    switch (state_) {
      case State::done:
      case State::failed: return step;
      case State::size_line: {
        std::string_view line;
        if (!take_line(in, pos, max_chunk_line_, line) || !chunk_line(line, true)) return step;
        break;
      }
      case State::data: {
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, std::min(in.size() - pos, out_size - step.produced)));
        if (n == 0) return step;  // input used up, or `out` full
        std::memcpy(out + step.produced, in.data() + pos, n);
        pos += n;
        step.produced += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::data_end;
        break;
      }
      case State::data_end: {
        if (pos < in.size() && in[pos] != '\r') {
          fail("chunk data not followed by CRLF");
          return step;
        }
        if (pos + 1 >= in.size()) return step;
        if (in[pos + 1] != '\n') {
          fail("chunk data not followed by CRLF");
          return step;
        }
        pos += 2;
        state_ = State::size_line;
        break;
      }
      case State::trailer: {
        std::string_view line;
        if (!take_line(in, pos, max_trailer_bytes_ - trailer_bytes_, line) || !trailer_line(line)) return step;
        trailer_bytes_ += line.size();
        if (line.empty()) state_ = State::done;
        break;
      }
    }
  }
}

}  // namespace gatehouse
