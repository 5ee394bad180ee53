#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse {

// IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(std::time_t t);

// An HTTP-date in any of the three forms a recipient must accept (RFC 9110
// §5.6.7): IMF-fixdate, RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT", its
// two-digit year read as within 50 years of now) and asctime ("Sun Nov  6
// 08:49:37 1994"). Anything else is nullopt.
std::optional<std::time_t> parse_http_date(std::string_view text);

// The current time as an IMF-fixdate, formatted at most once a second per
// thread: every response needs one, so it must cost next to nothing.
std::string_view http_date_now();

}  // namespace gatehouse
