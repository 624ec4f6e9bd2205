// ngx.semaphore (lua-resty-core's module over lua-nginx-module's semaphores): new, post,
// wait, count. A wait that cannot take a resource parks the coroutine (reason
// "semaphore"); post queues one wakeup event that resumes the waiters first come, first
// served, as nginx posts its semaphore event. Errors are worded and positioned as the
// Lua module raises them.

#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/api/apiutil.h"
#include "engine/sched/scheduler.h"

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <lua.hpp>

#include <deque>
#include <memory>
#include <new>

namespace restyscope::engine::api {

namespace {

char g_semaMetaKey; // registry[&g_semaMetaKey] = the metatable of semaphore objects

// Where ngx/semaphore.lua 0.1.25 raises the errors it raises at its own level.
constexpr const char* kSemaphoreFile = "/usr/share/lua/5.1/ngx/semaphore.lua";
constexpr int kNoRequestLine = 126;
constexpr int kSecondsLine = 129;

struct SemaWaiter
{
    explicit SemaWaiter(asio::io_context& io) : timer(io) {}
    std::weak_ptr<sched::RequestCtx> ctx;
    sched::CoCtx* co = nullptr;
    asio::steady_timer timer;
};

struct Semaphore : std::enable_shared_from_this<Semaphore>
{
    long long resources = 0;
    std::deque<std::shared_ptr<SemaWaiter>> waiters;
    bool eventPosted = false;
    std::unique_ptr<asio::steady_timer> event;

    void remove(const std::shared_ptr<SemaWaiter>& waiter) { std::erase(waiters, waiter); }

    // nginx's semaphore event: the longest waiters take what post made available.
    void wakeWaiters()
    {
        eventPosted = false;
        auto self = shared_from_this();
        while (!waiters.empty() && resources > 0) {
            std::shared_ptr<SemaWaiter> waiter = waiters.front();
            waiters.pop_front();
            --resources;
            waiter->timer.cancel();
            auto ctx = waiter->ctx.lock();
            if (!ctx || !waiter->co->alive()) {
                continue;
            }
            ctx->scheduler.wake(ctx, *waiter->co, [](lua_State* co) {
                lua_pushboolean(co, 1);
                lua_pushnil(co);
                return 2;
            });
        }
    }
};

struct Box
{
    std::shared_ptr<Semaphore> sema;
};

int boxGc(lua_State* L)
{
    static_cast<Box*>(lua_touserdata(L, 1))->~Box();
    return 0;
}

// self.sem of a semaphore object, or raises the module's error at the caller.
std::shared_ptr<Semaphore> checkSemaphore(lua_State* L)
{
    Box* box = nullptr;
    if (lua_type(L, 1) == LUA_TTABLE) {
        lua_getfield(L, 1, "sem");
        box = static_cast<Box*>(lua_touserdata(L, -1));
        if (box && lua_getmetatable(L, -1)) {
            lua_pushlightuserdata(L, &g_semaMetaKey);
            lua_rawget(L, LUA_REGISTRYINDEX);
            lua_getfield(L, -1, "box");
            if (!lua_rawequal(L, -1, -3)) {
                box = nullptr;
            }
            lua_pop(L, 3);
        } else {
            box = nullptr;
        }
        lua_pop(L, 1);
    }
    if (!box) {
        errorAt(L, 1, "not a semaphore instance");
    }
    return box->sema;
}

int semaNew(lua_State* L)
{
    lua_Number n = 0;
    if (lua_gettop(L) >= 1 && lua_isnumber(L, 1)) {
        n = lua_tonumber(L, 1);
    }
    if (n < 0) {
        return errorAt(L, 1, "no negative number");
    }
    lua_createtable(L, 0, 1); /* stack: obj */
    void* memory = lua_newuserdata(L, sizeof(Box));
    auto* box = new (memory) Box{std::make_shared<Semaphore>()};
    box->sema->resources = static_cast<long long>(n);
    lua_pushlightuserdata(L, &g_semaMetaKey);
    lua_rawget(L, LUA_REGISTRYINDEX); /* stack: obj, box, mt */
    lua_getfield(L, -1, "box");
    lua_setmetatable(L, -3);
    lua_insert(L, -2);          /* stack: obj, mt, box */
    lua_setfield(L, -3, "sem"); /* stack: obj, mt */
    lua_setmetatable(L, -2);
    return 1;
}

int semaWait(lua_State* L)
{
    std::shared_ptr<Semaphore> sema = checkSemaphore(L);
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return luaL_error(L, "%s:%d: no request found", kSemaphoreFile, kNoRequestLine);
    }
    if (!lua_isnumber(L, 2)) {
        return luaL_error(L, "%s:%d: attempt to perform arithmetic on a nil value", kSemaphoreFile,
                          kSecondsLine);
    }
    const lua_Number ms = lua_tonumber(L, 2) * 1000;
    if (ms < 0) {
        return errorAt(L, 1, "no negative number");
    }
    if ((ctx->context & sched::kContextYieldable) == 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "API disabled in the context of %s",
                        std::string(sched::contextName(ctx->context)).c_str());
        return 2;
    }
    if (sema->waiters.empty() && sema->resources > 0) {
        --sema->resources;
        lua_pushboolean(L, 1);
        return 1;
    }
    const auto waitMs = static_cast<int>(ms);
    if (waitMs == 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "timeout");
        return 2;
    }
    sched::CoCtx* co = sched::RequestCtx::coOf(L);
    if (!co) {
        return luaL_error(L, "no co ctx found");
    }
    auto waiter = std::make_shared<SemaWaiter>(ctx->scheduler.io());
    waiter->ctx = ctx->weak_from_this();
    waiter->co = co;
    sema->waiters.push_back(waiter);
    waiter->timer.expires_after(std::chrono::milliseconds(waitMs));
    // The timer holds the semaphore: a waiter must wake even if Lua dropped the object.
    waiter->timer.async_wait(
        [sema, weakWaiter = std::weak_ptr(waiter)](const std::error_code& error) {
            auto waiter = weakWaiter.lock();
            if (error || !waiter) {
                return;
            }
            sema->remove(waiter);
            auto ctx = waiter->ctx.lock();
            if (!ctx || !waiter->co->alive()) {
                return;
            }
            ctx->scheduler.wake(ctx, *waiter->co, [](lua_State* co) {
                lua_pushboolean(co, 0);
                lua_pushliteral(co, "timeout");
                return 2;
            });
        });
    co->reason = trace::YieldReason::Semaphore;
    co->waitingOn = "semaphore (" + std::to_string(sema->waiters.size()) + " waiting)";
    co->cleanup = [weakSema = std::weak_ptr(sema), waiter] {
        waiter->timer.cancel();
        if (auto sema = weakSema.lock()) {
            sema->remove(waiter);
        }
    };
    ctx->coOp = sched::CoOp::Nop;
    return lua_yield(L, 0);
}

int semaPost(lua_State* L)
{
    std::shared_ptr<Semaphore> sema = checkSemaphore(L);
    lua_Number n = 1;
    if (lua_gettop(L) >= 2 && lua_toboolean(L, 2)) {
        n = lua_isnumber(L, 2) ? lua_tonumber(L, 2) : 0;
    }
    if (n < 1) {
        return errorAt(L, 1, "positive number required");
    }
    sema->resources += static_cast<long long>(n);
    if (!sema->waiters.empty() && !sema->eventPosted) {
        if (auto ctx = sema->waiters.front()->ctx.lock()) {
            // nginx posts the semaphore event, and posted events run after the timers
            // that are due (an ngx.sleep(0) of the poster resumes first). Asio gets the
            // same order from a 0 ms timer whose handler posts the wakeup: the timers due
            // with it are already queued ahead.
            sema->eventPosted = true;
            if (!sema->event) {
                sema->event = std::make_unique<asio::steady_timer>(ctx->scheduler.io());
            }
            sema->event->expires_after(std::chrono::milliseconds(0));
            sema->event->async_wait([weak = std::weak_ptr(sema)](const std::error_code& error) {
                auto sema = weak.lock();
                if (error || !sema) {
                    return;
                }
                asio::post(sema->event->get_executor(), [weak] {
                    if (auto sema = weak.lock()) {
                        sema->wakeWaiters();
                    }
                });
            });
        }
    }
    lua_pushboolean(L, 1);
    return 1;
}

int semaCount(lua_State* L)
{
    std::shared_ptr<Semaphore> sema = checkSemaphore(L);
    lua_pushinteger(L, static_cast<lua_Integer>(sema->resources -
                                                static_cast<long long>(sema->waiters.size())));
    return 1;
}

// require "ngx.semaphore": the module and the objects' metatable are built on first use,
// as lua-resty-core loads its file then; VMs that never require it (one per request with
// lua_code_cache off) pay nothing.
int loadModule(lua_State* L)
{
    lua_pushlightuserdata(L, &g_semaMetaKey);
    lua_createtable(L, 0, 2); /* stack: key, mt */
    lua_createtable(L, 0, 5); /* stack: key, mt, module */
    setFunction(L, "new", semaNew);
    setFunction(L, "wait", semaWait);
    setFunction(L, "post", semaPost);
    setFunction(L, "count", semaCount);
    lua_pushliteral(L, "0.1.25");
    lua_setfield(L, -2, "version");
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "__index");
    lua_insert(L, -3); /* stack: module, key, mt */
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, boxGc);
    lua_setfield(L, -2, "__gc");
    lua_setfield(L, -2, "box");
    lua_rawset(L, LUA_REGISTRYINDEX); /* stack: module */
    return 1;
}

} // namespace

void installSemaphore(lua_State* L)
{
    /* stack: ngx -> ngx */
    // In package.preload: built in, not Debian's file on the path (the views tell them apart).
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "preload");
    lua_pushcfunction(L, loadModule);
    lua_setfield(L, -2, "ngx.semaphore");
    lua_pop(L, 2);
}

} // namespace restyscope::engine::api
