#include "engine/api/apiutil.h"

#include <lua.hpp>

#include <cmath>
#include <cstdint>

namespace restyscope::engine::api {

namespace {

// Registry key of the original tostring.
char g_toStringKey;

constexpr const char* kRestyCoreDir = "/usr/share/lua/5.1/resty/core/";

} // namespace

void captureLuaToString(lua_State* L)
{
    lua_pushlightuserdata(L, &g_toStringKey);
    lua_rawget(L, LUA_REGISTRYINDEX);
    const bool have = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (have) {
        return;
    }
    lua_pushlightuserdata(L, &g_toStringKey);
    lua_getglobal(L, "tostring");
    lua_rawset(L, LUA_REGISTRYINDEX);
}

std::string luaToString(lua_State* L, int index)
{
    switch (lua_type(L, index)) {
    case LUA_TSTRING:
    case LUA_TNUMBER: {
        // lua_tolstring on a copy: the original stays a number.
        lua_pushvalue(L, index);
        std::size_t len = 0;
        const char* text = lua_tolstring(L, -1, &len);
        std::string out(text, len);
        lua_pop(L, 1);
        return out;
    }
    case LUA_TNIL: return "nil";
    case LUA_TBOOLEAN: return lua_toboolean(L, index) ? "true" : "false";
    default: break;
    }
    const int absolute = index < 0 ? lua_gettop(L) + index + 1 : index;
    lua_pushlightuserdata(L, &g_toStringKey);
    lua_rawget(L, LUA_REGISTRYINDEX);
    if (!lua_isfunction(L, -1)) {
        lua_pop(L, 1);
        lua_getglobal(L, "tostring");
    }
    lua_pushvalue(L, absolute);
    lua_call(L, 1, 1);
    std::size_t len = 0;
    const char* text = lua_tolstring(L, -1, &len);
    std::string out = text ? std::string(text, len) : std::string();
    lua_pop(L, 1);
    return out;
}

int restyError(lua_State* L, const char* where, const std::string& message)
{
    lua_pushfstring(L, "%s%s: %s", kRestyCoreDir, where, message.c_str());
    return lua_error(L);
}

int errorAt(lua_State* L, int level, const std::string& message)
{
    luaL_where(L, level);
    lua_pushlstring(L, message.data(), message.size());
    lua_concat(L, 2);
    return lua_error(L);
}

int ffiIntArgument(lua_State* L, int index, const char* where, const char* function, int parameter)
{
    switch (lua_type(L, index)) {
    case LUA_TNUMBER: {
        const double value = lua_tonumber(L, index);
        if (!(value > -9.2e18 && value < 9.2e18)) {
            return 0; // NaN and out-of-range values; LuaJIT's result there is unspecified
        }
        return static_cast<int>(static_cast<std::int32_t>(static_cast<long long>(value)));
    }
    case LUA_TBOOLEAN: return lua_toboolean(L, index) ? 1 : 0;
    default: break;
    }
    const std::string message = std::string("bad argument #") + std::to_string(parameter) +
                                " to '" + function + "' (cannot convert '" +
                                luaL_typename(L, index) + "' to 'int')";
    return restyError(L, where, message);
}

void addMultiValue(lua_State* L, int table)
{
    /* stack: key, value -> key, value, old */
    lua_pushvalue(L, -2);
    lua_rawget(L, table);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_rawset(L, table);
    } else if (lua_istable(L, -1)) {
        /* stack: key, value, list -> key, list -> (popped) */
        lua_insert(L, -2);
        lua_rawseti(L, -2, static_cast<int>(lua_objlen(L, -2)) + 1);
        lua_pop(L, 2);
    } else {
        /* stack: key, value, old -> key, {old, value} -> (popped) */
        lua_createtable(L, 4, 0);
        lua_insert(L, -2);
        lua_rawseti(L, -2, 1);
        lua_insert(L, -2);
        lua_rawseti(L, -2, 2);
        lua_rawset(L, table);
    }
}

} // namespace restyscope::engine::api
