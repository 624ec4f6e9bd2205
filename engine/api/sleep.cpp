// ngx.sleep: a real yield to the scheduler. The coroutine parks with reason "sleep" on an
// Asio steady timer; ngx.sleep(0) arms a 0 ms timer, as nginx without the delayed-events
// patch does, so it runs after everything already runnable.

#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/api/clock.h"
#include "engine/sched/scheduler.h"
#include "engine/trace/tracer.h"

#include <asio/steady_timer.hpp>
#include <lua.hpp>

namespace restyscope::engine::api {

namespace {

int ngxSleep(lua_State* L)
{
    const int n = lua_gettop(L);
    if (n != 1) {
        return luaL_error(L, "attempt to pass %d arguments, but accepted 1", n);
    }
    sched::RequestCtx& ctx = requireContext(L, sched::kContextYieldable);
    const auto ms = static_cast<long long>(luaL_checknumber(L, 1) * 1000);
    if (ms < 0) {
        return luaL_error(L, "invalid sleep duration \"%d\"", static_cast<int>(ms));
    }
    sched::CoCtx* co = sched::RequestCtx::coOf(L);
    if (!co) {
        return luaL_error(L, "no co ctx found");
    }
    sched::Scheduler& scheduler = ctx.scheduler;
    if (ms == 0) {
        logForRequest(&ctx, 5,
                      "ngx.sleep(0) called without delayed events patch, this will hurt "
                      "performance");
    }
    auto timer = std::make_shared<asio::steady_timer>(scheduler.io());
    timer->expires_after(std::chrono::milliseconds(ms));
    // The deadline on the clock ngx.now() reads: time stopped in the debugger does not
    // count, so a sleep never ends early because of a pause.
    const double deadline = sourceNow() + static_cast<double>(ms) / 1000.0;
    std::weak_ptr<sched::RequestCtx> weakCtx = ctx.shared_from_this();
    auto onFire = std::make_shared<std::function<void(const std::error_code&)>>();
    *onFire = [weakCtx, co, timer, deadline,
               weakFire = std::weak_ptr(onFire)](const std::error_code& error) {
        if (error) {
            return; // cancelled: killed, exited or the request ended
        }
        auto ctxHolder = weakCtx.lock();
        if (!ctxHolder || !co->alive()) {
            return;
        }
        const double left = deadline - sourceNow();
        if (left > 0.0005) {
            timer->expires_after(std::chrono::microseconds(static_cast<long long>(left * 1e6)));
            if (auto fire = weakFire.lock()) {
                timer->async_wait(*fire);
            }
            return;
        }
        RESTYSCOPE_PROBE(ctxHolder->scheduler.tracer(), TimerFired,
                         .request(ctxHolder->requestId).coroutine(co->id));
        ctxHolder->scheduler.wake(ctxHolder, *co, nullptr);
    };
    timer->async_wait(*onFire);
    co->reason = trace::YieldReason::Sleep;
    co->waitingOn = "sleep " + std::to_string(ms) + " ms";
    co->cleanup = [timer, onFire] { timer->cancel(); };
    RESTYSCOPE_PROBE(scheduler.tracer(), SleepArmed,
                     .request(ctx.requestId).coroutine(co->id).value(ms));
    ctx.coOp = sched::CoOp::Nop;
    lua_settop(L, 0);
    return lua_yield(L, 0);
}

} // namespace

void installSleep(lua_State* L)
{
    setFunction(L, "sleep", ngxSleep);
}

} // namespace restyscope::engine::api
