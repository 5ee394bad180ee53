#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gatehouse {

// Decodes a chunked request body to the letter of RFC 9112 §7.1, as a stream:
//   chunk      = 1*HEXDIG [ chunk-ext ] CRLF chunk-data CRLF
//   chunk-ext  = *( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )
//   last-chunk = 1*"0" [ chunk-ext ] CRLF, then trailer field lines, then CRLF
// Every line ends in CRLF (no bare LF or CR); a chunk size has no prefix and
// cannot overflow; trailer fields must be valid field lines. Extensions and
// trailers are checked and dropped: the body is forwarded re-chunked, never as
// it arrived.
//
// A violation is found as soon as the offending byte arrives, not when a line
// completes, so a bad body never leaves a connection waiting for a timeout.
// Each byte of a line is checked once, however the line is split: a line
// trickling in a byte at a time costs no more than one arriving whole.
class ChunkedDecoder {
 public:
  static constexpr std::size_t kMaxChunkLine = 4096;  // chunk-size line with its extensions, without CRLF
  static constexpr std::uint64_t kMaxChunkSize = 1ull << 62;

  // `max_trailer_bytes`: the trailer lines together, without their CRLFs.
  explicit ChunkedDecoder(std::size_t max_trailer_bytes = 32 * 1024, std::size_t max_chunk_line = kMaxChunkLine)
      : max_trailer_bytes_(max_trailer_bytes), max_chunk_line_(max_chunk_line) {}

  struct Step {
    std::size_t consumed = 0;  // bytes of `in` used up; the caller discards them
    std::size_t produced = 0;  // body bytes written to `out`
  };

  // Decodes from `in` into `out` until `in` is used up, `out` is full, the body
  // ends or a violation is found. Lines are consumed whole: when `in` ends
  // inside one, call again with the same bytes and more after them.
  Step decode(std::string_view in, char* out, std::size_t out_size);

  bool done() const { return state_ == State::done; }
  bool failed() const { return state_ == State::failed; }
  const std::string& error() const { return error_; }

 private:
  enum class State { size_line, data, data_end, trailer, done, failed };

  // Consumes one whole line from `in` when it holds one, checking each byte
  // that has not been checked before. Returns false when more bytes are
  // needed or the line is bad (then failed()).
  bool take_line(std::string_view in, std::size_t& pos, std::size_t limit, std::string_view& line);
  bool byte_fits_line(unsigned char c, std::size_t index);
  bool chunk_line(std::string_view line, bool complete);
  bool trailer_line(std::string_view line);
  bool fail(std::string why);

  State state_ = State::size_line;
  std::uint64_t remaining_ = 0;  // bytes left in the current chunk
  std::size_t trailer_bytes_ = 0;
  std::size_t max_trailer_bytes_;
  std::size_t max_chunk_line_;
  std::size_t line_checked_ = 0;  // bytes of the current, partial line already checked
  bool colon_seen_ = false;       // in the current trailer line
  std::string error_;
};

}  // namespace gatehouse
