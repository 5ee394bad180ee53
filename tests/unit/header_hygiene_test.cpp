#include <gtest/gtest.h>

#include "gatehouse/header_hygiene.hpp"

using namespace gatehouse;

TEST(HeaderHygiene, StripsHopByHopAndFieldsNamedInConnection) {
  Fields f;
  f.set(http::field::connection, "keep-alive, X-Secret-Hop");
  f.set("X-Secret-Hop", "1");
  f.set(http::field::keep_alive, "timeout=5");
  f.set(http::field::te, "trailers");
  f.set(http::field::upgrade, "websocket");
  f.set(http::field::proxy_authorization, "Basic xyz");
  f.set(http::field::transfer_encoding, "chunked");
  f.set("Proxy-Connection", "keep-alive");
  f.set(http::field::authorization, "Bearer keep-me");
  f.set("X-Custom", "keep-me-too");
  strip_hop_by_hop(f);
  std::vector<std::string> left;
  for (const auto field : f) left.emplace_back(field.name);
  EXPECT_EQ(left, (std::vector<std::string>{"Authorization", "X-Custom"}));
}

TEST(HeaderHygiene, ClientResponseFraming) {
  ResponseHead res{http::status::ok, 11};
  ClientFraming chunked = prepare_client_response(res, 11, false, true, std::nullopt, true);
  EXPECT_TRUE(chunked.keep_alive);
  EXPECT_TRUE(chunked.chunked);
  EXPECT_TRUE(is_chunked(res));

  ResponseHead old{http::status::ok, 11};
  ClientFraming closed = prepare_client_response(old, 10, false, true, std::nullopt, true);  // HTTP/1.0: close-delimited
  EXPECT_FALSE(closed.keep_alive);
  EXPECT_FALSE(closed.chunked);
  EXPECT_FALSE(is_chunked(old));
  EXPECT_EQ(old.version(), 10u);

  ResponseHead sized{http::status::ok, 11};
  EXPECT_TRUE(prepare_client_response(sized, 10, false, true, 42, true).keep_alive);  // 1.0 keep-alive with a length
  EXPECT_EQ(sized[http::field::content_length], "42");
  EXPECT_EQ(sized[http::field::connection], "keep-alive");

  ResponseHead none{http::status::no_content, 11};
  ClientFraming bodiless = prepare_client_response(none, 11, false, true, std::nullopt, false);
  EXPECT_TRUE(bodiless.keep_alive);
  EXPECT_FALSE(bodiless.chunked);
  EXPECT_FALSE(is_chunked(none));
}

TEST(HeaderHygiene, RequestFraming) {
  RequestHead req{http::verb::post, "/", 10};
  req.set(http::field::content_length, "99");
  apply_request_framing(req, Framing{true, true, std::nullopt});
  EXPECT_EQ(req.version(), 11u);
  EXPECT_TRUE(is_chunked(req));
  EXPECT_EQ(req.count(http::field::content_length), 0u);
  apply_request_framing(req, Framing{true, false, 5});
  EXPECT_FALSE(is_chunked(req));
  EXPECT_EQ(req[http::field::content_length], "5");
}

TEST(HeaderHygiene, ConnectionCannotRemoveHost) {
  Fields f;
  f.set(http::field::host, "api.example.com");
  f.set(http::field::connection, "Host, X-Hop");
  f.set("X-Hop", "1");
  strip_hop_by_hop(f);
  EXPECT_EQ(f[http::field::host], "api.example.com");
  EXPECT_EQ(f.count("X-Hop"), 0u);
}

TEST(HeaderHygiene, UnderscoreNamesAreListedOnce) {
  Fields f;
  f.insert("X_Api_User", "a");
  f.insert("x_api_user", "b");
  f.insert("Transfer_Encoding", "chunked");
  f.insert("X-Fine", "a_b");
  EXPECT_EQ(underscore_field_names(f), (std::vector<std::string>{"X_Api_User", "Transfer_Encoding"}));
}

TEST(HeaderHygiene, DateIsAddedOnlyWhenMissing) {
  Fields f;
  ensure_date(f);
  EXPECT_TRUE(std::string(f[http::field::date]).ends_with(" GMT"));
  Fields own;
  own.set(http::field::date, "Sun, 06 Nov 1994 08:49:37 GMT");
  ensure_date(own);
  EXPECT_EQ(own[http::field::date], "Sun, 06 Nov 1994 08:49:37 GMT");
}
