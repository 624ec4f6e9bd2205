// ngx.ctx and the ngx table's metatable (lua-resty-core's misc.lua and ctx.lua): reading
// ngx.ctx, ngx.status, ngx.headers_sent or ngx.is_subrequest calls a getter, assigning
// ngx.ctx or ngx.status a setter; every other key is a plain field of ngx.

#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/api/apiutil.h"
#include "engine/api/status.h"
#include "engine/http/connection.h"

#include <lua.hpp>

#include <cstring>

namespace restyscope::engine::api {

namespace {

// Pushes the request's ngx.ctx table, made on first use and kept in the registry.
int getCtx(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return restyError(L, "ctx.lua:71", "no request found");
    }
    if (ctx->ngxCtxRef == LUA_NOREF || ctx->ngxCtxRef == LUA_REFNIL) {
        lua_createtable(L, 0, 4);
        lua_pushvalue(L, -1);
        ctx->ngxCtxRef = luaL_ref(L, LUA_REGISTRYINDEX);
        return 1;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, ctx->ngxCtxRef);
    return 1;
}

// ngx.ctx = value (value at the top of the stack).
int setCtx(lua_State* L)
{
    const int value = lua_gettop(L);
    if (!lua_istable(L, value)) {
        return restyError(L, "ctx.lua:123",
                          std::string("ctx should be a table while getting a ") +
                              luaL_typename(L, value));
    }
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return restyError(L, "ctx.lua:129", "no request found");
    }
    lua_pushvalue(L, value);
    if (ctx->ngxCtxRef == LUA_NOREF || ctx->ngxCtxRef == LUA_REFNIL) {
        ctx->ngxCtxRef = luaL_ref(L, LUA_REGISTRYINDEX);
    } else {
        lua_rawseti(L, LUA_REGISTRYINDEX, ctx->ngxCtxRef);
    }
    return 0;
}

int getHeadersSent(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return restyError(L, "misc.lua:151", "no request found");
    }
    if (!ctx->http) {
        return errorAt(L, 1, "API disabled in the current context");
    }
    lua_pushboolean(L, ctx->http->headerSent());
    return 1;
}

int getIsSubrequest(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return restyError(L, "misc.lua:130", "no request found");
    }
    if (!ctx->http) {
        return errorAt(L, 1, "API disabled in the current context");
    }
    lua_pushboolean(L, ctx->http->isSubrequest() ? 1 : 0);
    return 1;
}

bool keyIs(lua_State* L, int index, const char* name)
{
    if (lua_type(L, index) != LUA_TSTRING) {
        return false;
    }
    std::size_t len = 0;
    const char* text = lua_tolstring(L, index, &len);
    return len == std::strlen(name) && std::memcmp(text, name, len) == 0;
}

// __index: (ngx, key)
int ngxIndex(lua_State* L)
{
    if (keyIs(L, 2, "ctx")) {
        return getCtx(L);
    }
    if (keyIs(L, 2, "status")) {
        return getStatus(L);
    }
    if (keyIs(L, 2, "headers_sent")) {
        return getHeadersSent(L);
    }
    if (keyIs(L, 2, "is_subrequest")) {
        return getIsSubrequest(L);
    }
    lua_settop(L, 2);
    lua_pushvalue(L, 2);
    lua_rawget(L, 1);
    if (lua_isnil(L, -1)) {
        // lua-nginx-module APIs restyscope lacks fail by name instead of giving nil.
        for (const char* name : {"arg", "run_worker_thread"}) {
            if (keyIs(L, 2, name)) {
                return notImplementedError(L, "ngx", name);
            }
        }
    }
    return 1;
}

// __newindex: (ngx, key, value)
int ngxNewIndex(lua_State* L)
{
    lua_settop(L, 3);
    if (keyIs(L, 2, "ctx")) {
        return setCtx(L);
    }
    if (keyIs(L, 2, "status")) {
        return setStatus(L);
    }
    lua_rawset(L, 1);
    return 0;
}

} // namespace

void installCtx(lua_State* L)
{
    /* stack: ngx -> ngx */
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, ngxIndex);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, ngxNewIndex);
    lua_setfield(L, -2, "__newindex");
    lua_setmetatable(L, -2);
}

} // namespace restyscope::engine::api
