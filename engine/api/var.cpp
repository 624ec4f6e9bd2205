// ngx.var (lua-resty-core's var.lua over ngx_http_lua_variable.c): reads go to the
// request's nginx variables (the registry of http/variables.h), numbers to the location's
// regex captures; writes reach the variables the registry marks changeable, and every
// other name fails with nginx's message for it (not changeable / cannot be assigned /
// not found for writing).

#include "engine/api/var.h"
#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/api/apiutil.h"
#include "engine/api/reqstate.h"
#include "engine/http/connection.h"
#include "engine/http/variables.h"

#include <lua.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <string_view>

namespace restyscope::engine::api {

namespace {

std::string lowered(const char* text, std::size_t len)
{
    std::string out(text, len);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

bool allDigits(std::string_view name)
{
    return !name.empty() &&
           std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void pushOptional(lua_State* L, const std::optional<std::string>& value)
{
    if (value) {
        lua_pushlstring(L, value->data(), value->size());
    } else {
        lua_pushnil(L);
    }
}

// __index: (table, name)
int varGet(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return restyError(L, "var.lua:71", "no request found");
    }
    if (lua_type(L, 2) == LUA_TNUMBER) {
        if (!ctx->http) {
            return errorAt(L, 1, "API disabled in the current context");
        }
        // The FFI int: 1.5 reads $1; $0 and below are not variables.
        const double number = lua_tonumber(L, 2);
        const double index = std::trunc(number);
        if (!(index >= 1 && index < 1e9)) {
            lua_pushnil(L);
            return 1;
        }
        const auto& captures = ctx->http->request.captures;
        const auto n = static_cast<std::size_t>(index);
        if (n < captures.size()) {
            lua_pushlstring(L, captures[n].data(), captures[n].size());
        } else {
            lua_pushnil(L);
        }
        return 1;
    }
    if (lua_type(L, 2) != LUA_TSTRING) {
        return errorAt(L, 1, "bad variable name");
    }
    if (!ctx->http) {
        return errorAt(L, 1, "API disabled in the current context");
    }
    std::size_t len = 0;
    const char* text = lua_tolstring(L, 2, &len);
    const std::string name = lowered(text, len);
    const http::HttpRequest& request = *ctx->http;
    // "$1" is a capture only inside nginx's scripts; as a variable name it is unknown.
    if (allDigits(name)) {
        lua_pushnil(L);
        return 1;
    }
    if ((name == "args" || name == "query_string") && request.request.args.empty() &&
        !request.argsSetEmpty) {
        // Empty args are "not found" unless Lua set them to an empty string.
        lua_pushnil(L);
        return 1;
    }
    pushOptional(L, http::variableValue(request, name));
    return 1;
}

// __newindex: (table, name, value)
int varSet(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return restyError(L, "var.lua:111", "no request found");
    }
    if (lua_type(L, 2) != LUA_TSTRING) {
        return errorAt(L, 1, "bad variable name");
    }
    std::size_t len = 0;
    const char* text = lua_tolstring(L, 2, &len);
    const bool isNil = lua_isnoneornil(L, 3);
    const std::string value = isNil ? std::string() : luaToString(L, 3);
    if (!ctx->http) {
        return errorAt(L, 1, "API disabled in the current context");
    }
    const std::string name = lowered(text, len);
    http::HttpRequest& request = *ctx->http;
    switch (http::variablesOf(request).set(
        request, name, isNil ? std::nullopt : std::optional<std::string_view>(value))) {
    case VariableWrite::Set: return 0;
    case VariableWrite::NotChangeable:
        return errorAt(L, 1, "variable \"" + name + "\" not changeable");
    case VariableWrite::NotAssignable:
        return errorAt(L, 1, "variable \"" + name + "\" cannot be assigned a value");
    case VariableWrite::Undefined: break;
    }
    return errorAt(L, 1,
                   "variable \"" + name +
                       "\" not found for writing; maybe it is a built-in variable that is not "
                       "changeable or you forgot to use \"set $" +
                       name + " '';\" in the config file to define it first");
}

} // namespace

VariableWrite variableWritable(const http::HttpRequest& request, std::string_view name)
{
    return http::variablesOf(request).writable(name);
}

VariableWrite setVariable(http::HttpRequest& request, std::string_view name, std::string_view value)
{
    return http::variablesOf(request).set(request, name, value);
}

void installVar(lua_State* L)
{
    captureLuaToString(L);
    /* stack: ngx -> ngx */
    setProxyTable(L, "var", varGet, varSet);
}

} // namespace restyscope::engine::api
