#pragma once
#include <string>
#include <string_view>

#include "gatehouse/request_info.hpp"
#include "gatehouse/settings.hpp"

namespace gatehouse {

// Appends one access-log line (ending in '\n') for `info` to `out`.
// Query values whose names look secret are replaced by REDACTED; control
// and non-ASCII bytes are escaped so that one request is always one line.
void append_access_line(std::string& out, const RequestInfo& info, LogFormat format);

// The target with secret-looking query values replaced by REDACTED.
std::string redact_target(std::string_view target);
bool is_secret_parameter(std::string_view name);

// Escaping helpers, shared with problem+json bodies.
void append_json_string(std::string& out, std::string_view text);

}  // namespace gatehouse
