#pragma once
// ngx.status, reached through the ngx table's metatable (installed with ngx.ctx).

struct lua_State;

namespace restyscope::engine::api {

// Pushes ngx.status; returns 1.
int getStatus(lua_State* L);
// Sets ngx.status from the value at the top of the stack; returns 0.
int setStatus(lua_State* L);

} // namespace restyscope::engine::api
