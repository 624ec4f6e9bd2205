// ngx.req.* except read_body/discard_body (api/reqbody.cpp): the request line, URI
// arguments, headers and body as lua-resty-core 0.1.25 (request.lua) and lua-nginx-module
// 0.10.23 (ngx_http_lua_args.c, _headers.c, _req_body.c) give them. Error texts and their
// positions follow the Lua wrapper or C function nginx runs.

#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/api/apiutil.h"
#include "engine/api/clock.h"
#include "engine/api/codec.h"
#include "engine/api/header.h"
#include "engine/api/querystring.h"
#include "engine/api/reqheaders.h"
#include "engine/api/reqstate.h"
#include "engine/http/connection.h"
#include "engine/sched/scheduler.h"

#include <lua.hpp>

#include <cctype>
#include <chrono>
#include <string>
#include <vector>

namespace restyscope::engine::api {

namespace {

constexpr int kMaxHeaders = 100;

struct Method
{
    int id;
    const char* name;
};

// NGX_HTTP_GET ... NGX_HTTP_TRACE: what ngx.req.set_method accepts.
constexpr Method kMethods[] = {
    {0x0002, "GET"},     {0x0004, "HEAD"},     {0x0008, "POST"},      {0x0010, "PUT"},
    {0x0020, "DELETE"},  {0x0040, "MKCOL"},    {0x0080, "COPY"},      {0x0100, "MOVE"},
    {0x0200, "OPTIONS"}, {0x0400, "PROPFIND"}, {0x0800, "PROPPATCH"}, {0x1000, "LOCK"},
    {0x2000, "UNLOCK"},  {0x4000, "PATCH"},    {0x8000, "TRACE"},
};

// The request of a request-bound FFI function: "no request found" (at resty.core's own
// line) outside a request, "API disabled in the current context" for a timer's fake one.
http::HttpRequest& restyRequest(lua_State* L, const char* where)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        restyError(L, where, "no request found");
    }
    if (!ctx->http) {
        errorAt(L, 1, "API disabled in the current context");
    }
    return *ctx->http;
}

// The same for lua-nginx-module's C functions (ngx_http_lua_get_req and
// ngx_http_lua_check_fake_request).
http::HttpRequest& cRequest(lua_State* L, const char* noRequest = "no request object found")
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        luaL_error(L, "%s", noRequest);
    }
    if (!ctx->http) {
        luaL_error(L, "API disabled in the current context");
    }
    return *ctx->http;
}

// The request head as the client sent it: request line, header lines, empty line.
std::string rebuildRawHeader(const http::Request& r)
{
    std::string raw = r.requestLine + "\r\n";
    for (const http::HeaderField& field : r.headers) {
        raw.append(field.name).append(": ").append(field.value).append("\r\n");
    }
    raw.append("\r\n");
    return raw;
}

// Keeps the head as received before the first header edit, so raw_header() stays the
// client's bytes as in nginx.
void keepRawHeader(const http::HttpRequest& request)
{
    RequestApiState& state = apiState(request);
    if (!state.rawHeader) {
        state.rawHeader = rebuildRawHeader(request.request);
    }
}

int reqGetMethod(lua_State* L)
{
    http::HttpRequest& request = restyRequest(L, "request.lua:286");
    const std::string& method = request.request.method;
    lua_pushlstring(L, method.data(), method.size());
    return 1;
}

int reqSetMethod(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return restyError(L, "request.lua:315", "no request found");
    }
    if (lua_type(L, 1) != LUA_TNUMBER) {
        return errorAt(L, 1, "bad method number");
    }
    if (!ctx->http) {
        return errorAt(L, 1, "API disabled in the current context");
    }
    // The FFI call takes an int: 2.9 is GET.
    const int id = ffiIntArgument(L, 1, "request.lua:321", "ngx_http_lua_ffi_req_set_method", 2);
    for (const Method& method : kMethods) {
        if (method.id == id) {
            http::Request& r = ctx->http->request;
            r.method = method.name;
            // nginx decides "header only" from the method when the header goes out.
            r.headOnly = id == 0x0004;
            return 0;
        }
    }
    // The message concatenates the Lua number as given (1.5 stays 1.5).
    const std::string given = luaToString(L, 1);
    return errorAt(L, 1, "unsupported HTTP method: " + given);
}

int reqGetUriArgs(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return restyError(L, "request.lua:199", "no request found");
    }
    int max = -1;
    if (lua_toboolean(L, 1)) {
        max = ffiIntArgument(L, 1, "request.lua:210", "ngx_http_lua_ffi_req_get_uri_args_count", 2);
    }
    const bool reuse = lua_toboolean(L, 2) != 0;
    if (reuse) {
        if (!lua_istable(L, 2)) {
            return restyError(L, "request.lua:207",
                              std::string("bad argument #1 to 'clear_tab' (table expected, got ") +
                                  luaL_typename(L, 2) + ")");
        }
        // table.clear: keep the table, drop its contents.
        lua_pushnil(L);
        while (lua_next(L, 2) != 0) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            lua_pushnil(L);
            lua_rawset(L, 2);
        }
    }
    if (!ctx->http) {
        return errorAt(L, 1, "API disabled in the current context");
    }
    const ParsedArgs parsed = parseUriArgs(ctx->http->request.args, max);
    if (!reuse) {
        pushArgsTable(L, parsed.args);
    } else {
        // Fill the caller's table in place.
        pushArgsTable(L, parsed.args);
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, 2);
        }
        lua_pop(L, 1);
        lua_pushvalue(L, 2);
    }
    if (parsed.truncated) {
        lua_pushliteral(L, "truncated");
        return 2;
    }
    return 1;
}

int reqGetHeaders(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return restyError(L, "request.lua:125", "no request found");
    }
    int max = -1;
    if (lua_toboolean(L, 1)) {
        max = ffiIntArgument(L, 1, "request.lua:138", "ngx_http_lua_ffi_req_get_headers_count", 2);
    }
    const bool raw = lua_toboolean(L, 2) != 0;
    if (!ctx->http) {
        return errorAt(L, 1, "API disabled in the current context");
    }
    if (max < 0) {
        max = kMaxHeaders;
    }
    const auto& lines = ctx->http->request.headers;
    int count = static_cast<int>(lines.size());
    bool truncated = false;
    if (max > 0 && count > max) {
        count = max;
        truncated = true;
    }
    lua_createtable(L, 0, count);
    const int headers = lua_gettop(L);
    for (int i = 0; i < count; ++i) {
        const http::HeaderField& field = lines[static_cast<std::size_t>(i)];
        std::string key = field.name;
        if (!raw) {
            for (char& c : key) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
        }
        /* stack: headers -> headers, key, value -> headers */
        lua_pushlstring(L, key.data(), key.size());
        lua_pushlstring(L, field.value.data(), field.value.size());
        addMultiValue(L, headers);
    }
    if (!raw) {
        pushHeadersMetatable(L);
        lua_setmetatable(L, -2);
    }
    if (truncated) {
        lua_pushliteral(L, "truncated");
        return 2;
    }
    return 1;
}

int reqHttpVersion(lua_State* L)
{
    const http::Request& r = cRequest(L).request;
    if (r.httpMajor == 0 && r.httpMinor == 9) {
        lua_pushnumber(L, 0.9);
    } else if (r.httpMajor == 1 && r.httpMinor == 0) {
        lua_pushnumber(L, 1.0);
    } else if (r.httpMajor == 1 && r.httpMinor == 1) {
        lua_pushnumber(L, 1.1);
    } else if (r.httpMajor == 2 && r.httpMinor == 0) {
        lua_pushnumber(L, 2.0);
    } else {
        lua_pushnil(L);
    }
    return 1;
}

int reqRawHeader(lua_State* L)
{
    const bool noRequestLine = lua_gettop(L) > 0 && lua_toboolean(L, 1);
    const http::HttpRequest& request = cRequest(L);
    const RequestApiState* state = findApiState(request);
    const std::string raw =
        state && state->rawHeader ? *state->rawHeader : rebuildRawHeader(request.request);
    if (request.request.requestLine.empty()) {
        lua_pushliteral(L, "");
        return 1;
    }
    if (noRequestLine) {
        const std::size_t eol = raw.find('\n');
        const std::string rest = eol == std::string::npos ? std::string() : raw.substr(eol + 1);
        lua_pushlstring(L, rest.data(), rest.size());
    } else {
        lua_pushlstring(L, raw.data(), raw.size());
    }
    return 1;
}

int reqStartTime(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return restyError(L, "request.lua:60", "no request found");
    }
    if (!ctx->http) {
        // A timer's fake request started when the timer ran.
        lua_pushnumber(L, ngxNow(L));
        return 1;
    }
    using namespace std::chrono;
    const auto since = ctx->http->request.startWallTime.time_since_epoch();
    const auto msec = duration_cast<milliseconds>(since).count();
    lua_pushnumber(L, static_cast<double>(msec / 1000) + static_cast<double>(msec % 1000) / 1000.0);
    return 1;
}

int reqGetBodyData(lua_State* L)
{
    if (lua_gettop(L) != 0) {
        return luaL_error(L, "expecting 0 arguments but seen %d", lua_gettop(L));
    }
    const http::HttpRequest& request = cRequest(L, "request object not found");
    if (!request.bodyComplete() || request.body().empty()) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushlstring(L, request.body().data(), request.body().size());
    return 1;
}

int reqGetPostArgs(lua_State* L)
{
    const int n = lua_gettop(L);
    if (n != 0 && n != 1) {
        return luaL_error(L, "expecting 0 or 1 arguments but seen %d", n);
    }
    int max = kMaxHeaders;
    if (n == 1) {
        max = static_cast<int>(luaL_checkinteger(L, 1));
        lua_pop(L, 1);
    }
    const http::HttpRequest& request = cRequest(L);
    if (!request.bodyComplete()) {
        return luaL_error(L, "no request body found; maybe you should turn on "
                             "lua_need_request_body?");
    }
    const ParsedArgs parsed = parseArgs(request.body(), max);
    pushArgsTable(L, parsed.args);
    if (parsed.truncated) {
        lua_pushliteral(L, "truncated");
        return 2;
    }
    return 1;
}

// lua-resty-core's set_req_header(name, value, override); errors point at the caller of
// ngx.req.set_header (error level 3 in the wrapper).
int setRequestHeader(lua_State* L, bool override)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return errorAt(L, 1, "no request found");
    }
    if (lua_isnoneornil(L, 1)) {
        return errorAt(L, 1, "bad 'name' argument: string expected, got nil");
    }
    const std::string name = luaToString(L, 1);
    std::vector<std::string> values;
    bool clear = false;
    if (lua_isnoneornil(L, 2)) {
        if (!override) {
            return errorAt(L, 1, "bad 'value' argument: string or table expected, got nil");
        }
        clear = true;
    } else if (lua_istable(L, 2)) {
        const int count = static_cast<int>(lua_objlen(L, 2));
        if (count == 0 && !override) {
            return errorAt(L, 1, "bad 'value' argument: non-empty table expected");
        }
        for (int i = 1; i <= count; ++i) {
            lua_rawgeti(L, 2, i);
            const std::string value = luaToString(L, -1);
            if (lua_type(L, -1) != LUA_TSTRING) {
                // Written back into the caller's table, as lua-resty-core does.
                lua_pushlstring(L, value.data(), value.size());
                lua_rawseti(L, 2, i);
            }
            lua_pop(L, 1);
            values.push_back(value);
        }
        clear = values.empty();
    } else {
        values.push_back(luaToString(L, 2));
    }
    if (!ctx->http) {
        return errorAt(L, 1, "API disabled in the current context");
    }
    http::HttpRequest& request = *ctx->http;
    if (request.request.httpMajor == 0) {
        return 0; // HTTP/0.9 has no headers: nginx declines quietly
    }
    keepRawHeader(request);
    bool ok = true;
    if (clear) {
        ok = setInputHeader(request.request, name, {}, override);
    } else {
        for (std::size_t i = 0; ok && i < values.size(); ++i) {
            ok = setInputHeader(request.request, name, values[i], override && i == 0);
        }
    }
    if (!ok) {
        return restyError(L, "request.lua:417", "failed to set header");
    }
    return 0;
}

int reqSetHeader(lua_State* L)
{
    return setRequestHeader(L, true);
}

int reqClearHeader(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return restyError(L, "request.lua:433", "no request found");
    }
    const std::string name = luaToString(L, 1);
    if (!ctx->http) {
        return errorAt(L, 1, "API disabled in the current context");
    }
    http::HttpRequest& request = *ctx->http;
    if (request.request.httpMajor == 0) {
        return 0;
    }
    keepRawHeader(request);
    if (!setInputHeader(request.request, name, {}, true)) {
        return restyError(L, "request.lua:452", "failed to set header");
    }
    return 0;
}

int reqSetUriArgs(lua_State* L)
{
    if (lua_gettop(L) != 1) {
        return luaL_error(L, "expecting 1 argument but seen %d", lua_gettop(L));
    }
    http::HttpRequest& request = cRequest(L);
    std::string args;
    switch (lua_type(L, 1)) {
    case LUA_TNUMBER: args = luaToString(L, 1); break;
    case LUA_TSTRING: {
        std::size_t len = 0;
        const char* text = lua_tolstring(L, 1, &len);
        args = escapeSetUriArgs({text, len});
        break;
    }
    case LUA_TTABLE: {
        std::string error;
        if (!encodeArgs(L, 1, args, error)) {
            return luaL_error(L, "%s", error.c_str());
        }
        break;
    }
    default: {
        const std::string message =
            std::string("string, number, or table expected, but got ") + luaL_typename(L, 1);
        return luaL_argerror(L, 1, message.c_str());
    }
    }
    request.request.args = args;
    request.argsSetEmpty = true;
    return 0;
}

// lua-nginx-module's escape of a URI quoted in an error: control bytes, '"', '\\', DEL and
// non-ASCII bytes as \xHH.
std::string escapeForError(std::string_view text)
{
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == '"' || byte == '\\' || byte >= 0x7f) {
            out += "\\x";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xf];
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// ngx.req.set_uri(uri, jump?, binary?): without jump only $uri changes; with jump (rewrite
// only) the coroutine yields and the location is searched again for the new URI.
int reqSetUri(lua_State* L)
{
    const int n = lua_gettop(L);
    if (n < 1 || n > 3) {
        return luaL_error(L, "expecting 1, 2 or 3 arguments but seen %d", n);
    }
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return luaL_error(L, "no request found");
    }
    if (!ctx->http) {
        return luaL_error(L, "API disabled in the current context");
    }
    std::size_t len = 0;
    const char* text = luaL_checklstring(L, 1, &len);
    const std::string uri(text, len);
    if (uri.empty()) {
        return luaL_error(L, "attempt to use zero-length uri");
    }
    bool binary = false;
    if (n >= 3) {
        luaL_checktype(L, 3, LUA_TBOOLEAN);
        binary = lua_toboolean(L, 3) != 0;
    }
    if (!binary) {
        for (const char c : uri) {
            const auto byte = static_cast<unsigned char>(c);
            // %00-%08, %0A-%1F and %7F (a tab is allowed)
            if (byte <= 0x08 || (byte >= 0x0a && byte <= 0x1f) || byte == 0x7f) {
                return luaL_error(L,
                                  "unsafe byte \"0x%02x\" in uri \"%s\" (maybe you want to "
                                  "set the 'binary' argument?)",
                                  byte, escapeForError(uri).c_str());
            }
        }
    }
    bool jump = false;
    if (n >= 2) {
        luaL_checktype(L, 2, LUA_TBOOLEAN);
        jump = lua_toboolean(L, 2) != 0;
        if (jump) {
            checkContext(L, *ctx, sched::kContextRewrite | sched::kContextServerRewrite);
        }
    }
    ctx->http->request.uri = uri;
    if (!jump) {
        return 0;
    }
    ctx->execPending = true;
    ctx->uriJump = true;
    ctx->execUri = uri;
    if (sched::CoCtx* co = sched::RequestCtx::coOf(L)) {
        co->reason = trace::YieldReason::Exec;
    }
    lua_settop(L, 0);
    return lua_yield(L, 0);
}

// ngx.req.get_body_file(): restyscope keeps every request body in memory
// (client_body_in_file_only and client_body_buffer_size spills are not modelled), so this
// is nil, as nginx answers for a body held in memory.
int reqGetBodyFile(lua_State* L)
{
    if (lua_gettop(L) != 0) {
        return luaL_error(L, "expecting 0 arguments but seen %d", lua_gettop(L));
    }
    cRequest(L, "request object not found");
    lua_pushnil(L);
    return 1;
}

// lua-resty-core's misc.lua: true after an internal redirect (ngx.exec, a named location).
int reqIsInternal(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return restyError(L, "misc.lua:175", "no request found");
    }
    if (!ctx->http) {
        return restyError(L, "misc.lua:181", "API disabled in the current context");
    }
    lua_pushboolean(L, ctx->http->request.internalRedirects > 0);
    return 1;
}

} // namespace

const char* ngxMethodName(int id)
{
    for (const Method& method : kMethods) {
        if (method.id == id) {
            return method.name;
        }
    }
    return nullptr;
}

void installReq(lua_State* L)
{
    captureLuaToString(L);
    /* stack: ngx -> ngx */
    lua_createtable(L, 0, 24);
    setFunction(L, "get_method", reqGetMethod);
    setFunction(L, "set_method", reqSetMethod);
    setFunction(L, "get_uri_args", reqGetUriArgs);
    setFunction(L, "set_uri_args", reqSetUriArgs);
    setFunction(L, "get_headers", reqGetHeaders);
    setFunction(L, "set_header", reqSetHeader);
    setFunction(L, "clear_header", reqClearHeader);
    setFunction(L, "http_version", reqHttpVersion);
    setFunction(L, "raw_header", reqRawHeader);
    setFunction(L, "start_time", reqStartTime);
    setFunction(L, "get_body_data", reqGetBodyData);
    setFunction(L, "get_post_args", reqGetPostArgs);
    setFunction(L, "is_internal", reqIsInternal);
    setFunction(L, "set_uri", reqSetUri);
    setFunction(L, "get_body_file", reqGetBodyFile);
    markNotImplemented(
        L, "ngx.req",
        {"set_body_data", "set_body_file", "init_body", "append_body", "finish_body", "socket"});
    lua_setfield(L, -2, "req");
}

} // namespace restyscope::engine::api
