#include <gtest/gtest.h>

#include "gatehouse/http_date.hpp"

using namespace gatehouse;

TEST(HttpDate, FormatsImfFixdate) {
  EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's own example
  EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(HttpDate, NowIsTodaysDate) {
  std::time_t before = std::time(nullptr);
  std::string now(http_date_now());
  std::time_t after = std::time(nullptr);
  EXPECT_TRUE(now == format_http_date(before) || now == format_http_date(after)) << now;
}
