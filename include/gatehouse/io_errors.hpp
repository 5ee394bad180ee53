#pragma once
#include "gatehouse/net.hpp"

namespace gatehouse {

// The errors that mean "the peer went away" (closed, reset, timed out or the
// operation was cancelled at drain), as opposed to a protocol error.
bool is_disconnect(const error_code& ec);

}  // namespace gatehouse
