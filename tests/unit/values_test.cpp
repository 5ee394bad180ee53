#include <gtest/gtest.h>

#include "gatehouse/cidr.hpp"
#include "gatehouse/values.hpp"

using namespace gatehouse;
using namespace std::chrono_literals;

TEST(Values, Durations) {
  EXPECT_EQ(parse_duration("250ms"), 250ms);
  EXPECT_EQ(parse_duration("5s"), 5000ms);
  EXPECT_EQ(parse_duration("2m"), 120000ms);
  EXPECT_EQ(parse_duration("1h"), 3600000ms);
  EXPECT_EQ(parse_duration("7"), 7000ms);
  EXPECT_FALSE(parse_duration("5 sec"));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(120000ms), "2m");
}

TEST(Values, Sizes) {
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("64k"), 64u * 1024);
  EXPECT_EQ(parse_size("10M"), 10u << 20);
  EXPECT_EQ(parse_size("1g"), 1ull << 30);
  EXPECT_FALSE(parse_size("1t"));
  EXPECT_FALSE(parse_size("ten"));
  EXPECT_EQ(format_size(0), "unlimited");
  EXPECT_EQ(format_size(100u << 20), "100MiB");
}

TEST(Values, BoolsAndInts) {
  EXPECT_EQ(parse_bool("Yes"), true);
  EXPECT_EQ(parse_bool("off"), false);
  EXPECT_FALSE(parse_bool("maybe"));
  EXPECT_EQ(parse_int("42", 1, 100), 42);
  EXPECT_FALSE(parse_int("0", 1, 100));
  EXPECT_FALSE(parse_int("4x", 1, 100));
}

TEST(Cidr, MatchesV4AndV6) {
  auto net = Cidr::parse("10.1.0.0/16");
  ASSERT_TRUE(net);
  EXPECT_TRUE(net->contains("10.1.200.3"));
  EXPECT_FALSE(net->contains("10.2.0.1"));
  EXPECT_FALSE(net->contains("fd00::1"));
  auto v6 = Cidr::parse("fd00::/8");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains("fd12::1"));
  EXPECT_FALSE(v6->contains("10.1.0.1"));
  auto single = Cidr::parse("127.0.0.1");
  ASSERT_TRUE(single);
  EXPECT_TRUE(single->contains("127.0.0.1"));
  EXPECT_FALSE(single->contains("127.0.0.2"));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/33"));
  EXPECT_FALSE(Cidr::parse("not-an-ip"));
}
