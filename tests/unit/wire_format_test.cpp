// The gateway writes message heads and chunk framing itself: the bytes must
// be the ones Beast's serializer writes for the same message, valid HTTP/1.1.
#include "gatehouse/wire_format.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace gatehouse {
namespace {

// What Beast's serializer writes for the same head.
std::string beast_head(const RequestHead& h) {
  http::request<http::empty_body> b;
  b.method_string(h.method_string());
  b.target(h.target());
  b.version(h.version());
  for (const auto f : h) b.insert(f.name, f.value);
  std::ostringstream out;
  out << b;
  return out.str();
}
std::string beast_head(const ResponseHead& h) {
  http::response<http::empty_body> b{h.result(), h.version()};
  b.reason(h.reason());
  for (const auto f : h) b.insert(f.name, f.value);
  std::ostringstream out;
  out << b;
  return out.str();
}

std::string joined(const std::array<asio::const_buffer, 3>& buffers) {
  std::string s;
  for (const auto& b : buffers) s.append(static_cast<const char*>(b.data()), b.size());
  return s;
}

TEST(WireFormat, RequestHeadIsWhatBeastWrites) {
  RequestHead req{http::verb::put, "/api/bookings/123?x=1", 11};
  req.set(http::field::host, "api.example.com");
  req.set("X-Custom_thing", "a, b");
  req.set(http::field::content_length, "12");
  req.insert("X-Forwarded-For", "10.0.0.1");
  std::string out;
  append_head(out, req);
  EXPECT_EQ(out, beast_head(req));
  EXPECT_EQ(out.substr(0, 38), "PUT /api/bookings/123?x=1 HTTP/1.1\r\nHo");
  EXPECT_TRUE(out.ends_with("\r\n\r\n"));
}

TEST(WireFormat, AnUnknownMethodIsWrittenAsItCame) {
  RequestHead req;
  req.method_string("PURGE");
  req.target("/x");
  req.version(11);
  std::string out;
  append_head(out, req);
  EXPECT_EQ(out, "PURGE /x HTTP/1.1\r\n\r\n");
  EXPECT_EQ(out, beast_head(req));
}

TEST(WireFormat, ResponseHeadKeepsTheUpstreamsReasonOrGivesTheUsualOne) {
  ResponseHead res{http::status::not_found, 11};
  res.set(http::field::content_type, "application/json");
  std::string out;
  append_head(out, res);
  EXPECT_EQ(out, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n");
  EXPECT_EQ(out, beast_head(res));

  res.reason("Nope");
  res.version(10);
  res.result(299);
  out.clear();
  append_head(out, res);
  EXPECT_EQ(out, "HTTP/1.0 299 Nope\r\nContent-Type: application/json\r\n\r\n");
  EXPECT_EQ(out, beast_head(res));
}

TEST(WireFormat, ChunkedPiecesAndTheLastChunk) {
  BodyFraming chunked(true);
  EXPECT_EQ(joined(chunked.frame("hello", false)), "5\r\nhello\r\n");
  EXPECT_EQ(joined(chunked.frame(std::string(300, 'x'), false)), "12c\r\n" + std::string(300, 'x') + "\r\n");
  EXPECT_EQ(joined(chunked.frame("", false)), "");  // an empty piece is not a last chunk
  EXPECT_EQ(joined(chunked.frame("end", true)), "3\r\nend\r\n0\r\n\r\n");
  EXPECT_EQ(joined(chunked.frame("", true)), "0\r\n\r\n");
}

TEST(WireFormat, UnchunkedPiecesGoAsTheyAre) {
  BodyFraming plain(false);
  EXPECT_EQ(joined(plain.frame("hello", false)), "hello");
  EXPECT_EQ(joined(plain.frame("", true)), "");
}

}  // namespace
}  // namespace gatehouse
