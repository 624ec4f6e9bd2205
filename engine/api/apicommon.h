#pragma once
// Helpers every ngx.* binding uses: find the request of the calling coroutine, and refuse
// an API outside the contexts nginx allows it in, with nginx's messages.

#include "engine/sched/requestctx.h"

#include <initializer_list>
#include <string>
#include <string_view>

struct lua_State;

namespace restyscope::engine::api {

// The calling coroutine's request ctx; nullptr outside a request (init_by_lua, ...).
sched::RequestCtx* findRequest(lua_State* L);
// Raises noRequest when there is none (lua-nginx-module's functions word it "no request
// found", "no request object found" or "request object not found").
sched::RequestCtx& checkRequest(lua_State* L, const char* noRequest = "no request found");
// Raises "API disabled in the context of <ctx>" unless ctx.context is in allowed.
void checkContext(lua_State* L, const sched::RequestCtx& ctx, unsigned allowed);
// checkRequest + checkContext.
sched::RequestCtx& requireContext(lua_State* L, unsigned allowed,
                                  const char* noRequest = "no request found");

// The method name of an ngx.HTTP_GET .. ngx.HTTP_TRACE number; nullptr for any other.
const char* ngxMethodName(int id);

// Adds f to the table at the top of the stack under name. /* stack: t -> t */
void setFunction(lua_State* L, const char* name, int (*f)(lua_State*));

// Adds under name an empty table whose reads and writes go to get and set (ngx.var,
// ngx.header). /* stack: t -> t */
void setProxyTable(lua_State* L, const char* name, int (*get)(lua_State*), int (*set)(lua_State*));

// Gives the table at the top of the stack an __index that raises "<prefix>.<name> is not
// implemented by restyscope" for each listed name lua-nginx-module has and restyscope does
// not, so a handler fails with a clear error rather than calling nil. /* stack: t -> t */
void markNotImplemented(lua_State* L, const char* prefix, std::initializer_list<const char*> names);
// The same error for one name, for a table that has its own __index.
int notImplementedError(lua_State* L, const char* prefix, const char* name);

// Writes to the request's error log with nginx's request context suffix.
void logForRequest(const sched::RequestCtx* ctx, int ngxLevel, const std::string& message);

} // namespace restyscope::engine::api
