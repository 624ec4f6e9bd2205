// The coroutine library inside requests (lua-nginx-module's ngx_http_lua_coroutine.c,
// semantics.md 2.6): coroutines are made on the VM's main state and every resume and
// yield goes back to the scheduler (co_op), so a user coroutine can sleep or do I/O.
// Outside a request (init_by_lua) and in header/body filters the standard functions run.

#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/sched/scheduler.h"

#include <lua.hpp>

namespace restyscope::engine::api {

namespace {

using sched::CoCtx;
using sched::CoStatus;

constexpr unsigned kFilterContexts = sched::kContextHeaderFilter | sched::kContextBodyFilter;
// Where coroutine.create is allowed; elsewhere (log, set, ...) nginx refuses it.
constexpr unsigned kCoroutineContexts = sched::kContextYieldable;

enum StdFunction { kStdCreate = 1, kStdResume, kStdYield, kStdWrap, kStdStatus };

// The ngx versions apply when a request runs and the phase is not a filter.
sched::RequestCtx* ngxContext(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx || (ctx->context & kFilterContexts) != 0) {
        return nullptr;
    }
    return ctx;
}

// Calls the standard library's version (upvalue `which`) with this call's arguments.
int callStd(lua_State* L, int which)
{
    lua_pushvalue(L, lua_upvalueindex(which));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

CoCtx* createUserCoroutine(lua_State* L, sched::RequestCtx& ctx, bool wrap)
{
    if (lua_type(L, 1) != LUA_TFUNCTION || lua_iscfunction(L, 1)) {
        luaL_argerror(L, 1, "Lua function expected");
    }
    checkContext(L, ctx, kCoroutineContexts);
    // Shown under its creator until a resume makes the resumer its parent.
    CoCtx* co = ctx.newCoroutine(trace::CoroutineType::UserCoroutine, sched::RequestCtx::coOf(L));
    co->isWrap = wrap;
    co->status = CoStatus::Suspended;
    lua_pushvalue(L, 1);
    lua_xmove(L, co->co, 1);
    return co;
}

// Resumes target from the calling coroutine through the scheduler.
int resumeThrough(lua_State* L, sched::RequestCtx& ctx, CoCtx* target)
{
    CoCtx* self = sched::RequestCtx::coOf(L);
    target->parent = self;
    if (self) {
        self->status = CoStatus::Normal;
    }
    ctx.cur = target;
    ctx.coOp = sched::CoOp::UserCoroResume;
    // The arguments stay on this stack as the yielded values; run_thread moves them.
    lua_remove(L, 1); // the coroutine itself
    return lua_yield(L, lua_gettop(L));
}

int cannotResume(lua_State* L, const CoCtx* target)
{
    lua_pushboolean(L, 0);
    lua_pushfstring(
        L, "cannot resume %s coroutine",
        std::string(sched::coStatusName(target ? target->status : CoStatus::Dead)).c_str());
    return 2;
}

int coCreate(lua_State* L)
{
    sched::RequestCtx* ctx = ngxContext(L);
    if (!ctx) {
        return callStd(L, kStdCreate);
    }
    CoCtx* co = createUserCoroutine(L, *ctx, false);
    ctx->pushThread(L, *co);
    return 1;
}

int coResume(lua_State* L)
{
    sched::RequestCtx* ctx = ngxContext(L);
    if (!ctx) {
        return callStd(L, kStdResume);
    }
    lua_State* sub = lua_tothread(L, 1);
    if (!sub) {
        return luaL_argerror(L, 1, "coroutine expected");
    }
    CoCtx* target = ctx->find(sub);
    if (!target || target->status != CoStatus::Suspended) {
        return cannotResume(L, target);
    }
    return resumeThrough(L, *ctx, target);
}

int coYield(lua_State* L)
{
    sched::RequestCtx* ctx = ngxContext(L);
    if (!ctx) {
        return lua_yield(L, lua_gettop(L));
    }
    checkContext(L, *ctx, kCoroutineContexts);
    CoCtx* self = sched::RequestCtx::coOf(L);
    if (self && !self->isThread()) {
        self->status = CoStatus::Suspended;
    }
    ctx->coOp = sched::CoOp::UserCoroYield;
    return lua_yield(L, lua_gettop(L));
}

// The function coroutine.wrap returns: resumes its coroutine; a dead one answers
// false, "cannot resume dead coroutine" as plain values (semantics.md 2.6.3).
int wrapCall(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    lua_State* sub = lua_tothread(L, lua_upvalueindex(1));
    CoCtx* target = ctx ? ctx->find(sub) : nullptr;
    if (!ctx || !target || target->status != CoStatus::Suspended) {
        return cannotResume(L, target);
    }
    lua_pushnil(L); // a slot for resumeThrough to remove, like the coroutine argument
    lua_insert(L, 1);
    return resumeThrough(L, *ctx, target);
}

int coWrap(lua_State* L)
{
    sched::RequestCtx* ctx = ngxContext(L);
    if (!ctx) {
        return callStd(L, kStdWrap);
    }
    CoCtx* co = createUserCoroutine(L, *ctx, true);
    ctx->pushThread(L, *co);
    lua_pushcclosure(L, wrapCall, 1);
    return 1;
}

int coStatus(lua_State* L)
{
    sched::RequestCtx* ctx = ngxContext(L);
    if (!ctx) {
        return callStd(L, kStdStatus);
    }
    lua_State* sub = lua_tothread(L, 1);
    if (!sub) {
        return luaL_argerror(L, 1, "coroutine expected");
    }
    const CoCtx* co = ctx->find(sub);
    const std::string name(sched::coStatusName(co ? co->status : CoStatus::Dead));
    lua_pushlstring(L, name.data(), name.size());
    return 1;
}

} // namespace

void installCoroutine(lua_State* L)
{
    lua_getglobal(L, "coroutine");
    const int table = lua_gettop(L);
    // Keep the standard functions as coroutine._create, ... (as lua-nginx-module does) and
    // as upvalues of the dispatchers.
    static constexpr const char* names[] = {"create", "resume", "yield", "wrap", "status"};
    for (const char* name : names) {
        lua_getfield(L, -1, name);
        lua_setfield(L, -2, (std::string("_") + name).c_str());
    }
    struct Dispatcher
    {
        const char* name;
        lua_CFunction f;
    };
    static constexpr Dispatcher dispatchers[] = {
        {"create", coCreate}, {"resume", coResume}, {"yield", coYield},
        {"wrap", coWrap},     {"status", coStatus},
    };
    for (const auto& d : dispatchers) {
        for (const char* name : names) {
            lua_getfield(L, table, (std::string("_") + name).c_str());
        }
        lua_pushcclosure(L, d.f, 5);
        lua_setfield(L, table, d.name);
    }
    lua_pop(L, 1);
}

} // namespace restyscope::engine::api
