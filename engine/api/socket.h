#pragma once
// Design: a TCP cosocket (lua-nginx-module's ngx_http_lua_socket_tcp_upstream_t). Lua holds
// a table whose [1] is a userdata owning a shared TcpCosocket; the connection is a
// net::Stream (a net::TcpStream: TCP or unix) on the engine thread's io_context. Each call
// first tries what the stream takes at once; only when it would block does the coroutine
// park (reason "socket") while the stream waits with the call's timeout, and the
// completion wakes it through the scheduler like any other event. Connections end with
// close(), the keepalive pool, the request's end, or the object's collection.

#include "engine/api/socketobject.h"
#include "engine/api/socketread.h"

#include "engine/net/stream.h"

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

struct lua_State;

namespace restyscope::engine::sched {
class RequestCtx;
struct CoCtx;
} // namespace restyscope::engine::sched

namespace restyscope::engine::api::cosocket {

// lua_socket_connect_timeout, _send_timeout, _read_timeout, _keepalive_timeout and
// lua_socket_pool_size defaults.
inline constexpr int kDefaultTimeoutMs = 60000;
inline constexpr int kDefaultKeepaliveMs = 60000;
inline constexpr int kDefaultPoolSize = 30;

// The lua_socket_* settings of the request's location (the defaults for a timer).
struct SocketSettings
{
    int connectTimeout = kDefaultTimeoutMs;
    int sendTimeout = kDefaultTimeoutMs;
    int readTimeout = kDefaultTimeoutMs;
    int keepaliveTimeout = kDefaultKeepaliveMs;
    int poolSize = kDefaultPoolSize;
    bool logErrors = true;
};
SocketSettings socketSettings(const sched::RequestCtx& ctx);

// The coroutine parked on an operation. active turns false when the operation is
// cancelled (thread killed, request gone), so a late completion does nothing.
struct Waiter
{
    std::weak_ptr<sched::RequestCtx> ctx;
    sched::CoCtx* co = nullptr;
    bool active = true;
    // The socket, kept alive while the coroutine waits on it even if Lua dropped it (the
    // yield cut the stack that referenced it); released on wake or cancel.
    std::shared_ptr<void> anchor;
};

struct TcpCosocket
{
    explicit TcpCosocket(asio::io_context& io) : io(io) {}
    ~TcpCosocket() { closeStream(); }

    asio::io_context& io;
    std::unique_ptr<net::Stream> stream; // null: never connected, closed or pooled
    std::string buffer;                  // received, not yet handed to Lua
    std::unique_ptr<char[]> readChunk;   // a parked read's bytes land here (made on first use)
    bool eof = false;                    // the peer closed its side
    bool readClosed = false;             // a read failed: further receives answer "closed"
    bool writeClosed = false;            // a send failed
    int connectTimeout = 0;              // ms; 0: the location's lua_socket_*_timeout
    int sendTimeout = 0;
    int readTimeout = 0;
    SocketSettings settings; // of the location that connected it
    std::string peer;        // "127.0.0.1:8080" or "unix:/path", for views and logs
    std::string poolKey;     // "host:port", "unix:/path" or the pool option
    int poolSize = 0;        // the pool_size option of connect (0: none given)
    int reusedTimes = 0;
    std::uint64_t requestId = 0;  // the controlling request
    std::uint64_t cleanupFor = 0; // the request whose end closes the connection
    std::shared_ptr<Waiter> connectWaiter, readWaiter, writeWaiter;

    bool connected() const { return stream != nullptr; }
    // Closes the connection (not the object: it can connect again).
    void closeStream();
};

// nginx's URL parser on a cosocket host: "" when it takes it, else the error connect
// returns ("failed to parse host name "::1": invalid port"). unixPath: a "unix:" host.
std::string hostParseError(const std::string& host, bool unixPath);
// The address of an IP-literal host (an IPv6 one in brackets or not); for a name, nullopt
// with nil and nginx's "no resolver defined to resolve" error pushed (2 results).
std::optional<asio::ip::address> hostAddress(lua_State* L, const std::string& host);

// The TcpCosocket of the object at index; nullptr when it is none.
std::shared_ptr<TcpCosocket> tcpOf(lua_State* L, int index);

// Parks the calling coroutine of ctx with reason "socket", waiting on `what` ("recv
// 127.0.0.1:80"); cancel runs when the thread is killed or the request ends.
int park(lua_State* L, sched::RequestCtx& ctx, const std::shared_ptr<Waiter>& waiter,
         std::string what, std::function<void()> cancel);
// Resumes the parked coroutine with what push leaves on its stack.
void wake(const std::shared_ptr<Waiter>& waiter, const std::function<int(lua_State*)>& push);
// A new waiter for the calling coroutine.
std::shared_ptr<Waiter> newWaiter(lua_State* L, sched::RequestCtx& ctx);

// nginx's error-log lines of lua_socket_log_errors (off: not logged).
void logSocketError(const sched::RequestCtx& ctx, const std::string& message, bool crit = false);
// A failed connect()/send()/recv(): nginx's core logs those whatever lua_socket_log_errors.
void logSyscallError(const sched::RequestCtx& ctx, const std::string& message, bool crit = false);
// "attempt to <op> data on a closed socket: u:..., c:..., ft:0 eof:0"
void logClosedSocket(const sched::RequestCtx& ctx, const char* op, const TcpCosocket* s);
// "recv() failed (104: Connection reset by peer)": a failed syscall as nginx logs it.
std::string syscallFailed(const std::string& call, int error);
// errno as LuaSocket words it: strerror, lowercased ("connection reset by peer").
std::string socketErrorText(int error);

// Closes the connection when the request ends (nginx's request pool cleanup).
void closeAtRequestEnd(sched::RequestCtx& ctx, const std::shared_ptr<TcpCosocket>& s);

// send's data argument at index appended to out: a string, number, boolean, nil, or an
// array of strings and numbers (nested); anything else raises nginx's argument error.
void sendData(lua_State* L, int index, std::string& out);

// Installs the udp object's methods and ngx.socket.udp on the socket table on the stack top.
/* stack: socket -> socket */
void installUdp(lua_State* L);

// Installs setoption/getoption/sslhandshake on the methods table on the stack top.
/* stack: methods -> methods */
void installTcpOptions(lua_State* L);

// Install the methods on the methods table on the stack top: receive, receiveany,
// receiveuntil; send. /* stack: methods -> methods */
void installTcpReceive(lua_State* L);
void installTcpSend(lua_State* L);

} // namespace restyscope::engine::api::cosocket
