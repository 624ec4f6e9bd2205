// ngx.socket.tcp / ngx.socket.connect / ngx.socket.stream: the cosocket object, connect
// (IP literals and unix: paths; names need a resolver nginx would ask), close, timeouts,
// the keepalive pool, socket options. Reads and writes are in
// socketreceive.cpp and socketsend.cpp.

#include "engine/api/socket.h"
#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/api/socketpool.h"
#include "engine/net/tcpstream.h"
#include "engine/runtime/bytecode.h"
#include "engine/sched/scheduler.h"

#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <lua.hpp>

#include <cctype>
#include <cerrno>

namespace restyscope::engine::api {

namespace cosocket {

namespace {

char g_tcpMetaKey; // registry[&g_tcpMetaKey] = the metatable of cosocket tables

bool startsWithUnix(std::string_view host)
{
    if (host.size() < 5) {
        return false;
    }
    for (std::size_t i = 0; i < 5; ++i) {
        if (std::tolower(static_cast<unsigned char>(host[i])) != "unix:"[i]) {
            return false;
        }
    }
    return true;
}

// The busy checks every operation makes first ("socket busy reading", ...).
bool busy(lua_State* L, const TcpCosocket& s, bool connecting, bool reading, bool writing,
          int& nret)
{
    const char* what = nullptr;
    if (connecting && s.connectWaiter) {
        what = "socket busy connecting";
    } else if (reading && s.readWaiter) {
        what = "socket busy reading";
    } else if (writing && s.writeWaiter) {
        what = "socket busy writing";
    }
    if (!what) {
        return false;
    }
    nret = pushNilError(L, what);
    return true;
}

// Finishes a connect whose result is known: 1, or nil and the error (logged as nginx does).
int connectResult(lua_State* L, sched::RequestCtx* ctx, TcpCosocket& s, int error, bool unixPath)
{
    if (error == 0) {
        lua_pushinteger(L, 1);
        return 1;
    }
    s.closeStream();
    if (ctx) {
        if (unixPath) {
            logSyscallError(*ctx, syscallFailed("connect() to " + s.peer, error), true);
        } else {
            logSyscallError(*ctx, syscallFailed("connect()", error));
        }
    }
    return pushNilError(L, socketErrorText(error));
}

// Waits for a non-blocking connect to finish (writable, then SO_ERROR) or time out.
int parkConnect(lua_State* L, sched::RequestCtx& ctx, const std::shared_ptr<TcpCosocket>& s,
                net::TcpStream& connecting)
{
    auto waiter = newWaiter(L, ctx);
    s->connectWaiter = waiter;
    const int timeout = s->connectTimeout > 0 ? s->connectTimeout : s->settings.connectTimeout;
    std::weak_ptr<TcpCosocket> weak = s;
    connecting.finishConnect(net::Timeout(timeout), [weak, waiter](const std::error_code& error) {
        auto s = weak.lock();
        if (!s || !waiter->active || s->connectWaiter != waiter) {
            return;
        }
        s->connectWaiter.reset();
        if (error == net::timedOut()) {
            if (auto ctx = waiter->ctx.lock()) {
                const auto colon = s->peer.rfind(':');
                logSocketError(*ctx, "lua tcp socket connect timed out, when connecting to " +
                                         s->peer.substr(0, colon) + ":" +
                                         s->peer.substr(colon + 1));
            }
            s->closeStream();
            wake(waiter, [](lua_State* co) { return pushNilError(co, "timeout"); });
            return;
        }
        // The wait failed or the connection was closed under it: as nginx, "aborted".
        const int soError =
            error == asio::error::operation_aborted || !s->stream ? ECONNABORTED : error.value();
        auto ctx = waiter->ctx.lock();
        wake(waiter, [s, soError, ctx](lua_State* co) {
            return connectResult(co, ctx.get(), *s, soError, false);
        });
    });
    waiter->anchor = s;
    return park(L, ctx, waiter, "connect " + s->peer, [weak, waiter] {
        waiter->active = false;
        if (auto s = weak.lock()) {
            s->connectWaiter.reset();
            s->closeStream();
        }
    });
}

// Reads connect's options table (pool, pool_size; backlog is accepted and not used).
int readConnectOptions(lua_State* L, int index, std::string& pool, bool& customPool, int& poolSize)
{
    lua_getfield(L, index, "pool_size");
    if (lua_type(L, -1) == LUA_TNUMBER) {
        const auto size = static_cast<int>(lua_tointeger(L, -1));
        if (size <= 0) {
            const char* msg = lua_pushfstring(L, "bad \"pool_size\" option value: %d", size);
            return luaL_argerror(L, index, msg);
        }
        poolSize = size;
    } else if (!lua_isnil(L, -1)) {
        const char* msg =
            lua_pushfstring(L, "bad \"pool_size\" option type: %s", luaL_typename(L, -1));
        return luaL_argerror(L, index, msg);
    }
    lua_pop(L, 1);
    lua_getfield(L, index, "backlog");
    if (lua_type(L, -1) == LUA_TNUMBER) {
        const auto backlog = static_cast<int>(lua_tointeger(L, -1));
        if (backlog < 0) {
            const char* msg = lua_pushfstring(L, "bad \"backlog\" option value: %d", backlog);
            return luaL_argerror(L, index, msg);
        }
    } else if (!lua_isnil(L, -1)) {
        const char* msg =
            lua_pushfstring(L, "bad \"backlog\" option type: %s", luaL_typename(L, -1));
        return luaL_argerror(L, index, msg);
    }
    lua_pop(L, 1);
    lua_getfield(L, index, "pool");
    switch (lua_type(L, -1)) {
    case LUA_TNUMBER:
    case LUA_TSTRING: {
        std::size_t len = 0;
        const char* text = lua_tolstring(L, -1, &len);
        pool.assign(text, len);
        customPool = true;
        break;
    }
    case LUA_TNIL: break;
    default: {
        const char* msg = lua_pushfstring(L, "bad \"pool\" option type: %s", luaL_typename(L, -1));
        return luaL_argerror(L, index, msg);
    }
    }
    lua_pop(L, 1);
    return 0;
}

int tcpConnect(lua_State* L)
{
    int n = lua_gettop(L);
    if (n < 2 || n > 4) {
        return luaL_error(L,
                          "ngx.socket connect: expecting 2, 3, or 4 arguments (including the "
                          "object), but seen %d",
                          n);
    }
    sched::RequestCtx& ctx = requireContext(L, sched::kContextYieldable);
    luaL_checktype(L, 1, LUA_TTABLE);
    std::size_t hostLen = 0;
    const char* hostText = luaL_checklstring(L, 2, &hostLen);
    const std::string host(hostText, hostLen);

    std::string pool;
    bool customPool = false;
    int poolSize = 0;
    if (lua_type(L, n) == LUA_TTABLE) {
        readConnectOptions(L, n, pool, customPool, poolSize);
        --n;
    }
    if (n == 4) {
        --n; // a fourth argument that is not a table is ignored
    }
    int port = 0;
    const bool unixPath = startsWithUnix(host);
    if (n == 3 && lua_isnumber(L, 3)) {
        port = static_cast<int>(lua_tointeger(L, 3));
        if (port < 0 || port > 65535) {
            lua_pushnil(L);
            lua_pushfstring(L, "bad port number: %d", port);
            return 2;
        }
    } else if (!unixPath) {
        return pushNilError(L, "missing the port number");
    }
    const bool withPort = n == 3 && lua_isnumber(L, 3);
    const std::string peer = withPort ? host + ":" + std::to_string(port) : host;

    std::shared_ptr<TcpCosocket> s = tcpOf(L, 1);
    if (!s) {
        return luaL_error(L, "bad cosocket object");
    }
    if (s->requestId != 0 && s->requestId != ctx.requestId) {
        return luaL_error(L, "bad request");
    }
    int nret = 0;
    if (busy(L, *s, true, true, true, nret)) {
        return nret;
    }
    s->closeStream();
    s->buffer.clear();
    s->eof = s->readClosed = s->writeClosed = false;
    s->reusedTimes = 0;
    s->requestId = ctx.requestId;
    s->peer = peer;
    s->poolKey = customPool ? pool : peer;
    s->poolSize = poolSize;
    s->settings = socketSettings(ctx);

    if (auto pooled = socketPoolOf(L).take(s->poolKey, s->reusedTimes)) {
        s->stream = std::move(pooled);
        closeAtRequestEnd(ctx, s);
        lua_pushinteger(L, 1);
        return 1;
    }

    if (const std::string parseError = hostParseError(host, unixPath); !parseError.empty()) {
        s->closeStream();
        return pushNilError(L, parseError);
    }
    net::Endpoint endpoint;
    if (unixPath) {
        endpoint = asio::local::stream_protocol::endpoint(host.substr(5));
    } else {
        const std::optional<asio::ip::address> address = hostAddress(L, host);
        if (!address) {
            return 2;
        }
        endpoint = asio::ip::tcp::endpoint(*address, static_cast<unsigned short>(port));
    }
    auto stream = std::make_unique<net::TcpStream>(s->io);
    net::TcpStream& connecting = *stream;
    s->stream = std::move(stream);
    const std::error_code ec = connecting.startConnect(endpoint);
    if (connecting.isOpen()) {
        closeAtRequestEnd(ctx, s);
    }
    if (!ec) {
        lua_pushinteger(L, 1);
        return 1;
    }
    if (ec != asio::error::in_progress) {
        return connectResult(L, &ctx, *s, ec.value(), unixPath);
    }
    return parkConnect(L, ctx, s, connecting);
}

int tcpClose(lua_State* L)
{
    if (lua_gettop(L) != 1) {
        return luaL_error(L, "expecting 1 argument (including the object) but seen %d",
                          lua_gettop(L));
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    sched::RequestCtx& ctx = checkRequest(L);
    std::shared_ptr<TcpCosocket> s = tcpOf(L, 1);
    if (!s || !s->connected()) {
        return pushNilError(L, "closed");
    }
    if (s->requestId != ctx.requestId) {
        return luaL_error(L, "bad request");
    }
    int nret = 0;
    if (busy(L, *s, true, true, true, nret)) {
        return nret;
    }
    s->closeStream();
    lua_pushinteger(L, 1);
    return 1;
}

int timeoutArgument(lua_State* L, int index)
{
    // nginx converts with lua_tonumber (a non-number is 0) and refuses what does not fit
    // 31 bits.
    const lua_Number value = lua_tonumber(L, index);
    const auto timeout = value >= 9.2e18 ? (1LL << 62) : static_cast<long long>(value);
    if ((timeout >> 31) != 0) {
        return luaL_error(L, "bad timeout value");
    }
    return static_cast<int>(timeout);
}

int tcpSetTimeout(lua_State* L)
{
    if (lua_gettop(L) != 2) {
        return luaL_error(L,
                          "ngx.socket settimeout: expecting 2 arguments (including the object) "
                          "but seen %d",
                          lua_gettop(L));
    }
    const int timeout = timeoutArgument(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    if (auto s = tcpOf(L, 1)) {
        s->connectTimeout = s->sendTimeout = s->readTimeout = timeout;
    }
    return 0;
}

int tcpSetTimeouts(lua_State* L)
{
    if (lua_gettop(L) != 4) {
        return luaL_error(L,
                          "ngx.socket settimeout: expecting 4 arguments (including the object) "
                          "but seen %d",
                          lua_gettop(L));
    }
    const int connectTimeout = timeoutArgument(L, 2);
    const int sendTimeout = timeoutArgument(L, 3);
    const int readTimeout = timeoutArgument(L, 4);
    luaL_checktype(L, 1, LUA_TTABLE);
    if (auto s = tcpOf(L, 1)) {
        s->connectTimeout = connectTimeout;
        s->sendTimeout = sendTimeout;
        s->readTimeout = readTimeout;
    }
    return 0;
}

int tcpGetReusedTimes(lua_State* L)
{
    if (lua_gettop(L) != 1) {
        return luaL_error(L, "expecting 1 argument (including the object), but got %d",
                          lua_gettop(L));
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    std::shared_ptr<TcpCosocket> s = tcpOf(L, 1);
    if (!s || !s->connected()) {
        return pushNilError(L, "closed");
    }
    lua_pushinteger(L, s->reusedTimes);
    return 1;
}

int tcpSetKeepalive(lua_State* L)
{
    const int n = lua_gettop(L);
    if (n < 1 || n > 3) {
        return luaL_error(L, "expecting 1 to 3 arguments (including the object), but got %d", n);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    std::shared_ptr<TcpCosocket> s = tcpOf(L, 1);
    if (!s || !s->connected() || s->readClosed || s->writeClosed || s->eof) {
        return pushNilError(L, "closed");
    }
    // A peer that already closed its side (nginx sees EPOLLRDHUP) is no keepalive candidate.
    const net::Peek peeked = s->stream->peek();
    if (peeked == net::Peek::Closed) {
        return pushNilError(L, "closed");
    }
    sched::RequestCtx& ctx = checkRequest(L);
    if (s->requestId != ctx.requestId) {
        return luaL_error(L, "bad request");
    }
    int nret = 0;
    if (busy(L, *s, true, true, true, nret)) {
        return nret;
    }
    if (!s->buffer.empty()) {
        return pushNilError(L, "unread data in buffer");
    }
    if (peeked == net::Peek::Data) {
        s->closeStream();
        return pushNilError(L, "connection in dubious state");
    }
    int capacity = s->poolSize > 0 ? s->poolSize : socketSettings(ctx).poolSize;
    if (n >= 3 && !lua_isnil(L, 3)) {
        capacity = static_cast<int>(luaL_checkinteger(L, 3));
        if (capacity <= 0) {
            const char* msg = lua_pushfstring(L, "bad \"pool_size\" option value: %d", capacity);
            return luaL_argerror(L, n, msg);
        }
    }
    int timeout = socketSettings(ctx).keepaliveTimeout;
    if (n >= 2 && !lua_isnil(L, 2)) {
        timeout = static_cast<int>(luaL_checkinteger(L, 2));
    }
    socketPoolOf(L).put(s->poolKey, std::move(s->stream), s->reusedTimes,
                        net::Timeout(timeout < 0 ? 0 : timeout),
                        static_cast<std::size_t>(capacity > 0 ? capacity : kDefaultPoolSize));
    s->closeStream();
    lua_pushinteger(L, 1);
    return 1;
}

/* stack: -> methods */
void pushTcpMethods(lua_State* L)
{
    lua_createtable(L, 0, 16);
    setFunction(L, "connect", tcpConnect);
    setFunction(L, "close", tcpClose);
    setFunction(L, "settimeout", tcpSetTimeout);
    setFunction(L, "settimeouts", tcpSetTimeouts);
    setFunction(L, "setkeepalive", tcpSetKeepalive);
    setFunction(L, "getreusedtimes", tcpGetReusedTimes);
    installTcpReceive(L);
    installTcpSend(L);
    installTcpOptions(L);
}

/* stack: -> cosocket */
void pushTcpObject(lua_State* L, sched::RequestCtx& ctx)
{
    pushSocketObject(L, &g_tcpMetaKey, pushTcpMethods,
                     std::make_shared<TcpCosocket>(ctx.scheduler.io()));
}

int socketTcp(lua_State* L)
{
    if (lua_gettop(L) != 0) {
        return luaL_error(L, "expecting zero arguments, but got %d", lua_gettop(L));
    }
    sched::RequestCtx& ctx = requireContext(L, sched::kContextYieldable);
    pushTcpObject(L, ctx);
    return 1;
}

} // namespace

std::shared_ptr<TcpCosocket> tcpOf(lua_State* L, int index)
{
    return std::static_pointer_cast<TcpCosocket>(socketOfObject(L, index, &g_tcpMetaKey));
}

} // namespace cosocket

void installSocket(lua_State* L)
{
    /* stack: ngx -> ngx */
    lua_getfield(L, -1, "socket");
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_createtable(L, 0, 4);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, "socket");
    }
    setFunction(L, "tcp", cosocket::socketTcp);
    lua_getfield(L, -1, "tcp");
    lua_setfield(L, -2, "stream"); // the same function, as in lua-nginx-module
    cosocket::installUdp(L);
    // ngx.socket.connect(...): a new cosocket and its connect, in Lua so that the connect
    // can yield (lua-nginx-module defines it the same way, chunk name included).
    // Compiled once per process: loading its bytecode into every new VM (one per request
    // with lua_code_cache off) costs a fraction of parsing the source again.
    static const std::string kConnectBytecode = [] {
        static constexpr char kConnect[] = "local s = ngx.socket.tcp() "
                                           "local ok, err = s:connect(...) "
                                           "if not ok then return nil, err end return s";
        std::string dump;
        if (lua_State* scratch = luaL_newstate()) {
            if (luaL_loadbuffer(scratch, kConnect, sizeof(kConnect) - 1, "=ngx.socket.connect") ==
                0) {
                dump = runtime::dumpFunction(scratch).value_or(std::string());
            }
            lua_close(scratch);
        }
        return dump;
    }();
    if (!kConnectBytecode.empty() &&
        luaL_loadbuffer(L, kConnectBytecode.data(), kConnectBytecode.size(),
                        "=ngx.socket.connect") == 0) {
        lua_setfield(L, -2, "connect");
    } else {
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

} // namespace restyscope::engine::api
