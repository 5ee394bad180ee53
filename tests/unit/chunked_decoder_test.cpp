// The strict chunked decoder (RFC 9112 §7.1), fed whole and in every split.
#include <gtest/gtest.h>

#include "gatehouse/chunked_decoder.hpp"

using namespace gatehouse;

namespace {

struct Decoded {
  std::string body;
  bool done = false;
  std::string error;
};

// Feeds `wire` in pieces of `piece` bytes, keeping unconsumed bytes as a
// connection buffer would, with an output buffer of `out_size` bytes.
Decoded decode(const std::string& wire, std::size_t piece = 1 << 20, std::size_t out_size = 64) {
  ChunkedDecoder d(64);
  Decoded r;
  std::string held;
  std::size_t fed = 0;
  std::string out(out_size, '\0');
  while (!d.done() && !d.failed()) {
    auto step = d.decode(held, out.data(), out.size());
    held.erase(0, step.consumed);
    r.body.append(out.data(), step.produced);
    if (step.consumed == 0 && step.produced == 0) {
      if (fed >= wire.size()) break;  // needs more than there is
      held += wire.substr(fed, piece);
      fed += piece;
    }
  }
  r.done = d.done();
  r.error = d.error();
  return r;
}

}  // namespace

TEST(ChunkedDecoder, DecodesChunksExtensionsAndTrailersInEverySplit) {
  std::string wire = "5;a=b;c=\"q \\\" d\" ; e\r\nhello\r\n000a\r\n0123456789\r\n0;end\r\nX-T: 1\r\nY:\r\n\r\n";
  for (std::size_t piece : {1, 2, 3, 7, 1000}) {
    for (std::size_t out : {1, 4, 64}) {
      auto r = decode(wire, piece, out);
      EXPECT_TRUE(r.done) << piece << "/" << out << ": " << r.error;
      EXPECT_EQ(r.body, "hello0123456789") << piece << "/" << out;
    }
  }
}

TEST(ChunkedDecoder, StopsAtTheEndOfTheBody) {
  ChunkedDecoder d;
  std::string wire = "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
  char out[16];
  auto step = d.decode(wire, out, sizeof out);
  EXPECT_TRUE(d.done());
  EXPECT_EQ(step.produced, 3u);
  EXPECT_EQ(wire.substr(step.consumed), "GET / HTTP/1.1\r\n");  // the next request is left alone
}

TEST(ChunkedDecoder, RefusesEachViolationWithAReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"0x5\r\nhello\r\n0\r\n\r\n", "invalid character after chunk size"},
      {"100000000000000005\r\n", "chunk size too large"},
      {"4000000000000001\r\n", "chunk size too large"},
      {"-5\r\n", "chunk size is not hexadecimal"},
      {"\r\n", "empty chunk size line"},
      {"5 \r\nhello\r\n", "whitespace after chunk size"},
      {"5;\r\n", "chunk extension without a name"},
      {"5;a=\r\n", "chunk extension without a value"},
      {"5;a =\r\n", "chunk extension without a value"},
      {"5;a\x01\r\n", "control character in chunk line"},
      {"5;a=\"b\x7f\"\r\n", "control character in chunk line"},
      {"5;a=b\x80\r\n", "invalid character after chunk size"},
      {"5;a=\"b\r\n", "unterminated quoted string in chunk extension"},
      {"5\nhello", "bare LF in chunked body"},
      {"5\rhello", "bare CR in chunked body"},
      {"5\r\nhelloX\r\n", "chunk data not followed by CRLF"},
      {"5\r\nhello\rX", "chunk data not followed by CRLF"},
      {"0\r\nX T: 1\r\n\r\n", "invalid trailer field name"},
      {"0\r\nXT\r\n\r\n", "trailer field without a colon"},
      {"0\r\n: v\r\n\r\n", "empty trailer field name"},
      {"0\r\nX: 1\r\n 2\r\n\r\n", "obsolete line folding in trailer"},
      {"0\r\nX: a\x01\r\n\r\n", "invalid character in trailer field value"},
      {"0\r\nX: 1\n\r\n", "bare LF in chunked body"},
  };
  for (const auto& [wire, why] : cases) {
    auto r = decode(wire);
    EXPECT_FALSE(r.done) << wire;
    EXPECT_EQ(r.error, why) << wire;
  }
}

TEST(ChunkedDecoder, GarbageIsRefusedBeforeItsLineEnds) {
  // No CRLF has come yet, but the line can already never be valid: no waiting for a timeout.
  for (std::string partial : {"zz", "5;\x01", "5 x", "0\r\nX Y", "0\r\nX: \x02"}) {
    ChunkedDecoder d;
    char out[8];
    d.decode(partial, out, sizeof out);
    EXPECT_TRUE(d.failed()) << partial;
  }
  // ...whereas a valid prefix waits for more.
  for (std::string partial : {"5", "5;a", "5 ;a = \"x", "0\r\nX-T", "0\r\nX: 1"}) {
    ChunkedDecoder d;
    char out[8];
    d.decode(partial, out, sizeof out);
    EXPECT_FALSE(d.failed()) << partial << ": " << d.error();
    EXPECT_FALSE(d.done()) << partial;
  }
}

TEST(ChunkedDecoder, ALineAtTheLimitPassesHoweverItIsSplit) {
  // 8 bytes of chunk line allowed: "5;abcde" is 7, "5;abcdef" is 8, "5;abcdefg" is 9.
  for (std::size_t piece : {1, 2, 3, 8, 9, 100}) {
    for (const auto& [line, ok] : {std::pair{"5;abcdef", true}, std::pair{"5;abcdefg", false}}) {
      ChunkedDecoder d(64, 8);
      std::string wire = std::string(line) + "\r\nhello\r\n0\r\n\r\n", held;
      char out[16];
      for (std::size_t fed = 0; fed < wire.size() && !d.failed() && !d.done(); fed += piece) {
        held += wire.substr(fed, piece);
        auto step = d.decode(held, out, sizeof out);
        held.erase(0, step.consumed);
      }
      EXPECT_EQ(d.done(), ok) << line << " in pieces of " << piece << ": " << d.error();
    }
  }
}

TEST(ChunkedDecoder, LinesAndTrailersAreBounded) {
  auto long_ext = decode("5;" + std::string(5000, 'a') + "\r\nhello\r\n0\r\n\r\n", 100);
  EXPECT_EQ(long_ext.error, "chunk line too long");
  auto long_trailer = decode("0\r\nX: " + std::string(100, 'v') + "\r\n\r\n");  // the test decoder allows 64 bytes
  EXPECT_EQ(long_trailer.error, "trailer section too large");
}
