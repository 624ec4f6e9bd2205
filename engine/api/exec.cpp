// ngx.exec (internal redirect, semantics.md 3.4) and ngx.redirect (3.5). Both yield and
// never return: run_thread sees the flag, kills the request's threads and reports it.

#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/api/querystring.h"
#include "engine/conf/config.h"
#include "engine/http/connection.h"
#include "engine/http/status.h"
#include "engine/sched/scheduler.h"

#include <lua.hpp>

#include <cstdio>

namespace restyscope::engine::api {

namespace {

constexpr unsigned kExecContexts = sched::kContextRewrite | sched::kContextServerRewrite |
                                   sched::kContextAccess | sched::kContextContent;

// Control bytes shown as \xNN, for the error message that quotes a redirect URI.
std::string escapeForLog(std::string_view text)
{
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02X", byte);
            out.append(hex);
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// nginx's ngx_http_parse_unsafe_uri, in short: no ".." segment, no control bytes.
bool unsafeUri(std::string_view uri)
{
    for (const char c : uri) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            return true;
        }
    }
    std::size_t pos = 0;
    while ((pos = uri.find("..", pos)) != std::string_view::npos) {
        const bool startsSegment = pos == 0 || uri[pos - 1] == '/';
        const bool endsSegment =
            pos + 2 == uri.size() || uri[pos + 2] == '/' || uri[pos + 2] == '?';
        if (startsSegment && endsSegment) {
            return true;
        }
        pos += 2;
    }
    return false;
}

int ngxExec(lua_State* L)
{
    const int n = lua_gettop(L);
    if (n != 1 && n != 2) {
        return luaL_error(L, "expecting one or two arguments, but got %d", n);
    }
    sched::RequestCtx& ctx = requireContext(L, kExecContexts, "no request object found");
    std::size_t len = 0;
    const char* text = luaL_checklstring(L, 1, &len);
    std::string uri(text, len);
    std::string args;
    if (n == 2) {
        switch (lua_type(L, 2)) {
        case LUA_TNUMBER:
        case LUA_TSTRING: {
            std::size_t argsLen = 0;
            const char* value = lua_tolstring(L, 2, &argsLen);
            args.assign(value, argsLen);
            break;
        }
        case LUA_TTABLE: {
            std::string error;
            if (!encodeArgs(L, 2, args, error)) {
                return luaL_error(L, "%s", error.c_str());
            }
            break;
        }
        case LUA_TNIL: break;
        default: return luaL_error(L, "Bad args type");
        }
    }
    if (ctx.http->headerSent()) {
        return luaL_error(L, "attempt to call ngx.exec after sending out response headers");
    }
    if (uri.empty()) {
        return luaL_error(L, "The uri argument is empty");
    }
    if (uri.front() == '@') {
        if (!args.empty()) {
            logForRequest(&ctx, 5,
                          "query strings \"" + args + "\" ignored when exec'ing named location \"" +
                              uri + "\"");
            args.clear();
        }
    } else {
        if (unsafeUri(uri)) {
            return luaL_error(L, "unsafe uri");
        }
        if (const auto question = uri.find('?'); question != std::string::npos) {
            std::string query = uri.substr(question + 1);
            uri.resize(question);
            args = args.empty() ? query : query + "&" + args;
        }
    }
    ctx.execPending = true;
    ctx.execUri = std::move(uri);
    ctx.execArgs = std::move(args);
    if (sched::CoCtx* co = sched::RequestCtx::coOf(L)) {
        co->reason = trace::YieldReason::Exec;
    }
    lua_settop(L, 0);
    return lua_yield(L, 0);
}

int ngxRedirect(lua_State* L)
{
    const int n = lua_gettop(L);
    if (n != 1 && n != 2) {
        return luaL_error(L, "expecting one or two arguments");
    }
    sched::RequestCtx& ctx = requireContext(L, kExecContexts, "no request object found");
    std::size_t len = 0;
    const char* text = luaL_checklstring(L, 1, &len);
    const std::string uri(text, len);
    int status = 302;
    if (n == 2) {
        status = static_cast<int>(luaL_checkinteger(L, 2));
        if (!http::isRedirectStatus(status)) {
            return luaL_error(L, "only ngx.HTTP_MOVED_TEMPORARILY, "
                                 "ngx.HTTP_MOVED_PERMANENTLY, ngx.HTTP_PERMANENT_REDIRECT, "
                                 "ngx.HTTP_SEE_OTHER, and ngx.HTTP_TEMPORARY_REDIRECT are "
                                 "allowed");
        }
    }
    for (const char c : uri) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte <= 0x08) || (byte >= 0x0a && byte <= 0x1f) || byte == 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", byte);
            return luaL_error(L, "unsafe byte \"%s\" in redirect uri \"%s\"", hex,
                              escapeForLog(uri).c_str());
        }
    }
    if (ctx.http->headerSent()) {
        return luaL_error(L, "attempt to call ngx.redirect after sending out the headers");
    }
    // Kept as given: a relative URI is not made absolute (semantics.md 3.5).
    std::erase_if(ctx.http->headersOut.headers, [](const http::HeaderField& f) {
        return http::equalsIgnoreCase(f.name, "Location");
    });
    ctx.http->headersOut.headers.push_back({"Location", uri});
    ctx.exited = true;
    ctx.exitCode = status;
    if (sched::CoCtx* co = sched::RequestCtx::coOf(L)) {
        co->reason = trace::YieldReason::Redirect;
    }
    lua_settop(L, 0);
    return lua_yield(L, 0);
}

// ngx.on_abort(f): with lua_check_client_abort on, f becomes a user thread that starts
// when the client closes the connection (sched/luamodule.cpp watches for it).
int ngxOnAbort(lua_State* L)
{
    sched::RequestCtx& ctx = requireContext(L, kExecContexts);
    if (ctx.onAbort) {
        lua_pushnil(L);
        lua_pushliteral(L, "duplicate call");
        return 2;
    }
    const conf::LocationConfig* location = ctx.http->request.location;
    if (!location || !location->local.luaCheckClientAbort.value_or(false)) {
        lua_pushnil(L);
        lua_pushliteral(L, "lua_check_client_abort is off");
        return 2;
    }
    luaL_argcheck(L, lua_isfunction(L, 1) && !lua_iscfunction(L, 1), 1, "Lua function expected");
    sched::CoCtx* parent = sched::RequestCtx::coOf(L);
    sched::CoCtx* co = ctx.newCoroutine(trace::CoroutineType::UserThread, parent);
    co->status = sched::CoStatus::Suspended;
    co->waitingOn = "client abort";
    /* stack: f -> f (a copy moved onto the new coroutine) */
    lua_pushvalue(L, 1);
    lua_xmove(L, co->co, 1);
    ctx.onAbort = co;
    lua_pushinteger(L, 1);
    return 1;
}

} // namespace

void installExec(lua_State* L)
{
    setFunction(L, "exec", ngxExec);
    setFunction(L, "redirect", ngxRedirect);
    setFunction(L, "on_abort", ngxOnAbort);
}

} // namespace restyscope::engine::api
