#pragma once
// Design: the VM's registry tables, each stored under a light-userdata key (the address of a
// static in registry.cpp), as lua-nginx-module keys its code cache, coroutine anchors and
// cosocket pools. Lua code cannot reach them.

struct lua_State;

namespace restyscope::engine::runtime {

enum class RegistryTable {
    CodeCache,        // cache key -> closure factory or ref; ref -> closure factory
    CoroutineAnchors, // ref -> coroutine, keeps threads alive while the scheduler holds them
    SocketPools,      // cosocket connection pools
};

// Creates the three tables (once per VM, right after the standard libraries).
/* stack: ... -> ... */
void createRegistryTables(lua_State* L);

/* stack: ... -> ..., table */
void pushRegistryTable(lua_State* L, RegistryTable which);

// Replaces a table with a fresh empty one: Lua tables never shrink, so an anchor table
// that held 10,000 parked coroutines would keep their slots after they are all gone.
/* stack: ... -> ... */
void resetRegistryTable(lua_State* L, RegistryTable which);

} // namespace restyscope::engine::runtime
