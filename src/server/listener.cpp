#include "gatehouse/listener.hpp"

#include <boost/asio/socket_base.hpp>
#include <sys/socket.h>

namespace gatehouse {

std::vector<tcp::acceptor> open_listeners(const std::vector<asio::io_context*>& contexts, const std::string& address,
                                          std::uint16_t port) {
  std::vector<tcp::acceptor> out;
  tcp::endpoint endpoint(asio::ip::make_address(address), port);
  for (auto* io : contexts) {
    tcp::acceptor a(*io);
    a.open(endpoint.protocol());
    a.set_option(asio::socket_base::reuse_address(true));
    a.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true));
    a.bind(endpoint);
    a.listen(asio::socket_base::max_listen_connections);
    endpoint.port(a.local_endpoint().port());
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace gatehouse
