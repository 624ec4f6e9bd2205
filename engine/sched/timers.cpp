#include "engine/sched/timers.h"

#include "engine/http/connection.h"
#include "engine/http/listener.h"
#include "engine/runtime/vm.h"
#include "engine/sched/scheduler.h"
#include "engine/trace/tracer.h"

#include <asio/steady_timer.hpp>
#include <lua.hpp>

namespace restyscope::engine::sched {

struct Timers::Pending
{
    explicit Pending(asio::io_context& io) : timer(io) {}
    std::uint64_t id = 0;
    std::shared_ptr<runtime::Vm> vm;
    int callbackRef = LUA_NOREF; // {f, arg1, ..., argN} in the VM registry
    int nargs = 0;
    bool every = false;
    std::chrono::milliseconds delay{0};
    std::string logContext;
    asio::steady_timer timer;
};

Timers::Timers(Scheduler& scheduler) : m_scheduler(scheduler) {}

Timers::~Timers()
{
    for (auto& [id, timer] : m_pending) {
        timer->timer.cancel();
        if (timer->vm) {
            luaL_unref(timer->vm->state(), LUA_REGISTRYINDEX, timer->callbackRef);
        }
    }
    for (auto& [id, ctx] : m_running) {
        ctx->aborted = true;
        ctx->killAll();
    }
}

void Timers::start(lua_State* L, RequestCtx& creator, double delaySeconds, bool every,
                   int funcIndex, int nargs)
{
    auto timer = std::make_shared<Pending>(m_scheduler.io());
    timer->id = ++m_lastId;
    timer->vm = creator.vm;
    timer->every = every;
    timer->nargs = nargs;
    timer->delay = std::chrono::milliseconds(
        static_cast<long long>(delaySeconds > 0 ? delaySeconds * 1000 : 0));
    // The log context a timer inherits: its creator's client and server.
    timer->logContext = ", context: ngx.timer";
    if (creator.http) {
        const auto& r = creator.http->request;
        timer->logContext += ", client: " + r.remoteAddr + ", server: " + r.serverAddr + ":" +
                             std::to_string(r.serverPort);
    }
    lua_State* main = creator.mainState();
    /* stack (L): ... f args... ; (main): ... -> ..., {f, args...} */
    lua_createtable(main, nargs + 1, 0);
    for (int i = 0; i <= nargs; ++i) {
        lua_pushvalue(L, funcIndex + i);
        lua_xmove(L, main, 1);
        lua_rawseti(main, -2, i + 1);
    }
    timer->callbackRef = luaL_ref(main, LUA_REGISTRYINDEX);
    m_pending[timer->id] = timer;
    arm(timer);
}

void Timers::arm(const std::shared_ptr<Pending>& timer)
{
    timer->timer.expires_after(timer->delay);
    timer->timer.async_wait([this, weak = std::weak_ptr(timer)](const std::error_code& error) {
        auto held = weak.lock();
        if (error || !held || m_exiting) {
            return;
        }
        fire(held, false);
    });
}

void Timers::fire(const std::shared_ptr<Pending>& timer, bool premature)
{
    if (!timer->every || premature) {
        m_pending.erase(timer->id);
    } else {
        arm(timer); // every: the next round is due whether or not this one has finished
    }
    auto ctx = std::make_shared<RequestCtx>(m_scheduler, timer->vm, nullptr);
    ctx->requestId = http::allocateRequestId();
    ctx->context = kContextTimer;
    ctx->fakeConnection = http::nextConnectionSerial();
    ctx->timerLogContext = timer->logContext;
    RESTYSCOPE_PROBE(m_scheduler.tracer(), TimerFired,
                     .request(ctx->requestId).vm(timer->vm->id()).value(premature ? 1 : 0));
    lua_State* main = ctx->mainState();
    /* stack: ... -> ..., f, premature, args... */
    lua_rawgeti(main, LUA_REGISTRYINDEX, timer->callbackRef);
    lua_rawgeti(main, -1, 1);
    lua_pushboolean(main, premature ? 1 : 0);
    for (int i = 0; i < timer->nargs; ++i) {
        lua_rawgeti(main, -3 - i, i + 2);
    }
    lua_remove(main, -(timer->nargs + 3)); // the table
    if (!timer->every || premature) {
        luaL_unref(main, LUA_REGISTRYINDEX, timer->callbackRef);
        timer->callbackRef = LUA_NOREF;
    }
    m_running[ctx->requestId] = ctx;
    const RunResult result = m_scheduler.startEntryThread(*ctx, timer->nargs + 1);
    if (result.status != RunStatus::Again) {
        finished(ctx);
    }
}

void Timers::finished(const std::shared_ptr<RequestCtx>& ctx)
{
    ctx->killAll();
    m_running.erase(ctx->requestId);
}

void Timers::expireAll()
{
    m_exiting = true;
    auto pending = m_pending;
    for (auto& [id, timer] : pending) {
        timer->timer.cancel();
        fire(timer, true);
    }
}

} // namespace restyscope::engine::sched
