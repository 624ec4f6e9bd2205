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

} // namespace restyscope::engine::runtime
