#include "gatehouse/http_date.hpp"

#include <array>
#include <cstdio>

namespace gatehouse {
namespace {
constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::size_t format_into(std::time_t t, char (&out)[32]) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  int n = std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[static_cast<std::size_t>(tm.tm_wday)],
                        tm.tm_mday, kMonths[static_cast<std::size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                        tm.tm_sec);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}
}  // namespace

std::string format_http_date(std::time_t t) {
  char buf[32];
  return std::string(buf, format_into(t, buf));
}

std::string_view http_date_now() {
  thread_local std::time_t formatted_second = -1;
  thread_local char text[32];
  thread_local std::size_t size = 0;
  std::time_t now = std::time(nullptr);
  if (now != formatted_second) {
    size = format_into(now, text);
    formatted_second = now;
  }
  return {text, size};
}

}  // namespace gatehouse
