// ngx.thread.spawn / wait / kill (lua-nginx-module's ngx_http_lua_uthread.c, semantics.md
// 2.5). spawn posts the parent and runs the child at once; wait takes the first zombie in
// argument order or parks the parent until a flagged child finishes.

#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/sched/scheduler.h"

#include <lua.hpp>

namespace restyscope::engine::api {

namespace {

using sched::CoCtx;
using sched::CoStatus;

int threadSpawn(lua_State* L)
{
    if (lua_type(L, 1) != LUA_TFUNCTION || lua_iscfunction(L, 1)) {
        return luaL_argerror(L, 1, "Lua function expected");
    }
    sched::RequestCtx& ctx = requireContext(L, sched::kContextYieldable);
    CoCtx* parent = sched::RequestCtx::coOf(L);
    if (!parent) {
        return luaL_error(L, "no parent co ctx found");
    }
    CoCtx* child = ctx.newCoroutine(trace::CoroutineType::UserThread, parent);
    child->status = CoStatus::Running;
    /* stack: f, args... -> (moved onto the child) */
    lua_xmove(L, child->co, lua_gettop(L));
    ++ctx.uthreads;
    ctx.pushThread(L, *child);
    // The parent goes to the posted queue; the child runs first.
    ctx.post(parent);
    parent->reason = trace::YieldReason::ThreadSpawn;
    ctx.cur = child;
    ctx.coOp = sched::CoOp::UserThreadResume;
    return lua_yield(L, 1);
}

int threadWait(lua_State* L)
{
    sched::RequestCtx& ctx = requireContext(L, sched::kContextYieldable);
    CoCtx* self = sched::RequestCtx::coOf(L);
    const int n = lua_gettop(L);
    if (n == 0) {
        return luaL_error(L, "at least one coroutine should be specified");
    }
    std::string waitingOn;
    for (int i = 1; i <= n; ++i) {
        lua_State* sub = lua_tothread(L, i);
        if (!sub) {
            return luaL_argerror(L, i, "coroutine expected");
        }
        CoCtx* child = ctx.find(sub);
        if (!child) {
            return luaL_error(L, "no co ctx found");
        }
        if (child->type != trace::CoroutineType::UserThread) {
            return luaL_error(L, "attempt to wait on a coroutine that is not a user thread");
        }
        if (child->parent != self) {
            return luaL_error(L, "only the parent coroutine can wait on the thread");
        }
        switch (child->status) {
        case CoStatus::Zombie: {
            // Finished before: hand over what it left (true/false, values).
            const int nrets = lua_gettop(child->co);
            lua_settop(L, 0);
            lua_xmove(child->co, L, nrets);
            child->status = CoStatus::Dead;
            std::erase(self->zombieChildren, child);
            ctx.releaseCoroutine(*child);
            return nrets;
        }
        case CoStatus::Dead:
            if (i == n) {
                lua_pushnil(L);
                lua_pushliteral(L, "already waited or killed");
                return 2;
            }
            continue;
        default:
            child->waitedByParent = true;
            waitingOn += (waitingOn.empty() ? "thread " : ", ") + std::to_string(child->id);
            break;
        }
    }
    self->reason = trace::YieldReason::ThreadWait;
    self->waitingOn = waitingOn;
    ctx.coOp = sched::CoOp::Nop;
    lua_settop(L, 0);
    return lua_yield(L, 0);
}

int threadKill(lua_State* L)
{
    sched::RequestCtx& ctx = requireContext(L, sched::kContextYieldable);
    lua_State* sub = lua_tothread(L, 1);
    if (!sub) {
        return luaL_argerror(L, 1, "coroutine expected");
    }
    CoCtx* self = sched::RequestCtx::coOf(L);
    CoCtx* target = ctx.find(sub);
    if (!target) {
        lua_pushnil(L);
        lua_pushliteral(L, "no co ctx found");
        return 2;
    }
    if (target->type != trace::CoroutineType::UserThread) {
        lua_pushnil(L);
        lua_pushliteral(L, "not user thread");
        return 2;
    }
    if (target->parent != self) {
        lua_pushnil(L);
        lua_pushliteral(L, "killer not parent");
        return 2;
    }
    if (target->reason == trace::YieldReason::Subrequest && target->alive()) {
        // its ngx.location.capture children are still running
        lua_pushnil(L);
        lua_pushliteral(L, "pending subrequests");
        return 2;
    }
    if (target->status == CoStatus::Zombie) {
        target->status = CoStatus::Dead;
        std::erase(self->zombieChildren, target);
        lua_settop(target->co, 0);
        ctx.releaseCoroutine(*target);
        lua_pushnil(L);
        lua_pushliteral(L, "already terminated");
        return 2;
    }
    if (target->status == CoStatus::Dead) {
        lua_pushnil(L);
        lua_pushliteral(L, "already waited or killed");
        return 2;
    }
    ctx.scheduler.kill(ctx, *target);
    lua_pushinteger(L, 1);
    return 1;
}

} // namespace

void installUthread(lua_State* L)
{
    lua_createtable(L, 0, 3);
    setFunction(L, "spawn", threadSpawn);
    setFunction(L, "wait", threadWait);
    setFunction(L, "kill", threadKill);
    lua_setfield(L, -2, "thread");
}

} // namespace restyscope::engine::api
