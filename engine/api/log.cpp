// ngx.log and the global print (ngx_http_lua_log.c): "[lua] <file>:<line>: <func>(): <args>"
// at the level given, filtered by the error log's level before anything is checked, with
// the request's context suffix; outside a request (init_by_lua) on stderr at notice, as
// nginx's start-up log.

#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/api/output.h"
#include "engine/sched/scheduler.h"
#include "engine/trace/errorlog.h"

#include <lua.hpp>

#include <cstdio>
#include <string>

namespace restyscope::engine::api {

namespace {

constexpr int kNgxStderr = 0;
constexpr int kNgxNotice = 6;
constexpr int kNgxDebug = 8;

trace::LogLevel toLogLevel(int ngxLevel)
{
    static constexpr trace::LogLevel levels[] = {
        trace::LogLevel::Emerg,  trace::LogLevel::Emerg, trace::LogLevel::Alert,
        trace::LogLevel::Crit,   trace::LogLevel::Error, trace::LogLevel::Warn,
        trace::LogLevel::Notice, trace::LogLevel::Info,  trace::LogLevel::Debug};
    return levels[ngxLevel];
}

// nginx compares its numeric levels: stderr (0) always passes.
bool levelEnabled(const sched::RequestCtx* ctx, int ngxLevel)
{
    if (ngxLevel == kNgxStderr) {
        return true;
    }
    if (!ctx) {
        return ngxLevel <= kNgxNotice; // the start-up log's level
    }
    return ctx->scheduler.log().enabled(toLogLevel(ngxLevel));
}

// "h.lua:3: f(): " from the function that called ngx.log / print.
std::string sourcePrefix(lua_State* L)
{
    lua_Debug ar{};
    std::string out;
    if (!lua_getstack(L, 1, &ar) || !lua_getinfo(L, "Snl", &ar)) {
        return ":0: ";
    }
    std::string_view source(ar.short_src);
    const auto slash = source.find_last_of("/\\");
    if (slash != std::string_view::npos) {
        source.remove_prefix(slash + 1);
    }
    out.append(source);
    out.push_back(':');
    out.append(std::to_string(ar.currentline > 0 ? ar.currentline : ar.linedefined));
    out.append(": ");
    if (ar.namewhat && *ar.namewhat != '\0' && ar.what && *ar.what == 'L' && ar.name) {
        out.append(ar.name).append("(): ");
    }
    return out;
}

// The arguments first..top concatenated; raises nginx's argument errors.
std::string joinArguments(lua_State* L, int first)
{
    const int top = lua_gettop(L);
    // nginx measures first, then writes: a __tostring runs twice and a bad argument is
    // reported before anything is formatted.
    for (int i = first; i <= top; ++i) {
        const int type = lua_type(L, i);
        switch (type) {
        case LUA_TNUMBER:
        case LUA_TSTRING:
        case LUA_TNIL:
        case LUA_TBOOLEAN:
        case LUA_TLIGHTUSERDATA: break;
        case LUA_TTABLE:
            if (!luaL_callmeta(L, i, "__tostring")) {
                luaL_argerror(L, i - first + 1, "expected table to have __tostring metamethod");
            }
            lua_pop(L, 1);
            break;
        default: {
            const std::string message =
                std::string("string, number, boolean, or nil expected, got ") +
                lua_typename(L, type);
            luaL_argerror(L, i - first + 1, message.c_str());
        }
        }
    }
    std::string out;
    for (int i = first; i <= top; ++i) {
        switch (lua_type(L, i)) {
        case LUA_TNUMBER: appendNumber(lua_tonumber(L, i), out); break;
        case LUA_TSTRING: {
            std::size_t len = 0;
            const char* text = lua_tolstring(L, i, &len);
            out.append(text, len);
            break;
        }
        case LUA_TNIL: out.append("nil"); break;
        case LUA_TBOOLEAN: out.append(lua_toboolean(L, i) ? "true" : "false"); break;
        case LUA_TTABLE: {
            luaL_callmeta(L, i, "__tostring");
            std::size_t len = 0;
            const char* text = lua_tolstring(L, -1, &len);
            if (text) {
                out.append(text, len);
            }
            lua_pop(L, 1);
            break;
        }
        case LUA_TLIGHTUSERDATA: out.append("null"); break;
        default: break;
        }
    }
    return out;
}

void writeStartupLog(int ngxLevel, const std::string& message)
{
    std::string prefix = trace::ErrorLog::linePrefix(toLogLevel(ngxLevel));
    if (ngxLevel == kNgxStderr) {
        // nginx's level name for NGX_LOG_STDERR is empty: "[] ".
        const auto open = prefix.find('[');
        const auto close = prefix.find(']', open);
        if (open != std::string::npos && close != std::string::npos) {
            prefix.erase(open + 1, close - open - 1);
        }
    }
    const std::string line = prefix + message + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

int logAt(lua_State* L, int ngxLevel, int firstArgument)
{
    const sched::RequestCtx* ctx = findRequest(L);
    if (!levelEnabled(ctx, ngxLevel)) {
        return 0;
    }
    std::string message = "[lua] " + sourcePrefix(L);
    message += joinArguments(L, firstArgument);
    if (ctx) {
        logForRequest(ctx, ngxLevel, message);
    } else {
        writeStartupLog(ngxLevel, message);
    }
    return 0;
}

int ngxLog(lua_State* L)
{
    const int level = static_cast<int>(luaL_checkinteger(L, 1));
    if (level < kNgxStderr || level > kNgxDebug) {
        lua_pushfstring(L, "bad log level: %d", level);
        return luaL_argerror(L, 1, lua_tostring(L, -1));
    }
    lua_remove(L, 1);
    return logAt(L, level, 1);
}

int ngxPrint(lua_State* L)
{
    return logAt(L, kNgxNotice, 1);
}

} // namespace

void installLog(lua_State* L)
{
    /* stack: ngx -> ngx */
    setFunction(L, "log", ngxLog);
    static constexpr const char* names[] = {"STDERR", "EMERG",  "ALERT", "CRIT", "ERR",
                                            "WARN",   "NOTICE", "INFO",  "DEBUG"};
    for (int level = 0; level <= kNgxDebug; ++level) {
        lua_pushinteger(L, level);
        lua_setfield(L, -2, names[level]);
    }
    lua_pushcfunction(L, ngxPrint);
    lua_setglobal(L, "print");
}

} // namespace restyscope::engine::api
