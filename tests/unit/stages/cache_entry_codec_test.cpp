// A stored response as the shared cache backend keeps it: every part comes
// back as it went in, and anything else (truncated, another version, extra
// bytes) reads as absent, never as a response.
#include <gtest/gtest.h>

#include "../../../src/stages/cache/entry_codec.hpp"

using namespace gatehouse;
using namespace gatehouse::cache;

namespace {

StoredResponse sample() {
  StoredResponse e;
  e.key = "https://shop.example/products?page=2";
  e.vary = {{"accept-encoding", "gzip"}, {"accept-language", ""}};
  e.status = 203;
  e.reason = "Non-Authoritative Information";
  e.headers.insert("Cache-Control", "max-age=60, stale-while-revalidate=30");
  e.headers.insert("ETag", "\"v1\"");
  e.headers.insert("Link", "</a>; rel=next");
  e.headers.insert("Link", "</b>; rel=prev");  // a repeated field stays two lines
  e.body = std::string("a:b\0c\r\n12:", 10);    // colons, a NUL and digits: bytes, not syntax
  e.request_time = 1764680000;
  e.response_time = 1764680001;
  e.initial_age = -3;
  e.lifetime = 60;
  e.tags = {"product-7", "catalogue"};
  return e;
}

TEST(CacheEntryCodec, EveryPartRoundTrips) {
  StoredResponse in = sample();
  auto out = decode_entry(encode_entry(in));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->key, in.key);
  EXPECT_EQ(out->vary, in.vary);
  EXPECT_EQ(out->status, 203u);
  EXPECT_EQ(out->reason, in.reason);
  EXPECT_EQ(out->headers.size(), 4u);
  std::vector<std::string> links;
  out->headers.for_each_value("Link", [&](std::string_view v) { links.emplace_back(v); });
  EXPECT_EQ(links, (std::vector<std::string>{"</a>; rel=next", "</b>; rel=prev"}));
  EXPECT_EQ(out->body, in.body);
  EXPECT_EQ(out->request_time, in.request_time);
  EXPECT_EQ(out->response_time, in.response_time);
  EXPECT_EQ(out->initial_age, -3);
  EXPECT_EQ(out->lifetime, 60);
  EXPECT_EQ(out->tags, in.tags);
  // The directives are parsed again from the stored fields.
  EXPECT_EQ(out->cc.max_age, 60);
  EXPECT_EQ(out->cc.stale_while_revalidate, 30);
}

TEST(CacheEntryCodec, TruncatedExtendedOrForeignBytesReadAsAbsent) {
  std::string bytes = encode_entry(sample());
  for (std::size_t n = 0; n < bytes.size(); ++n) EXPECT_FALSE(decode_entry(std::string_view(bytes).substr(0, n))) << "cut at " << n;
  EXPECT_FALSE(decode_entry(bytes + "x"));
  std::string other_version = bytes;
  other_version.replace(0, std::string_view("gatehouse-cache-1").size(), "gatehouse-cache-2");
  EXPECT_FALSE(decode_entry(other_version));
  EXPECT_FALSE(decode_entry("gatehouse-cache-1:99999999999999999999999:"));
}

}  // namespace
