#pragma once
// Design: the Lua side of a cosocket object, tcp and udp alike (lua-nginx-module's
// ngx_http_lua_socket_*_upstream userdata in [1] of the object table). The userdata holds
// a shared pointer to the socket; its own metatable (the "box" entry of the kind's
// registered metatable) frees that pointer on collection and identifies the kind, so a
// tcp method called on a udp object finds no socket.

#include <cstdint>
#include <memory>
#include <string_view>

struct lua_State;

namespace restyscope::engine::api::cosocket {

// Pushes the methods table of a kind (its functions by name).
using PushSocketMethods = void (*)(lua_State* L);

// Pushes a new object table of the kind registered under metaKey holding socket. The kind
// is registered on its first object (pushMethods gives its methods): a VM that never
// creates a cosocket (one per request with lua_code_cache off) never builds the tables.
/* stack: -> obj */
void pushSocketObject(lua_State* L, const void* metaKey, PushSocketMethods pushMethods,
                      std::shared_ptr<void> socket);

// The socket held by the object table at index when it is of the kind registered under
// metaKey; nullptr otherwise (not a table, another kind, no userdata).
std::shared_ptr<void> socketOfObject(lua_State* L, int index, const void* metaKey);

// The nil, err pair every cosocket method returns on a runtime failure.
int pushNilError(lua_State* L, std::string_view error);

} // namespace restyscope::engine::api::cosocket
