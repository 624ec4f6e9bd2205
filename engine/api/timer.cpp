// ngx.timer.at / every / running_count / pending_count (the scheduler keeps the timers:
// sched/timers.h).

#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/sched/scheduler.h"
#include "engine/sched/timers.h"

#include <lua.hpp>

namespace restyscope::engine::api {

namespace {

// Everywhere a request or a timer runs; nginx refuses only init_by_lua.
constexpr unsigned kTimerContexts = ~static_cast<unsigned>(sched::kContextInit);

int startTimer(lua_State* L, bool every)
{
    const int n = lua_gettop(L);
    if (n < 2) {
        return luaL_error(L, "expecting at least 2 arguments but got %d", n);
    }
    const double delay = luaL_checknumber(L, 1);
    if (every && delay == 0) {
        return luaL_error(L, "delay cannot be zero");
    }
    if (lua_type(L, 2) != LUA_TFUNCTION || lua_iscfunction(L, 2)) {
        return luaL_argerror(L, 2, "Lua function expected");
    }
    sched::RequestCtx& ctx = requireContext(L, kTimerContexts, "no request");
    ctx.scheduler.timers().start(L, ctx, delay, every, 2, n - 2);
    lua_pushinteger(L, 1);
    return 1;
}

int timerAt(lua_State* L)
{
    return startTimer(L, false);
}

int timerEvery(lua_State* L)
{
    return startTimer(L, true);
}

int runningCount(lua_State* L)
{
    sched::RequestCtx& ctx = checkRequest(L);
    lua_pushinteger(L, static_cast<lua_Integer>(ctx.scheduler.timers().runningCount()));
    return 1;
}

int pendingCount(lua_State* L)
{
    sched::RequestCtx& ctx = checkRequest(L);
    lua_pushinteger(L, static_cast<lua_Integer>(ctx.scheduler.timers().pendingCount()));
    return 1;
}

} // namespace

void installTimer(lua_State* L)
{
    lua_createtable(L, 0, 4);
    setFunction(L, "at", timerAt);
    setFunction(L, "every", timerEvery);
    setFunction(L, "running_count", runningCount);
    setFunction(L, "pending_count", pendingCount);
    lua_setfield(L, -2, "timer");
}

} // namespace restyscope::engine::api
