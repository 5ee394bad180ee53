#include <gtest/gtest.h>

#include <set>

#include "gatehouse/forwarded.hpp"
#include "gatehouse/request_id.hpp"

using namespace gatehouse;

TEST(Forwarded, UntrustedPeerCannotForgeItsAddress) {
  auto f = compute_forwarded("198.51.100.9", "1.2.3.4", "https", "evil.example", "http", "api.example.com", {});
  EXPECT_EQ(f.client, "198.51.100.9");
  EXPECT_EQ(f.for_value, "198.51.100.9");
  EXPECT_EQ(f.proto_value, "http");
  EXPECT_EQ(f.host_value, "api.example.com");
}

TEST(Forwarded, TrustedProxyChainIsExtended) {
  std::vector<Cidr> trusted{*Cidr::parse("10.0.0.0/8")};
  auto f = compute_forwarded("10.0.0.2", "203.0.113.7, 10.0.0.9", "https", "api.example.com", "http", "internal", trusted);
  EXPECT_EQ(f.for_value, "203.0.113.7, 10.0.0.9, 10.0.0.2");
  EXPECT_EQ(f.client, "203.0.113.7");
  EXPECT_EQ(f.proto_value, "https");
  EXPECT_EQ(f.host_value, "api.example.com");
}

TEST(Forwarded, SpoofedLeftmostEntryIsNotTheClient) {
  std::vector<Cidr> trusted{*Cidr::parse("10.0.0.0/8")};
  // The client itself sent "X-Forwarded-For: 1.1.1.1"; the LB appended the client's real address.
  auto f = compute_forwarded("10.0.0.2", "1.1.1.1, 198.51.100.4", std::nullopt, std::nullopt, "http", "h", trusted);
  EXPECT_EQ(f.client, "198.51.100.4");
}

TEST(RequestId, ValidationAndGeneration) {
  EXPECT_TRUE(is_valid_request_id("5f0c-abc_DEF.1:2+3/4="));
  EXPECT_FALSE(is_valid_request_id(""));
  EXPECT_FALSE(is_valid_request_id("has space"));
  EXPECT_FALSE(is_valid_request_id("x\ny"));
  EXPECT_FALSE(is_valid_request_id(std::string(129, 'a')));
  RequestIdGenerator g;
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = g.next();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '4');  // version 4
    EXPECT_NE(std::string_view("89ab").find(id[19]), std::string_view::npos) << id;  // variant 10
    EXPECT_TRUE(id[8] == '-' && id[13] == '-' && id[18] == '-' && id[23] == '-') << id;
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef-"), std::string::npos) << id;
    EXPECT_TRUE(is_valid_request_id(id));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Via, FindsOurNameAmongTheHopsButNotInComments) {
  EXPECT_TRUE(via_lists("1.1 gw-1", "gw-1"));
  EXPECT_TRUE(via_lists("1.0 fred, 1.1 GW-1 (Gatehouse)", "gw-1"));
  EXPECT_TRUE(via_lists("HTTP/1.1 a (x, y), 1.1 gw-1", "gw-1"));
  EXPECT_FALSE(via_lists("1.1 a (passed gw-1, twice)", "gw-1"));
  EXPECT_FALSE(via_lists("1.1 gw-10", "gw-1"));
  EXPECT_FALSE(via_lists("gw-1", "gw-1"));  // a protocol alone: no received-by
  EXPECT_FALSE(via_lists("", "gw-1"));
}
