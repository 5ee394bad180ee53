// The one translation unit that compiles Asio-SSL's implementation.
#include <boost/asio/ssl/impl/src.hpp>
