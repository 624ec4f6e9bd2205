#pragma once
// Helpers every ngx.* binding uses: find the request of the calling coroutine, and refuse
// an API outside the contexts nginx allows it in, with nginx's messages.

#include "engine/sched/requestctx.h"

#include <string>
#include <string_view>

struct lua_State;

namespace restyscope::engine::api {

// The calling coroutine's request ctx; nullptr outside a request (init_by_lua, ...).
sched::RequestCtx* findRequest(lua_State* L);
// Raises "no request found" when there is none (lua-nginx-module's wording).
sched::RequestCtx& checkRequest(lua_State* L);
// Raises "API disabled in the context of <ctx>" unless ctx.context is in allowed.
void checkContext(lua_State* L, const sched::RequestCtx& ctx, unsigned allowed);
// checkRequest + checkContext.
sched::RequestCtx& requireContext(lua_State* L, unsigned allowed);

// Adds f to the table at the top of the stack under name. /* stack: t -> t */
void setFunction(lua_State* L, const char* name, int (*f)(lua_State*));

// Writes to the request's error log with nginx's request context suffix.
void logForRequest(const sched::RequestCtx* ctx, int ngxLevel, const std::string& message);

} // namespace restyscope::engine::api
