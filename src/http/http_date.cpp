#include "gatehouse/http_date.hpp"

#include <array>
#include <cstdio>
#include <cstring>

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

// Reads exactly `digits` decimal digits at `at`.
bool read_number(std::string_view s, std::size_t at, std::size_t digits, int& out) {
  if (at + digits > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + digits; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

int month_of(std::string_view name) {
  for (std::size_t m = 0; m < kMonths.size(); ++m)
    if (name == kMonths[m]) return static_cast<int>(m);
  return -1;
}

// "hh:mm:ss" at `at`.
bool read_time(std::string_view s, std::size_t at, std::tm& tm) {
  return read_number(s, at, 2, tm.tm_hour) && at + 8 <= s.size() && s[at + 2] == ':' && read_number(s, at + 3, 2, tm.tm_min) &&
         s[at + 5] == ':' && read_number(s, at + 6, 2, tm.tm_sec);
}

std::optional<std::time_t> to_time(std::tm& tm) {
  if (tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) return std::nullopt;
  std::tm copy = tm;
  std::time_t t = timegm(&copy);
  if (t == -1 || copy.tm_mday != tm.tm_mday) return std::nullopt;  // 31 Feb and the like
  return t;
}
}  // namespace

std::optional<std::time_t> parse_http_date(std::string_view s) {
  std::tm tm{};
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 bytes).
  if (s.size() == 29 && s[3] == ',' && s[4] == ' ' && s[7] == ' ' && s[11] == ' ' && s[16] == ' ' && s.substr(25) == " GMT") {
    if (!read_number(s, 5, 2, tm.tm_mday) || !read_number(s, 12, 4, tm.tm_year) || !read_time(s, 17, tm)) return std::nullopt;
    tm.tm_mon = month_of(s.substr(8, 3));
    tm.tm_year -= 1900;
    return to_time(tm);
  }
  // asctime: "Sun Nov  6 08:49:37 1994" (24 bytes; the day padded with a space).
  if (s.size() == 24 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[19] == ' ') {
    std::string_view day = s.substr(8, 2);
    if (day[0] == ' ') {
      if (!read_number(s, 9, 1, tm.tm_mday)) return std::nullopt;
    } else if (!read_number(s, 8, 2, tm.tm_mday)) {
      return std::nullopt;
    }
    if (!read_time(s, 11, tm) || !read_number(s, 20, 4, tm.tm_year)) return std::nullopt;
    tm.tm_mon = month_of(s.substr(4, 3));
    tm.tm_year -= 1900;
    return to_time(tm);
  }
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT".
  auto comma = s.find(", ");
  if (comma != std::string_view::npos && comma >= 6 && s.size() == comma + 24 && s[comma + 4] == '-' && s[comma + 8] == '-' &&
      s[comma + 11] == ' ' && s.substr(comma + 20) == " GMT") {
    int year = 0;
    if (!read_number(s, comma + 2, 2, tm.tm_mday) || !read_number(s, comma + 9, 2, year) || !read_time(s, comma + 12, tm))
      return std::nullopt;
    tm.tm_mon = month_of(s.substr(comma + 5, 3));
    // A two-digit year more than 50 years in the future is in the past (RFC 9110 §5.6.7).
    std::tm now{};
    std::time_t t = std::time(nullptr);
    gmtime_r(&t, &now);
    int full = (now.tm_year + 1900) / 100 * 100 + year;
    if (full > now.tm_year + 1900 + 50) full -= 100;
    else if (full + 100 <= now.tm_year + 1900 + 50) full += 100;
    tm.tm_year = full - 1900;
    return to_time(tm);
  }
  return std::nullopt;
}

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
