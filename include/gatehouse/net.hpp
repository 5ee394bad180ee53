#pragma once
// The Asio/Beast vocabulary the network code shares. Only declarations: the
// implementations are compiled once in src/boost_impl/.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace gatehouse {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

// Every event loop is an io_context with one thread: its concrete executor
// type, rather than the type-erased any_io_executor, runs the coroutines and
// the hot path's sockets (no erased executor copied, compared and destroyed
// around every operation).
using Executor = asio::io_context::executor_type;
template <class T = void>
using Awaitable = asio::awaitable<T, Executor>;
using Socket = asio::basic_stream_socket<tcp, Executor>;

// Every awaited I/O call returns its error instead of throwing. The
// operation is deferred and awaited directly: the awaiting coroutine holds
// its result, where use_awaitable would start a coroutine frame of its own
// for every read and write (one more allocation, resume and pump each, and
// about 240 bytes held by every idle connection's pending read).
inline constexpr auto use_nothrow = asio::as_tuple(asio::deferred);
// Beast 1.81's own stream types (ssl_stream, tcp_stream) name their
// operations' return type through the token, which deferred cannot give:
// operations on those streams are awaited the older way.
inline constexpr auto use_nothrow_coro = asio::as_tuple(asio::use_awaitable_t<Executor>{});

// The streams of client and upstream connections are in timed_stream.hpp.

}  // namespace gatehouse
