#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gatehouse/net.hpp"

namespace gatehouse {

struct PostResult {
  int status = 0;                             // 0: no answer (connect failed, timed out)
  std::string error;                          // why, when status is 0
  std::optional<std::chrono::seconds> retry_after;
};

// POSTs `body` to an http:// or https:// URL and waits for the status, all
// within `timeout`. Used off the request path (the error reporter's thread).
Awaitable<PostResult> http_post(ssl::context& tls, const std::string& url,
                                      const std::vector<std::pair<std::string, std::string>>& headers,
                                      const std::string& body, std::chrono::milliseconds timeout);

}  // namespace gatehouse
