#pragma once
#include <ctime>
#include <string>
#include <string_view>

namespace gatehouse {

// IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(std::time_t t);

// The current time as an IMF-fixdate, formatted at most once a second per
// thread: every response needs one, so it must cost next to nothing.
std::string_view http_date_now();

}  // namespace gatehouse
