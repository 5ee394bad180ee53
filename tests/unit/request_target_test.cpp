#include <gtest/gtest.h>

#include "gatehouse/request_target.hpp"

using namespace gatehouse;

TEST(RequestTarget, OriginFormWithQuery) {
  auto t = normalize_target("/a/b?x=1&y=2");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/a/b");
  EXPECT_EQ(t->query, "x=1&y=2");
  EXPECT_EQ(t->path_and_query(), "/a/b?x=1&y=2");
}

TEST(RequestTarget, DotSegmentsRemovedIncludingEncoded) {
  EXPECT_EQ(normalize_target("/api/x/../y")->path, "/api/y");
  EXPECT_EQ(normalize_target("/api/./y/")->path, "/api/y/");
  EXPECT_EQ(normalize_target("/api/x/%2e%2E/admin")->path, "/api/admin");
  EXPECT_EQ(normalize_target("/a/..")->path, "/");
}

TEST(RequestTarget, RejectsWhatCannotBeForwarded) {
  EXPECT_FALSE(normalize_target("/../etc/passwd"));
  EXPECT_FALSE(normalize_target("*"));
  EXPECT_FALSE(normalize_target("example.com:443"));
  EXPECT_FALSE(normalize_target("/a#frag"));
  EXPECT_FALSE(normalize_target("/a\\..\\b"));
}

TEST(RequestTarget, AbsoluteFormGivesAuthority) {
  auto t = normalize_target("http://api.example.com:8080/v1/x?q=1");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->authority, "api.example.com:8080");
  EXPECT_EQ(t->path, "/v1/x");
  EXPECT_EQ(t->query, "q=1");
  EXPECT_EQ(normalize_target("http://h")->path, "/");
}

TEST(RequestTarget, UpstreamPath) {
  EXPECT_EQ(upstream_path("/api/bookings/7", "/api/bookings", true, ""), "/7");
  EXPECT_EQ(upstream_path("/api/bookings", "/api/bookings", true, "/v2"), "/v2/");
  EXPECT_EQ(upstream_path("/api/bookings/7", "/api/bookings", false, "/v2"), "/v2/api/bookings/7");
  EXPECT_EQ(upstream_path("/x", "/", true, ""), "/x");
}
