// ngx.socket.udp: setpeername (IP literals and unix: paths), send, receive (one
// datagram, parking the coroutine with reason "socket" until it arrives or the read
// timeout passes), settimeout, close.

#include "engine/api/apicommon.h"
#include "engine/api/output.h"
#include "engine/api/socket.h"
#include "engine/sched/scheduler.h"

#include <asio/generic/datagram_protocol.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/udp.hpp>
#include <asio/local/datagram_protocol.hpp>
#include <asio/steady_timer.hpp>
#include <lua.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <cstdio>

namespace restyscope::engine::api::cosocket {

namespace {

char g_udpMetaKey;

constexpr std::size_t kMaxDatagram = 65536;

using Datagram = asio::generic::datagram_protocol::socket;

struct UdpCosocket
{
    explicit UdpCosocket(asio::io_context& io) : io(io), timer(io) {}
    asio::io_context& io;
    std::unique_ptr<Datagram> socket;
    int readTimeout = 0;
    std::uint64_t requestId = 0;
    std::uint64_t cleanupFor = 0;
    std::string peer;
    asio::steady_timer timer;
    std::shared_ptr<Waiter> waiter;

    void close()
    {
        timer.cancel();
        if (socket) {
            std::error_code ec;
            socket->close(ec);
            socket.reset();
        }
    }
};

std::shared_ptr<UdpCosocket> udpOf(lua_State* L, int index)
{
    return std::static_pointer_cast<UdpCosocket>(socketOfObject(L, index, &g_udpMetaKey));
}

void logClosedUdp(const sched::RequestCtx& ctx, const char* op, const UdpCosocket* s)
{
    char text[128];
    std::snprintf(text, sizeof(text), "attempt to %s data on a closed socket: u:%016llX, c:%016llX",
                  op, static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(s)),
                  static_cast<unsigned long long>(
                      s && s->socket ? reinterpret_cast<std::uintptr_t>(s->socket.get()) : 0));
    logSocketError(ctx, text);
}

int udpSetPeerName(lua_State* L)
{
    const int n = lua_gettop(L);
    if (n != 2 && n != 3) {
        return luaL_error(L,
                          "ngx.socket.udp setpeername: expecting 2 or 3 arguments (including "
                          "the object), but seen %d",
                          n);
    }
    sched::RequestCtx& ctx = requireContext(L, sched::kContextYieldable);
    luaL_checktype(L, 1, LUA_TTABLE);
    std::size_t len = 0;
    const char* text = luaL_checklstring(L, 2, &len);
    const std::string host(text, len);
    int port = 0;
    if (n == 3) {
        port = static_cast<int>(luaL_checkinteger(L, 3));
        if (port < 0 || port > 65535) {
            lua_pushnil(L);
            lua_pushfstring(L, "bad port number: %d", port);
            return 2;
        }
    }
    std::shared_ptr<UdpCosocket> s = udpOf(L, 1);
    if (!s) {
        return luaL_error(L, "bad cosocket object");
    }
    if (s->requestId != 0 && s->requestId != ctx.requestId) {
        return luaL_error(L, "bad request");
    }
    if (s->waiter) {
        return pushNilError(L, "socket busy");
    }
    s->close();
    s->requestId = ctx.requestId;
    asio::generic::datagram_protocol::endpoint endpoint;
    const bool unixPath = host.size() >= 5 && host.compare(0, 5, "unix:") == 0;
    if (const std::string parseError = hostParseError(host, unixPath); !parseError.empty()) {
        return pushNilError(L, parseError);
    }
    if (unixPath) {
        endpoint = asio::local::datagram_protocol::endpoint(host.substr(5));
        s->peer = host;
    } else {
        const std::optional<asio::ip::address> address = hostAddress(L, host);
        if (!address) {
            return 2;
        }
        endpoint = asio::ip::udp::endpoint(*address, static_cast<unsigned short>(port));
        s->peer = host + ":" + std::to_string(port);
    }
    s->socket = std::make_unique<Datagram>(s->io);
    std::error_code ec;
    s->socket->open(endpoint.protocol(), ec);
    if (!ec) {
        s->socket->non_blocking(true, ec);
    }
    int error = ec ? ec.value() : 0;
    if (!error && ::connect(s->socket->native_handle(), endpoint.data(),
                            static_cast<socklen_t>(endpoint.size())) != 0) {
        error = errno;
    }
    if (error) {
        s->close();
        logSyscallError(ctx, syscallFailed("connect()", error), true);
        return pushNilError(L, socketErrorText(error));
    }
    if (s->cleanupFor != ctx.requestId) {
        s->cleanupFor = ctx.requestId;
        ctx.endCleanups.push_back([weak = std::weak_ptr(s), id = ctx.requestId] {
            if (auto socket = weak.lock(); socket && socket->requestId == id) {
                socket->close();
            }
        });
    }
    lua_pushinteger(L, 1);
    return 1;
}

int udpSend(lua_State* L)
{
    if (lua_gettop(L) != 2) {
        return luaL_error(L, "expecting 2 arguments (including the object), but got %d",
                          lua_gettop(L));
    }
    sched::RequestCtx& ctx = checkRequest(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    std::shared_ptr<UdpCosocket> s = udpOf(L, 1);
    if (!s || !s->socket) {
        logClosedUdp(ctx, "send", s.get());
        return pushNilError(L, "closed");
    }
    if (s->requestId != ctx.requestId) {
        return luaL_error(L, "bad request");
    }
    if (s->waiter) {
        return pushNilError(L, "socket busy");
    }
    std::string data;
    sendData(L, 2, data);
    const ssize_t n =
        ::send(s->socket->native_handle(), data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
        const int error = errno;
        logSyscallError(ctx, syscallFailed("send()", error));
        return pushNilError(L, socketErrorText(error));
    }
    if (static_cast<std::size_t>(n) != data.size()) {
        return pushNilError(L, "partial write");
    }
    lua_pushinteger(L, 1);
    return 1;
}

// One datagram now: 1 value pushed, an error (2), or 0 when none is there yet.
int tryReceive(lua_State* L, UdpCosocket& s, std::size_t size, const sched::RequestCtx* ctx)
{
    std::string buffer(size, '\0');
    for (;;) {
        const ssize_t n = ::recv(s.socket->native_handle(), buffer.data(), size, MSG_DONTWAIT);
        if (n >= 0) {
            lua_pushlstring(L, buffer.data(), static_cast<std::size_t>(n));
            return 1;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return 0;
        }
        const int error = errno;
        if (ctx) {
            logSyscallError(*ctx, syscallFailed("recv()", error));
        }
        return pushNilError(L, socketErrorText(error));
    }
}

void armReceive(const std::shared_ptr<UdpCosocket>& s, const std::shared_ptr<Waiter>& waiter,
                std::size_t size)
{
    s->socket->async_wait(
        Datagram::wait_read, [weak = std::weak_ptr(s), waiter, size](const std::error_code&) {
            auto s = weak.lock();
            if (!s || !waiter->active || s->waiter != waiter) {
                return;
            }
            if (!s->socket) {
                s->waiter.reset();
                wake(waiter, [](lua_State* co) { return pushNilError(co, "closed"); });
                return;
            }
            // Peek first: the datagram must land on the woken coroutine's stack.
            char probe = 0;
            if (::recv(s->socket->native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
                (errno == EAGAIN || errno == EWOULDBLOCK)) {
                armReceive(s, waiter, size);
                return;
            }
            s->waiter.reset();
            s->timer.cancel();
            auto ctx = waiter->ctx.lock();
            wake(waiter, [s, size, ctx](lua_State* co) {
                const int n = tryReceive(co, *s, size, ctx.get());
                return n == 0 ? pushNilError(co, "timeout") : n;
            });
        });
}

int udpReceive(lua_State* L)
{
    const int n = lua_gettop(L);
    if (n != 1 && n != 2) {
        return luaL_error(L, "expecting 1 or 2 arguments (including the object), but got %d", n);
    }
    sched::RequestCtx& ctx = checkRequest(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    std::shared_ptr<UdpCosocket> s = udpOf(L, 1);
    if (!s || !s->socket) {
        logClosedUdp(ctx, "receive", s.get());
        return pushNilError(L, "closed");
    }
    if (s->requestId != ctx.requestId) {
        return luaL_error(L, "bad request");
    }
    if (s->waiter) {
        return pushNilError(L, "socket busy");
    }
    const lua_Number wanted = luaL_optnumber(L, 2, static_cast<lua_Number>(kMaxDatagram));
    std::size_t size = kMaxDatagram;
    if (wanted >= 0 && wanted < static_cast<lua_Number>(kMaxDatagram)) {
        size = static_cast<std::size_t>(wanted);
    }
    if (const int got = tryReceive(L, *s, size, &ctx); got > 0) {
        return got;
    }
    auto waiter = newWaiter(L, ctx);
    s->waiter = waiter;
    const int timeout = s->readTimeout > 0 ? s->readTimeout : socketSettings(ctx).readTimeout;
    s->timer.expires_after(std::chrono::milliseconds(timeout));
    s->timer.async_wait([weak = std::weak_ptr(s), waiter](const std::error_code& error) {
        auto s = weak.lock();
        if (error || !s || !waiter->active || s->waiter != waiter) {
            return;
        }
        s->waiter.reset();
        if (auto ctx = waiter->ctx.lock()) {
            logSocketError(*ctx, "lua udp socket read timed out");
        }
        wake(waiter, [](lua_State* co) { return pushNilError(co, "timeout"); });
    });
    armReceive(s, waiter, size);
    waiter->anchor = s;
    return park(L, ctx, waiter, "recv udp " + s->peer, [weak = std::weak_ptr(s), waiter] {
        waiter->active = false;
        if (auto s = weak.lock(); s && s->waiter == waiter) {
            s->waiter.reset();
            s->timer.cancel();
        }
    });
}

int udpSetTimeout(lua_State* L)
{
    if (lua_gettop(L) != 2) {
        return luaL_error(L,
                          "ngx.socket settimeout: expecting at least 2 arguments (including the "
                          "object) but seen %d",
                          lua_gettop(L));
    }
    const auto timeout = static_cast<long long>(lua_tonumber(L, 2));
    luaL_checktype(L, 1, LUA_TTABLE);
    if (auto s = udpOf(L, 1)) {
        s->readTimeout = timeout > 0 ? static_cast<int>(timeout) : 0;
    }
    return 0;
}

int udpClose(lua_State* L)
{
    if (lua_gettop(L) != 1) {
        return luaL_error(L, "expecting 1 argument (including the object) but seen %d",
                          lua_gettop(L));
    }
    sched::RequestCtx& ctx = checkRequest(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    std::shared_ptr<UdpCosocket> s = udpOf(L, 1);
    if (!s || !s->socket) {
        return pushNilError(L, "closed");
    }
    if (s->requestId != ctx.requestId) {
        return luaL_error(L, "bad request");
    }
    if (s->waiter) {
        return pushNilError(L, "socket busy");
    }
    s->close();
    lua_pushinteger(L, 1);
    return 1;
}

int udpBind(lua_State* L)
{
    return luaL_error(L, "udpsock:bind is not supported by restyscope");
}

/* stack: -> methods */
void pushUdpMethods(lua_State* L)
{
    lua_createtable(L, 0, 6);
    setFunction(L, "setpeername", udpSetPeerName);
    setFunction(L, "send", udpSend);
    setFunction(L, "receive", udpReceive);
    setFunction(L, "settimeout", udpSetTimeout);
    setFunction(L, "close", udpClose);
    setFunction(L, "bind", udpBind);
}

int socketUdp(lua_State* L)
{
    if (lua_gettop(L) != 0) {
        return luaL_error(L, "expecting zero arguments, but got %d", lua_gettop(L));
    }
    sched::RequestCtx& ctx = requireContext(L, sched::kContextYieldable);
    pushSocketObject(L, &g_udpMetaKey, pushUdpMethods,
                     std::make_shared<UdpCosocket>(ctx.scheduler.io()));
    return 1;
}

} // namespace

void installUdp(lua_State* L)
{
    /* stack: socket -> socket */
    setFunction(L, "udp", socketUdp);
}

} // namespace restyscope::engine::api::cosocket
