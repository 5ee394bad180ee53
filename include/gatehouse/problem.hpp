#pragma once
#include <string>
#include <string_view>

#include "gatehouse/request_info.hpp"

namespace gatehouse {

// An error the gateway answers itself, as RFC 9457 application/problem+json.
struct Problem {
  int status = 500;
  std::string_view type;   // stable: "/problems/no-route"
  std::string_view title;  // stable short summary
  std::string detail;      // this occurrence
};

// The usual problem for an error code (status, type, title); `detail` is left empty.
Problem problem_for(ErrorCode code);
// The problem for a request refused while its head was read, where the
// status says more than the code: 431, 501 and 505 have types of their own.
Problem problem_for(ErrorCode code, int status);

// {"type":...,"title":...,"status":...,"detail":...,"instance":...,"request_id":...}
std::string problem_body(const Problem& p, std::string_view instance, std::string_view request_id);

}  // namespace gatehouse
