#pragma once
#include <vector>

#include "gatehouse/net.hpp"

namespace gatehouse {

// Opens one SO_REUSEPORT acceptor per io_context on the same address and
// port, so that the kernel spreads connections over the workers. Port 0
// picks a free port once, and every worker binds that one.
// Throws std::system_error on failure.
std::vector<tcp::acceptor> open_listeners(const std::vector<asio::io_context*>& contexts, const std::string& address,
                                          std::uint16_t port);

}  // namespace gatehouse
