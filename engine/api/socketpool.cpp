#include "engine/api/socketpool.h"

#include <lua.hpp>

namespace restyscope::engine::api::cosocket {

namespace {

char g_poolKey; // registry[&g_poolKey] = userdata holding the VM's KeepalivePool*

int poolGc(lua_State* L)
{
    auto** slot = static_cast<net::KeepalivePool**>(lua_touserdata(L, 1));
    delete *slot;
    *slot = nullptr;
    return 0;
}

} // namespace

net::KeepalivePool& socketPoolOf(lua_State* L)
{
    lua_pushlightuserdata(L, &g_poolKey);
    lua_rawget(L, LUA_REGISTRYINDEX); /* stack: slot? */
    if (auto** slot = static_cast<net::KeepalivePool**>(lua_touserdata(L, -1)); slot && *slot) {
        lua_pop(L, 1);
        return **slot;
    }
    lua_pop(L, 1);
    lua_pushlightuserdata(L, &g_poolKey);
    auto** slot =
        static_cast<net::KeepalivePool**>(lua_newuserdata(L, sizeof(net::KeepalivePool*)));
    *slot = new net::KeepalivePool();
    lua_createtable(L, 0, 1); /* stack: key, slot, mt */
    lua_pushcfunction(L, poolGc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX); /* stack: (empty) */
    return **slot;
}

} // namespace restyscope::engine::api::cosocket
