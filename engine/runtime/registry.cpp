#include "engine/runtime/registry.h"

#include <lua.hpp>

namespace restyscope::engine::runtime {

namespace {

// Only the addresses matter.
char codeCacheKey;
char coroutineAnchorsKey;
char socketPoolsKey;

void* keyOf(RegistryTable which)
{
    switch (which) {
    case RegistryTable::CodeCache: return &codeCacheKey;
    case RegistryTable::CoroutineAnchors: return &coroutineAnchorsKey;
    case RegistryTable::SocketPools: return &socketPoolsKey;
    }
    return &codeCacheKey;
}

/* stack: ... -> ... */
void createTable(lua_State* L, RegistryTable which, int records)
{
    lua_pushlightuserdata(L, keyOf(which));
    lua_createtable(L, 0, records);
    lua_rawset(L, LUA_REGISTRYINDEX);
}

} // namespace

void createRegistryTables(lua_State* L)
{
    createTable(L, RegistryTable::CoroutineAnchors, 32);
    createTable(L, RegistryTable::SocketPools, 8);
    createTable(L, RegistryTable::CodeCache, 8);
}

void resetRegistryTable(lua_State* L, RegistryTable which)
{
    lua_pushlightuserdata(L, keyOf(which));
    lua_newtable(L);
    lua_rawset(L, LUA_REGISTRYINDEX);
}

void pushRegistryTable(lua_State* L, RegistryTable which)
{
    lua_pushlightuserdata(L, keyOf(which));
    lua_rawget(L, LUA_REGISTRYINDEX);
}

} // namespace restyscope::engine::runtime
