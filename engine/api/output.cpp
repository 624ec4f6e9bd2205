// ngx.say, ngx.print, ngx.flush, ngx.eof, ngx.send_headers, ngx.status (semantics.md 4)
// and ngx.exit (3.3): output goes through the request's response writer at once, as
// lua-nginx-module pushes each call through nginx's output filters.

#include "engine/api/output.h"
#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/api/apiutil.h"
#include "engine/api/header.h"
#include "engine/api/status.h"
#include "engine/http/connection.h"
#include "engine/http/status.h"
#include "engine/runtime/vm.h"
#include "engine/sched/scheduler.h"
#include "engine/trace/tracer.h"

#include <lua.hpp>

#include <cmath>
#include <cstdio>

namespace restyscope::engine::api {

namespace {

constexpr unsigned kOutputContexts = sched::kContextRewrite | sched::kContextServerRewrite |
                                     sched::kContextAccess | sched::kContextContent;

constexpr unsigned kExitContexts =
    kOutputContexts | sched::kContextTimer | sched::kContextHeaderFilter;

// Appends one value as ngx.print writes it; false with an error for a bad value.
bool appendValue(lua_State* L, int index, std::string& out, int argNumber, std::string& error)
{
    switch (lua_type(L, index)) {
    case LUA_TSTRING: {
        std::size_t len = 0;
        const char* text = lua_tolstring(L, index, &len);
        out.append(text, len);
        return true;
    }
    case LUA_TNUMBER: appendNumber(lua_tonumber(L, index), out); return true;
    case LUA_TNIL: out.append("nil"); return true;
    case LUA_TBOOLEAN: out.append(lua_toboolean(L, index) ? "true" : "false"); return true;
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, index) == nullptr) {
            out.append("null");
            return true;
        }
        break;
    case LUA_TTABLE: {
        // An array: keys 1..n only, flattened recursively.
        const int table = index < 0 ? lua_gettop(L) + index + 1 : index;
        const std::size_t length = lua_objlen(L, table);
        std::size_t keys = 0;
        lua_pushnil(L);
        while (lua_next(L, table) != 0) {
            lua_pop(L, 1);
            const bool arrayKey = lua_type(L, -1) == LUA_TNUMBER &&
                                  lua_tonumber(L, -1) == std::floor(lua_tonumber(L, -1)) &&
                                  lua_tonumber(L, -1) >= 1 &&
                                  lua_tonumber(L, -1) <= static_cast<double>(length);
            if (!arrayKey) {
                lua_pop(L, 1);
                error = "bad argument #" + std::to_string(argNumber) +
                        " to '?' (non-array table found)";
                return false;
            }
            ++keys;
        }
        if (keys != length) {
            error =
                "bad argument #" + std::to_string(argNumber) + " to '?' (non-array table found)";
            return false;
        }
        for (std::size_t i = 1; i <= length; ++i) {
            lua_rawgeti(L, table, static_cast<int>(i));
            const bool ok = appendValue(L, -1, out, argNumber, error);
            lua_pop(L, 1);
            if (!ok) {
                return false;
            }
        }
        return true;
    }
    default: break;
    }
    error = "bad argument #" + std::to_string(argNumber) +
            " to '?' (string, number, boolean, nil, ngx.null, or array table expected, but got " +
            lua_typename(L, lua_type(L, index)) + ")";
    return false;
}

int outputValues(lua_State* L, bool newline)
{
    sched::RequestCtx& ctx = requireContext(L, kOutputContexts, "no request object found");
    if (ctx.eofSent) {
        lua_pushnil(L);
        lua_pushliteral(L, "seen eof");
        return 2;
    }
    std::string data;
    std::string error;
    const int n = lua_gettop(L);
    for (int i = 1; i <= n; ++i) {
        if (!appendValue(L, i, data, i, error)) {
            return luaL_error(L, "%s", error.c_str());
        }
    }
    if (newline) {
        data.push_back('\n');
    }
    http::HttpRequest& request = *ctx.http;
    prepareFirstOutput(ctx);
    if (request.request.headOnly) {
        // nginx marks a HEAD response header-only when its header goes out: the call that
        // sends it still succeeds, later ones answer "header only".
        const bool wasSent = request.headerSent();
        request.sendHeader();
        if (!wasSent) {
            lua_pushinteger(L, 1);
            return 1;
        }
        lua_pushnil(L);
        lua_pushliteral(L, "header only");
        return 2;
    }
    if (!request.output(data)) {
        lua_pushnil(L);
        lua_pushliteral(L, "nginx output filter error");
        return 2;
    }
    emitOutput(ctx, data.size());
    lua_pushinteger(L, 1);
    return 1;
}

int ngxSay(lua_State* L)
{
    return outputValues(L, true);
}

int ngxPrint(lua_State* L)
{
    return outputValues(L, false);
}

int ngxFlush(lua_State* L)
{
    sched::RequestCtx& ctx = requireContext(L, kOutputContexts);
    const int n = lua_gettop(L);
    bool wait = false;
    if (n > 1) {
        return luaL_error(L, "attempt to pass %d arguments, but accepted 0 or 1", n);
    }
    if (n == 1) {
        luaL_checktype(L, 1, LUA_TBOOLEAN);
        wait = lua_toboolean(L, 1) != 0;
    }
    http::HttpRequest& request = *ctx.http;
    if (!request.headerSent() || (!wait && !request.bodyDataSent())) {
        lua_pushnil(L);
        lua_pushliteral(L, "nothing to flush");
        return 2;
    }
    if (request.responseOptions.bufferWholeBody) {
        lua_pushnil(L);
        lua_pushliteral(L, "buffering");
        return 2;
    }
    if (ctx.eofSent) {
        lua_pushnil(L);
        lua_pushliteral(L, "seen eof");
        return 2;
    }
    request.output({}, true, false);
    if (!wait || !request.outputPending()) {
        lua_pushinteger(L, 1);
        return 1;
    }
    // flush(true): park until the socket took every byte (reason "flush").
    sched::CoCtx* co = sched::RequestCtx::coOf(L);
    std::weak_ptr<sched::RequestCtx> weakCtx = ctx.shared_from_this();
    request.whenDrained([weakCtx, co](bool written) {
        auto holder = weakCtx.lock();
        if (!holder || !co->alive()) {
            return;
        }
        holder->scheduler.wake(holder, *co, [written](lua_State* co) {
            if (written) {
                lua_pushinteger(co, 1);
                return 1;
            }
            lua_pushnil(co);
            lua_pushliteral(co, "client aborted");
            return 2;
        });
    });
    co->reason = trace::YieldReason::Flush;
    co->waitingOn = "socket drain";
    co->cleanup = [weakRequest = std::weak_ptr<http::HttpRequest>(ctx.http)] {
        if (auto r = weakRequest.lock()) {
            r->whenDrained([](bool) {});
        }
    };
    ctx.coOp = sched::CoOp::Nop;
    lua_settop(L, 0);
    return lua_yield(L, 0);
}

int ngxEof(lua_State* L)
{
    sched::RequestCtx& ctx = requireContext(L, kOutputContexts, "no request object found");
    if (lua_gettop(L) != 0) {
        return luaL_error(L, "no argument is expected");
    }
    if (ctx.eofSent) {
        lua_pushnil(L);
        lua_pushliteral(L, "seen eof");
        return 2;
    }
    prepareFirstOutput(ctx);
    ctx.eofSent = true;
    ctx.http->output({}, true, true);
    lua_pushinteger(L, 1);
    return 1;
}

int ngxSendHeaders(lua_State* L)
{
    sched::RequestCtx& ctx = requireContext(L, kOutputContexts);
    if (!ctx.http->headerSent()) {
        prepareFirstOutput(ctx);
        ctx.http->sendHeader();
    }
    lua_pushinteger(L, 1);
    return 1;
}

int ngxExit(lua_State* L)
{
    if (!findRequest(L)) {
        return restyError(L, "exit.lua:49", "no request found"); // lua-resty-core's ngx.exit
    }
    sched::RequestCtx& ctx = checkRequest(L);
    checkContext(L, ctx, kExitContexts);
    if (lua_gettop(L) != 1) {
        return luaL_error(L, "expecting one argument");
    }
    const int status = static_cast<int>(luaL_checkinteger(L, 1));
    if (ctx.pendingSubrequests > 0 && status != http::kNgxError &&
        status != http::kStatusRequestTimeout && status != http::kStatusClose &&
        status != http::kStatusClientClosed) {
        return luaL_error(L, "attempt to abort with pending subrequests");
    }
    if (status == http::kNgxAgain || status == http::kNgxDone) {
        return luaL_error(L, "bad argument to 'ngx.exit': does not accept NGX_AGAIN or NGX_DONE");
    }
    int code = status;
    if (ctx.http && ctx.http->headerSent() && status >= 300 &&
        status != http::kStatusRequestTimeout && status != http::kStatusClientClosed &&
        status != http::kStatusClose) {
        const int current = ctx.http->headersOut.status == 0 ? 200 : ctx.http->headersOut.status;
        if (status != current) {
            logForRequest(&ctx, 4,
                          "attempt to set status " + std::to_string(status) +
                              " via ngx.exit after sending out the response status " +
                              std::to_string(current));
        }
        code = http::kNgxOk;
    }
    ctx.exited = true;
    ctx.exitCode = code;
    if (sched::CoCtx* co = sched::RequestCtx::coOf(L)) {
        co->reason = trace::YieldReason::Exit;
    }
    lua_settop(L, 0);
    return lua_yield(L, 0);
}

} // namespace

void appendNumber(double value, std::string& out)
{
    const auto asInt = static_cast<std::int32_t>(value);
    if (static_cast<double>(asInt) == value) {
        out.append(std::to_string(asInt)); // also turns -0.0 into "0", as nginx prints it
        return;
    }
    char text[32];
    const int len = std::snprintf(text, sizeof text, "%.14g", value);
    out.append(text, static_cast<std::size_t>(len));
}

void prepareFirstOutput(sched::RequestCtx& ctx)
{
    http::HttpRequest& request = *ctx.http;
    if (request.headerSent()) {
        return;
    }
    request.headersOut.contentTypeSet = contentTypeAssigned(request);
    if (!responseHeadersAssigned(request)) {
        request.headersOut.contentLength = -1;
    }
    // lua_http10_buffering: an HTTP/1.0 client gets the whole body with a Content-Length.
    const auto& r = request.request;
    if (r.httpMajor == 1 && r.httpMinor == 0 && ctx.http10Buffering) {
        request.responseOptions.bufferWholeBody = true;
    }
}

void emitOutput(sched::RequestCtx& ctx, std::size_t bytes)
{
    RESTYSCOPE_PROBE(ctx.scheduler.tracer(), Output,
                     .request(ctx.requestId)
                         .vm(ctx.vm->id())
                         .coroutine(ctx.cur ? ctx.cur->id : 0)
                         .value(static_cast<std::int64_t>(bytes)));
}

int getStatus(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx || !ctx->http) {
        return luaL_error(L, "no request found");
    }
    const http::HttpRequest& request = *ctx->http;
    int status = request.headersOut.status;
    if (status == 0 && request.headerSent()) {
        status = 200;
    }
    lua_pushinteger(L, status);
    return 1;
}

int setStatus(lua_State* L)
{
    sched::RequestCtx& ctx = checkRequest(L);
    if (!ctx.http) {
        // a timer's fake request (ngx_http_lua_check_fake_request)
        return luaL_error(L, "API disabled in the current context");
    }
    checkContext(L, ctx, kOutputContexts | sched::kContextSet | sched::kContextHeaderFilter);
    if (ctx.http->headerSent()) {
        logForRequest(&ctx, 4, "attempt to set ngx.status after sending out response headers");
        return 0;
    }
    int status = 0;
    if (lua_type(L, -1) == LUA_TSTRING) {
        lua_pushvalue(L, -1);
        status = static_cast<int>(lua_tonumber(L, -1));
        lua_pop(L, 1);
    } else {
        status = static_cast<int>(luaL_checkinteger(L, -1));
    }
    ctx.http->headersOut.status = status;
    return 0;
}

void installOutput(lua_State* L)
{
    setFunction(L, "say", ngxSay);
    setFunction(L, "print", ngxPrint);
    setFunction(L, "flush", ngxFlush);
    setFunction(L, "eof", ngxEof);
    setFunction(L, "send_headers", ngxSendHeaders);
    setFunction(L, "exit", ngxExit);
}

} // namespace restyscope::engine::api
