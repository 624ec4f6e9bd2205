// ngx.header (lua-resty-core's response.lua over lua-nginx-module's headers_out code) and
// ngx.resp.get_headers (ngx_http_lua_headers.c), semantics.md 4.7.

#include "engine/api/header.h"

#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/api/apiutil.h"
#include "engine/api/reqstate.h"
#include "engine/api/respheaders.h"
#include "engine/http/connection.h"

#include <lua.hpp>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace restyscope::engine::api {

namespace {

char g_headersMetatableKey;

constexpr int kMaxHeaders = 100;
constexpr int kStatusSwitchingProtocols = 101;

// h.User_Agent finds h["user-agent"]: lower-case, '_' as '-'.
int headersIndex(lua_State* L)
{
    if (lua_type(L, 2) != LUA_TSTRING && lua_type(L, 2) != LUA_TNUMBER) {
        lua_pushnil(L);
        return 1;
    }
    std::size_t len = 0;
    const char* text = lua_tolstring(L, 2, &len);
    std::string key(text, len);
    for (char& c : key) {
        c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (key == std::string_view(text, len)) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushlstring(L, key.data(), key.size());
    lua_rawget(L, 1);
    return 1;
}

// __newindex of ngx.header: (table, key, value).
int setHeader(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return restyError(L, "response.lua:106", "no request found");
    }
    const std::string key = luaToString(L, 2);
    // The values as lua-resty-core hands them over: nil, one string, or an array.
    bool isNil = false;
    std::vector<std::string> values;
    if (lua_isnoneornil(L, 3)) {
        isNil = true;
    } else if (lua_istable(L, 3)) {
        const int n = static_cast<int>(lua_objlen(L, 3));
        for (int i = 1; i <= n; ++i) {
            lua_rawgeti(L, 3, i);
            if (lua_type(L, -1) != LUA_TSTRING) {
                // lua-resty-core writes the converted value back into the caller's table.
                const std::string converted = luaToString(L, -1);
                lua_pushlstring(L, converted.data(), converted.size());
                lua_rawseti(L, 3, i);
                values.push_back(converted);
            } else {
                std::size_t len = 0;
                const char* text = lua_tolstring(L, -1, &len);
                values.emplace_back(text, len);
            }
            lua_pop(L, 1);
        }
    } else {
        values.push_back(luaToString(L, 3));
    }
    if (!ctx->http) {
        return errorAt(L, 1, "API disabled in the current context");
    }
    http::HttpRequest& request = *ctx->http;
    if (request.headerSent()) {
        logForRequest(ctx, 4,
                      "attempt to set ngx.header.HEADER after sending out response headers");
        return 0;
    }
    RequestApiState& state = apiState(request);
    const bool ok =
        assignResponseHeader(request.headersOut, state.response, key, isNil ? nullptr : &values);
    if (!ok) {
        return errorAt(L, 1, "failed to set header");
    }
    return 0;
}

// __index of ngx.header: (table, key).
int getHeader(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return restyError(L, "response.lua:185", "no request found");
    }
    std::string key = luaToString(L, 2);
    if (!ctx->http) {
        return errorAt(L, 1, "API disabled in the current context");
    }
    if (key.find('_') != std::string::npos) {
        key = transformUnderscores(key);
    }
    const http::HttpRequest& request = *ctx->http;
    static const ResponseHeaderState fresh;
    const RequestApiState* state = findApiState(request);
    const std::vector<std::string> values =
        getOutputHeader(request.headersOut, state ? state->response : fresh, key);
    if (values.empty()) {
        lua_pushnil(L);
    } else if (values.size() == 1) {
        lua_pushlstring(L, values.front().data(), values.front().size());
    } else {
        lua_createtable(L, static_cast<int>(values.size()), 0);
        for (std::size_t i = 0; i < values.size(); ++i) {
            lua_pushlstring(L, values[i].data(), values[i].size());
            lua_rawseti(L, -2, static_cast<int>(i) + 1);
        }
    }
    return 1;
}

// t[key] = value, or {old, value} / appended when key is there already.
/* stack: table -> table */
void setMultiValue(lua_State* L, const std::string& key, const std::string& value)
{
    const int table = lua_gettop(L);
    lua_pushlstring(L, key.data(), key.size());
    lua_pushlstring(L, value.data(), value.size());
    addMultiValue(L, table);
}

// The chunked filter's decision, which lua-nginx-module reads from r->chunked once the
// header went out.
bool sentChunked(const http::HttpRequest& request)
{
    const http::Request& r = request.request;
    return request.headerSent() && r.httpMajor == 1 && r.httpMinor >= 1 &&
           request.headersOut.contentLength < 0 && !r.headOnly &&
           !request.responseOptions.bufferWholeBody;
}

// ngx.resp.get_headers(max?, raw?)
int respGetHeaders(lua_State* L)
{
    const int n = lua_gettop(L);
    int max = kMaxHeaders;
    bool raw = false;
    if (n >= 1) {
        if (!lua_isnoneornil(L, 1)) {
            max = static_cast<int>(luaL_checkinteger(L, 1));
        }
        if (n >= 2) {
            raw = lua_toboolean(L, 2) != 0;
        }
    }
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return luaL_error(L, "no request object found");
    }
    if (!ctx->http) {
        return luaL_error(L, "API disabled in the current context");
    }
    const http::HttpRequest& request = *ctx->http;
    const http::ResponseHeaders& out = request.headersOut;
    int count = static_cast<int>(out.headers.size());
    lua_createtable(L, 0, count + 2);
    if (!raw) {
        pushHeadersMetatable(L);
        lua_setmetatable(L, -2);
    }
    // The fields nginx keeps outside its header list come first.
    int extra = 0;
    if (!out.contentType.empty()) {
        ++extra;
        lua_pushliteral(L, "content-type");
        lua_pushlstring(L, out.contentType.data(), out.contentType.size());
        lua_rawset(L, -3);
    }
    const bool lengthLine = std::any_of(out.headers.begin(), out.headers.end(), [](const auto& f) {
        return http::equalsIgnoreCase(f.name, "Content-Length");
    });
    if (!lengthLine && out.contentLength >= 0) {
        ++extra;
        lua_pushliteral(L, "content-length");
        const std::string length = std::to_string(out.contentLength);
        lua_pushlstring(L, length.data(), length.size());
        lua_rawset(L, -3);
    }
    ++extra;
    lua_pushliteral(L, "connection");
    if (out.status == kStatusSwitchingProtocols) {
        lua_pushliteral(L, "upgrade");
    } else if (request.request.keepAlive) {
        lua_pushliteral(L, "keep-alive");
    } else {
        lua_pushliteral(L, "close");
    }
    lua_rawset(L, -3);
    if (sentChunked(request)) {
        ++extra;
        lua_pushliteral(L, "transfer-encoding");
        lua_pushliteral(L, "chunked");
        lua_rawset(L, -3);
    }
    bool truncated = false;
    if (max > 0 && count + extra > max) {
        truncated = true;
        count = max - extra;
    }
    for (const http::HeaderField& field : out.headers) {
        if (field.value.empty()) {
            continue; // cleared (nginx's hash 0)
        }
        std::string key = field.name;
        if (!raw) {
            for (char& c : key) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
        }
        setMultiValue(L, key, field.value);
        // nginx stops after count entries, checking only after one was added.
        if (--count <= 0) {
            break;
        }
    }
    if (truncated) {
        lua_pushliteral(L, "truncated");
        return 2;
    }
    return 1;
}

} // namespace

bool responseHeadersAssigned(const http::HttpRequest& request)
{
    const RequestApiState* state = findApiState(request);
    return state && state->response.headersSet;
}

bool contentTypeAssigned(const http::HttpRequest& request)
{
    const RequestApiState* state = findApiState(request);
    return state && state->response.mimeSet;
}

void pushHeadersMetatable(lua_State* L)
{
    lua_pushlightuserdata(L, &g_headersMetatableKey);
    lua_rawget(L, LUA_REGISTRYINDEX);
    if (!lua_isnil(L, -1)) {
        return;
    }
    lua_pop(L, 1);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, headersIndex);
    lua_setfield(L, -2, "__index");
    lua_pushlightuserdata(L, &g_headersMetatableKey);
    lua_pushvalue(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
}

void installHeader(lua_State* L)
{
    captureLuaToString(L);
    /* stack: ngx -> ngx */
    setProxyTable(L, "header", getHeader, setHeader);

    lua_getfield(L, -1, "resp");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, "resp");
    }
    setFunction(L, "get_headers", respGetHeaders);
    lua_pop(L, 1);
}

} // namespace restyscope::engine::api
