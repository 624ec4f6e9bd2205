#include "engine/sched/scheduler.h"

#include "engine/sched/timers.h"

#include "engine/http/connection.h"
#include "engine/http/phases.h"
#include "engine/http/status.h"
#include "engine/runtime/vm.h"
#include "engine/trace/errorlog.h"
#include "engine/trace/tracer.h"

#include <lua.hpp>

namespace restyscope::engine::sched {

namespace {

using trace::EventKind;
using trace::YieldReason;

std::string_view errorKind(int rv)
{
    switch (rv) {
    case LUA_ERRRUN: return "runtime error";
    case LUA_ERRSYNTAX: return "syntax error";
    case LUA_ERRMEM: return "memory allocation error";
    case LUA_ERRERR: return "error handler error";
    default: return "unknown error";
    }
}

// The text nginx logs for an error value: strings and numbers as they are, else this.
std::string errorText(lua_State* co)
{
    if (lua_type(co, -1) == LUA_TSTRING || lua_type(co, -1) == LUA_TNUMBER) {
        std::size_t len = 0;
        const char* text = lua_tolstring(co, -1, &len);
        return {text, len};
    }
    return "unknown reason";
}

YieldReason reasonFor(CoOp op)
{
    switch (op) {
    case CoOp::UserCoroResume: return YieldReason::CoroutineResume;
    case CoOp::UserCoroYield: return YieldReason::CoroutineYield;
    case CoOp::UserThreadResume: return YieldReason::ThreadSpawn;
    case CoOp::Nop: break;
    }
    return YieldReason::None;
}

} // namespace

Scheduler::Scheduler(asio::io_context& io, trace::Tracer& tracer, trace::ErrorLog& log)
    : m_io(io), m_tracer(tracer), m_log(log), m_timers(std::make_unique<Timers>(*this))
{
}

Scheduler::~Scheduler() = default;

void Scheduler::emit(EventKind kind, const RequestCtx& ctx, const CoCtx& co, YieldReason reason,
                     std::int64_t value, std::string_view text)
{
    if (!m_tracer.enabled(kind)) {
        return;
    }
    m_tracer.emitEvent(kind, trace::ProbeFields()
                                 .request(ctx.requestId)
                                 .vm(ctx.vm ? ctx.vm->id() : 0)
                                 .coroutine(co.id, co.parent ? co.parent->id : 0)
                                 .reason(reason)
                                 .value(value)
                                 .text(text));
}

std::string Scheduler::logContext(const RequestCtx& ctx) const
{
    if (!ctx.http) {
        return ctx.timerLogContext.empty() ? std::string(", context: ngx.timer")
                                           : ctx.timerLogContext;
    }
    return http::logContext(ctx.http->request);
}

std::string Scheduler::traceback(RequestCtx& ctx, CoCtx& co)
{
    // Each coroutine from the failing one up its parents, numbered as lua-nginx-module does.
    std::string text = "stack traceback:";
    int index = 0;
    lua_State* L = ctx.mainState();
    for (CoCtx* c = &co; c != nullptr; c = c->parent, ++index) {
        luaL_traceback(L, c->co, nullptr, 0);
        std::size_t len = 0;
        const char* frames = lua_tolstring(L, -1, &len);
        std::string_view body(frames, len);
        // luaL_traceback starts with its own "stack traceback:" line.
        if (const auto nl = body.find('\n'); nl != std::string_view::npos) {
            body.remove_prefix(nl);
        } else {
            body = {};
        }
        text += "\ncoroutine " + std::to_string(index) + ":";
        text.append(body);
        lua_pop(L, 1);
    }
    return text;
}

RunResult Scheduler::startEntryThread(RequestCtx& ctx, int nargs)
{
    lua_State* L = ctx.mainState();
    CoCtx* co = ctx.newCoroutine(ctx.context == kContextTimer ? trace::CoroutineType::Timer
                                                              : trace::CoroutineType::Entry,
                                 nullptr);
    /* stack: closure, args... -> (moved onto the entry thread) */
    lua_xmove(L, co->co, 1 + nargs);
    ctx.entry = co;
    ctx.cur = co;
    return run(ctx, nargs);
}

RunResult Scheduler::run(RequestCtx& ctx, int nrets)
{
    RunResult result = runThread(ctx, nrets);
    if (result.status == RunStatus::Again) {
        result = runPostedThreads(ctx);
    }
    if (result.status == RunStatus::Held) {
        // Held resumes continue from the ready list; for now the request waits.
        result.status = RunStatus::Again;
    }
    return result;
}

bool Scheduler::resumeReady(std::size_t index)
{
    if (index >= m_ready.size()) {
        return false;
    }
    ReadyEntry entry = m_ready[index];
    m_ready.erase(m_ready.begin() + static_cast<std::ptrdiff_t>(index));
    auto ctxHolder = entry.ctx.lock();
    if (!ctxHolder || ctxHolder->aborted || !entry.co->alive()) {
        return false;
    }
    ctxHolder->cur = entry.co;
    const RunResult result = run(*ctxHolder, entry.nrets);
    if (m_onResult) {
        m_onResult(ctxHolder, result);
    }
    return true;
}

void Scheduler::wake(const std::shared_ptr<RequestCtx>& ctxHolder, CoCtx& co,
                     const std::function<int(lua_State*)>& pushResults)
{
    RequestCtx& ctx = *ctxHolder;
    if (ctx.aborted || !co.alive()) {
        return;
    }
    co.cleanup = nullptr;
    lua_settop(co.co, 0);
    const int n = pushResults ? pushResults(co.co) : 0;
    ctx.cur = &co;
    const RunResult result = run(ctx, n);
    if (m_onResult) {
        m_onResult(ctxHolder, result);
    }
}

void Scheduler::finish(const std::shared_ptr<RequestCtx>& ctxHolder, RunResult result)
{
    ctxHolder->killAll();
    if (m_onResult) {
        m_onResult(ctxHolder, result);
    }
}

void Scheduler::kill(RequestCtx& ctx, CoCtx& co)
{
    if (co.cleanup) {
        auto cleanup = std::move(co.cleanup);
        co.cleanup = nullptr;
        cleanup();
    }
    if (co.posted) {
        std::erase(ctx.posted, &co);
        co.posted = false;
    }
    if (co.type == trace::CoroutineType::UserThread && co.alive()) {
        --ctx.uthreads;
    }
    co.status = CoStatus::Dead;
    co.reason = YieldReason::None;
    co.waitingOn.clear();
    emit(EventKind::CoroutineKill, ctx, co);
    ctx.releaseCoroutine(co);
}

RunResult Scheduler::runPostedThreads(RequestCtx& ctx)
{
    while (!ctx.posted.empty()) {
        CoCtx* co = ctx.posted.front();
        ctx.posted.pop_front();
        co->posted = false;
        emit(EventKind::RunPosted, ctx, *co);
        if (co->status != CoStatus::Running) {
            continue; // killed or finished while it waited in the queue
        }
        ctx.cur = co;
        // A posted thread resumes with what its yield left on its stack (spawn's thread).
        const RunResult result = runThread(ctx, lua_gettop(co->co));
        if (result.status != RunStatus::Again) {
            return result;
        }
    }
    return {RunStatus::Again, 0};
}

RunResult Scheduler::entryError(RequestCtx& ctx, CoCtx& co, const std::string& kind, int)
{
    const std::string message = errorText(co.co);
    m_log.write(trace::LogLevel::Error, ctx.connectionSerial(),
                "lua entry thread aborted: " + kind + ": " + message + "\n" + traceback(ctx, co) +
                    logContext(ctx));
    ctx.killAll();
    const bool headerSent = ctx.http && ctx.http->headerSent();
    return {RunStatus::Error, headerSent ? http::kNgxError : 500};
}

RunResult Scheduler::runThread(RequestCtx& ctx, int nrets)
{
    for (;;) {
        CoCtx& co = *ctx.cur;
        int rv = 0;
        if (co.propagateError) {
            // A wrap child failed: this coroutine fails with the child's error value, which
            // the child left on top of this stack (not a Lua error: pcall cannot catch it).
            co.propagateError = false;
            rv = LUA_ERRRUN;
        } else {
            if (m_gate && !m_gate->allowResume(ctx, co)) {
                m_ready.push_back({ctx.weak_from_this(), &co, nrets, ctx.requestId, co.id});
                ctx.cur = nullptr;
                return {RunStatus::Held, 0};
            }
            ctx.coOp = CoOp::Nop;
            co.status = CoStatus::Running;
            co.reason = YieldReason::None;
            co.waitingOn.clear();
            ++co.resumes;
            co.started = true;
            emit(EventKind::CoroutineResume, ctx, co, YieldReason::None, nrets);
            rv = lua_resume(co.co, nrets);
        }

        if (rv == LUA_YIELD) {
            if (ctx.exited) {
                emit(EventKind::CoroutineYield, ctx, co, YieldReason::Exit, ctx.exitCode);
                emit(EventKind::Exit, ctx, co, YieldReason::Exit, ctx.exitCode);
                ctx.killAll();
                return {RunStatus::Exit, ctx.exitCode};
            }
            if (ctx.execPending) {
                emit(EventKind::CoroutineYield, ctx, co, YieldReason::Exec);
                emit(EventKind::Exec, ctx, co, YieldReason::Exec, 0, ctx.execUri);
                ctx.killAll();
                return {RunStatus::Exec, 0};
            }
            const CoOp op = ctx.coOp;
            ctx.coOp = CoOp::Nop;
            switch (op) {
            case CoOp::Nop:
                // An API parked the coroutine (sleep, wait, I/O) and set its reason.
                emit(EventKind::CoroutineYield, ctx, co, co.reason);
                ctx.cur = nullptr;
                return {RunStatus::Again, 0};
            case CoOp::UserThreadResume: {
                // ngx.thread.spawn set cur to the child (function and args on its stack)
                // and posted the parent.
                co.reason = YieldReason::ThreadSpawn;
                emit(EventKind::CoroutineYield, ctx, co, YieldReason::ThreadSpawn);
                nrets = lua_gettop(ctx.cur->co) - 1;
                continue;
            }
            case CoOp::UserCoroResume: {
                // coroutine.resume(target, ...): the yielded values are the arguments.
                CoCtx& target = *ctx.cur;
                co.reason = YieldReason::CoroutineResume;
                emit(EventKind::CoroutineYield, ctx, co, reasonFor(op));
                const int n = lua_gettop(co.co);
                lua_xmove(co.co, target.co, n);
                nrets = n;
                continue;
            }
            case CoOp::UserCoroYield: {
                emit(EventKind::CoroutineYield, ctx, co, YieldReason::CoroutineYield);
                if (co.isThread()) {
                    // A thread's yield gives others a turn; its values are dropped.
                    lua_settop(co.co, 0);
                    if (!ctx.posted.empty()) {
                        co.reason = YieldReason::CoroutineYield;
                        ctx.post(&co);
                        ctx.cur = nullptr;
                        return {RunStatus::Again, 0};
                    }
                    nrets = 0;
                    continue;
                }
                CoCtx* parent = co.parent;
                co.status = CoStatus::Suspended;
                co.reason = YieldReason::CoroutineYield;
                const int n = lua_gettop(co.co);
                if (!co.isWrap) {
                    lua_pushboolean(parent->co, 1);
                }
                lua_xmove(co.co, parent->co, n);
                parent->status = CoStatus::Running;
                ctx.cur = parent;
                nrets = n + (co.isWrap ? 0 : 1);
                continue;
            }
            }
        }

        const bool ok = rv == 0;
        if (!ok && co.type == trace::CoroutineType::UserCoroutine) {
            co.status = CoStatus::Dead;
            emit(EventKind::CoroutineFinish, ctx, co, YieldReason::None, 0, errorText(co.co));
            CoCtx* parent = co.parent;
            lua_xmove(co.co, parent->co, 1); // the error value
            ctx.releaseCoroutine(co);
            ctx.cur = parent;
            parent->status = CoStatus::Running;
            if (co.isWrap) {
                parent->propagateError = true;
                continue;
            }
            // coroutine.resume returns false, err: nothing is logged.
            lua_pushboolean(parent->co, 0);
            lua_insert(parent->co, -2);
            nrets = 2;
            continue;
        }
        if (!ok && co.isThread() && co.type != trace::CoroutineType::UserThread) {
            co.status = CoStatus::Dead;
            emit(EventKind::CoroutineFinish, ctx, co, YieldReason::None, 0, errorText(co.co));
            return entryError(ctx, co, std::string(errorKind(rv)), rv);
        }
        if (!ok) {
            // A user thread failed: logged, then handled like a finish with false, err.
            m_log.write(trace::LogLevel::Error, ctx.connectionSerial(),
                        "lua user thread aborted: " + std::string(errorKind(rv)) + ": " +
                            errorText(co.co) + "\n" + traceback(ctx, co) + logContext(ctx));
            // The whole stack goes to the waiter, as lua-nginx-module moves it: for
            // error("x") that is "x" (error's argument) then the positioned message.
        }

        // Finished (or a user thread failed).
        co.cleanup = nullptr;
        if (ok) {
            emit(EventKind::CoroutineFinish, ctx, co, YieldReason::None, 1);
        } else {
            emit(EventKind::CoroutineFinish, ctx, co, YieldReason::None, 0, errorText(co.co));
        }
        for (CoCtx* zombie : co.zombieChildren) {
            if (zombie->status == CoStatus::Zombie) {
                zombie->status = CoStatus::Dead;
                lua_settop(zombie->co, 0);
                ctx.releaseCoroutine(*zombie);
            }
        }
        co.zombieChildren.clear();

        if (co.type == trace::CoroutineType::Entry || co.type == trace::CoroutineType::Timer) {
            co.status = CoStatus::Dead;
            lua_settop(co.co, 0);
            ctx.releaseCoroutine(co);
            if (ctx.uthreads > 0) {
                ctx.cur = nullptr;
                return {RunStatus::Again, 0};
            }
            return {RunStatus::Done, 0};
        }

        if (co.type == trace::CoroutineType::UserThread) {
            --ctx.uthreads;
            CoCtx* parent = co.parent;
            const int n = lua_gettop(co.co);
            if (parent && parent->alive() && co.waitedByParent) {
                // user_co_done: the waiting parent resumes at once with true/false, values.
                co.status = CoStatus::Dead;
                if (parent->cleanup) {
                    auto cleanup = std::move(parent->cleanup);
                    parent->cleanup = nullptr;
                    cleanup();
                }
                lua_settop(parent->co, 0);
                lua_pushboolean(parent->co, ok ? 1 : 0);
                lua_xmove(co.co, parent->co, n);
                ctx.releaseCoroutine(co);
                parent->status = CoStatus::Running;
                ctx.cur = parent;
                nrets = n + 1;
                continue;
            }
            if (parent && parent->alive()) {
                // Nobody waits yet: a zombie holding true/false, values for a later wait.
                co.status = CoStatus::Zombie;
                lua_pushboolean(co.co, ok ? 1 : 0);
                lua_insert(co.co, 1);
                parent->zombieChildren.push_back(&co);
                ctx.cur = nullptr;
                return {RunStatus::Again, 0};
            }
            co.status = CoStatus::Dead;
            lua_settop(co.co, 0);
            ctx.releaseCoroutine(co);
            ctx.cur = nullptr;
            if (ctx.uthreads == 0 && (!ctx.entry || !ctx.entry->alive())) {
                return {RunStatus::Done, 0};
            }
            return {RunStatus::Again, 0};
        }

        // A user coroutine returned: its values go to the parent's resume.
        co.status = CoStatus::Dead;
        CoCtx* parent = co.parent;
        const int n = lua_gettop(co.co);
        if (!co.isWrap) {
            lua_pushboolean(parent->co, 1);
        }
        lua_xmove(co.co, parent->co, n);
        ctx.releaseCoroutine(co);
        parent->status = CoStatus::Running;
        ctx.cur = parent;
        nrets = n + (co.isWrap ? 0 : 1);
    }
}

} // namespace restyscope::engine::sched
