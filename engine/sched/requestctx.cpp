#include "engine/sched/requestctx.h"

#include "engine/http/connection.h"

#include "engine/runtime/registry.h"
#include "engine/runtime/vm.h"
#include "engine/sched/scheduler.h"
#include "engine/trace/tracer.h"

#include <lua.hpp>

#include <algorithm>

namespace restyscope::engine::sched {

std::string_view coStatusName(CoStatus status)
{
    switch (status) {
    case CoStatus::Running: return "running";
    case CoStatus::Suspended: return "suspended";
    case CoStatus::Normal: return "normal";
    case CoStatus::Dead: return "dead";
    case CoStatus::Zombie: return "zombie";
    }
    return "dead";
}

RequestCtx::RequestCtx(Scheduler& scheduler, std::shared_ptr<runtime::Vm> vm,
                       std::shared_ptr<http::HttpRequest> request)
    : scheduler(scheduler), vm(std::move(vm)), http(std::move(request))
{
}

RequestCtx::~RequestCtx()
{
    killAll();
    for (auto& cleanup : endCleanups) {
        cleanup();
    }
    if (ngxCtxRef != LUA_NOREF && ngxCtxRef != LUA_REFNIL && vm) {
        luaL_unref(vm->state(), LUA_REGISTRYINDEX, ngxCtxRef);
    }
}

std::uint64_t RequestCtx::connectionSerial() const
{
    return http ? http->request.connection : fakeConnection;
}

lua_State* RequestCtx::mainState() const
{
    return vm->state();
}

CoCtx* RequestCtx::newCoroutine(trace::CoroutineType type, CoCtx* parent)
{
    lua_State* L = mainState();
    auto co = std::make_unique<CoCtx>();
    co->id = scheduler.nextCoroutineId();
    co->type = type;
    co->parent = parent;
    /* stack: ... -> ..., anchors */
    runtime::pushRegistryTable(L, runtime::RegistryTable::CoroutineAnchors);
    co->co = lua_newthread(L);
    /* stack: ..., anchors, thread -> ..., anchors */
    co->anchorRef = luaL_ref(L, -2);
    lua_pop(L, 1);
    ++vm->anchoredCoroutines;
    lua_setexdata(co->co, this);
    lua_setexdata2(co->co, co.get());
    CoCtx* raw = co.get();
    coroutines.push_back(std::move(co));
    RESTYSCOPE_PROBE(scheduler.tracer(), CoroutineCreate,
                     .request(requestId)
                         .vm(vm->id())
                         .coroutine(raw->id, parent ? parent->id : 0)
                         .value(static_cast<std::int64_t>(type)));
    return raw;
}

CoCtx* RequestCtx::find(lua_State* co) const
{
    if (!co) {
        return nullptr;
    }
    // co is a live Lua value of the caller, so reading its exdata is safe; a released
    // coroutine has none and is looked up by address.
    if (lua_getexdata(co) == this) {
        return static_cast<CoCtx*>(lua_getexdata2(co));
    }
    for (const auto& [state, ctx] : released) {
        if (state == co) {
            return ctx;
        }
    }
    return nullptr;
}

void RequestCtx::releaseCoroutine(CoCtx& co)
{
    if (co.anchorRef == LUA_NOREF || !vm) {
        return;
    }
    lua_State* L = mainState();
    runtime::pushRegistryTable(L, runtime::RegistryTable::CoroutineAnchors);
    luaL_unref(L, -1, co.anchorRef);
    lua_pop(L, 1);
    co.anchorRef = LUA_NOREF;
    if (--vm->anchoredCoroutines == 0) {
        runtime::resetRegistryTable(L, runtime::RegistryTable::CoroutineAnchors);
    }
    // The thread may outlive this ctx as a Lua value; it must not point back here.
    lua_setexdata(co.co, nullptr);
    lua_setexdata2(co.co, nullptr);
    released.emplace_back(co.co, &co);
}

void RequestCtx::killAll()
{
    posted.clear();
    for (auto& co : coroutines) {
        co->posted = false;
        if (co->cleanup) {
            auto cleanup = std::move(co->cleanup);
            co->cleanup = nullptr;
            cleanup();
        }
        if (co->status != CoStatus::Dead) {
            co->status = CoStatus::Dead;
        }
        co->reason = trace::YieldReason::None;
        co->waitingOn.clear();
        releaseCoroutine(*co);
    }
    uthreads = 0;
    cur = nullptr;
}

void RequestCtx::post(CoCtx* co)
{
    co->posted = true;
    posted.push_back(co);
    RESTYSCOPE_PROBE(scheduler.tracer(), ThreadPost,
                     .request(requestId)
                         .vm(vm->id())
                         .coroutine(co->id, co->parent ? co->parent->id : 0)
                         .value(static_cast<std::int64_t>(posted.size())));
}

void RequestCtx::pushThread(lua_State* L, const CoCtx& co) const
{
    lua_State* main = mainState();
    runtime::pushRegistryTable(main, runtime::RegistryTable::CoroutineAnchors);
    lua_rawgeti(main, -1, co.anchorRef);
    lua_remove(main, -2);
    lua_xmove(main, L, 1);
}

RequestCtx* RequestCtx::of(lua_State* L)
{
    return static_cast<RequestCtx*>(lua_getexdata(L));
}

CoCtx* RequestCtx::coOf(lua_State* L)
{
    return lua_getexdata(L) ? static_cast<CoCtx*>(lua_getexdata2(L)) : nullptr;
}

} // namespace restyscope::engine::sched
