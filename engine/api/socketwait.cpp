// How a cosocket operation parks its coroutine and is woken, and the socket error lines
// nginx logs (lua_socket_log_errors on, its default).

#include "engine/api/apicommon.h"
#include "engine/api/socket.h"
#include "engine/conf/config.h"
#include "engine/http/connection.h"
#include "engine/sched/scheduler.h"
#include "engine/trace/errorlog.h"

#include <lua.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

namespace restyscope::engine::api::cosocket {

void TcpCosocket::closeStream()
{
    stream.reset(); // closes it; its pending calls end as aborted
}

std::shared_ptr<Waiter> newWaiter(lua_State* L, sched::RequestCtx& ctx)
{
    auto waiter = std::make_shared<Waiter>();
    waiter->ctx = ctx.weak_from_this();
    waiter->co = sched::RequestCtx::coOf(L);
    return waiter;
}

int park(lua_State* L, sched::RequestCtx& ctx, const std::shared_ptr<Waiter>& waiter,
         std::string what, std::function<void()> cancel)
{
    sched::CoCtx* co = waiter->co;
    if (!co) {
        return luaL_error(L, "no co ctx found");
    }
    co->reason = trace::YieldReason::Socket;
    co->waitingOn = std::move(what);
    co->cleanup = [cancel = std::move(cancel), waiter] {
        cancel();
        waiter->anchor.reset();
    };
    ctx.coOp = sched::CoOp::Nop;
    return lua_yield(L, 0);
}

void wake(const std::shared_ptr<Waiter>& waiter, const std::function<int(lua_State*)>& push)
{
    if (!waiter->active) {
        return;
    }
    waiter->active = false;
    const std::shared_ptr<void> anchor = std::move(waiter->anchor); // alive until resumed
    auto ctx = waiter->ctx.lock();
    if (!ctx || !waiter->co || !waiter->co->alive()) {
        return;
    }
    ctx->scheduler.wake(ctx, *waiter->co, push);
}

SocketSettings socketSettings(const sched::RequestCtx& ctx)
{
    SocketSettings settings;
    const conf::LocationConfig* location = ctx.http ? ctx.http->request.location : nullptr;
    if (!location) {
        return settings;
    }
    const conf::LocalConf& local = location->local;
    const auto ms = [](const std::optional<std::uint64_t>& value, int fallback) {
        return value ? static_cast<int>(std::min<std::uint64_t>(*value, 0x7fffffff)) : fallback;
    };
    settings.connectTimeout = ms(local.luaSocketConnectTimeoutMs, settings.connectTimeout);
    settings.sendTimeout = ms(local.luaSocketSendTimeoutMs, settings.sendTimeout);
    settings.readTimeout = ms(local.luaSocketReadTimeoutMs, settings.readTimeout);
    settings.keepaliveTimeout = ms(local.luaSocketKeepaliveTimeoutMs, settings.keepaliveTimeout);
    settings.poolSize = ms(local.luaSocketPoolSize, settings.poolSize);
    settings.logErrors = local.luaSocketLogErrors.value_or(true);
    return settings;
}

void logSyscallError(const sched::RequestCtx& ctx, const std::string& message, bool crit)
{
    logForRequest(&ctx, crit ? 3 : 4, message);
}

void logSocketError(const sched::RequestCtx& ctx, const std::string& message, bool crit)
{
    if (socketSettings(ctx).logErrors) {
        logForRequest(&ctx, crit ? 3 : 4, message);
    }
}

void logClosedSocket(const sched::RequestCtx& ctx, const char* op, const TcpCosocket* s)
{
    // nginx prints its upstream and connection pointers; these stand in for them.
    char text[160];
    std::snprintf(text, sizeof(text),
                  "attempt to %s data on a closed socket: u:%016llX, c:%016llX, ft:0 eof:%d", op,
                  static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(s)),
                  static_cast<unsigned long long>(
                      s && s->stream ? reinterpret_cast<std::uintptr_t>(s->stream.get()) : 0),
                  s && s->eof ? 1 : 0);
    logSocketError(ctx, text);
}

std::string syscallFailed(const std::string& call, int error)
{
    return call + " failed (" + std::to_string(error) + ": " + std::strerror(error) + ")";
}

std::string socketErrorText(int error)
{
    std::string text = std::strerror(error);
    for (char& c : text) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return text;
}

std::string hostParseError(const std::string& host, bool unixPath)
{
    std::string reason;
    if (unixPath) {
        if (host.size() == 5) {
            reason = "no path in the unix domain socket";
        }
    } else if (host.empty()) {
        reason = "no host";
    } else if (host.front() != '[' && host.find(':') != std::string::npos) {
        reason = "invalid port";
    }
    return reason.empty() ? reason : "failed to parse host name \"" + host + "\": " + reason;
}

std::optional<asio::ip::address> hostAddress(lua_State* L, const std::string& host)
{
    const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
    std::error_code ec;
    const asio::ip::address address =
        asio::ip::make_address(bracketed ? host.substr(1, host.size() - 2) : host, ec);
    if (ec) {
        lua_pushnil(L);
        lua_pushfstring(L, "no resolver defined to resolve \"%s\"", host.c_str());
        return std::nullopt;
    }
    return address;
}

void closeAtRequestEnd(sched::RequestCtx& ctx, const std::shared_ptr<TcpCosocket>& s)
{
    if (s->cleanupFor == ctx.requestId) {
        return;
    }
    s->cleanupFor = ctx.requestId;
    ctx.endCleanups.push_back([weak = std::weak_ptr(s), id = ctx.requestId] {
        auto socket = weak.lock();
        if (socket && socket->requestId == id) {
            socket->closeStream();
        }
    });
}

} // namespace restyscope::engine::api::cosocket
