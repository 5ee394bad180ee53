#include "gatehouse/io_errors.hpp"

namespace gatehouse {

bool is_disconnect(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::operation_aborted || ec == beast::error::timeout || ec == http::error::end_of_stream ||
         ec == http::error::partial_message;
}

}  // namespace gatehouse
