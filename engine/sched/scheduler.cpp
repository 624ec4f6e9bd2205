#include "engine/sched/scheduler.h"

#include "engine/sched/timers.h"

#include "engine/http/connection.h"
#include "engine/http/phases.h"
#include "engine/http/status.h"
#include "engine/runtime/vm.h"
#include "engine/trace/errorlog.h"
#include "engine/trace/tracer.h"

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <lua.hpp>

#include <cstdio>

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

// One coroutine's frames in lua-nginx-module's traceback format: at most 22 (then
// "..."), and " ?" for a C function without a name (luaL_traceback prints its address).
std::string frameLines(lua_State* co)
{
    constexpr int kMaxFrames = 22;
    std::string text;
    lua_Debug ar;
    for (int level = 0; lua_getstack(co, level, &ar) != 0; ++level) {
        if (level >= kMaxFrames) {
            text += "\n\t...";
            break;
        }
        lua_getinfo(co, "Snl", &ar);
        text += "\n\t";
        text += ar.short_src;
        text += ':';
        if (ar.currentline > 0) {
            text += std::to_string(ar.currentline) + ":";
        }
        if (ar.namewhat != nullptr && *ar.namewhat != '\0') {
            text += " in function '" + std::string(ar.name ? ar.name : "?") + "'";
        } else if (*ar.what == 'm') {
            text += " in main chunk";
        } else if (*ar.what == 'C' || *ar.what == 't') {
            text += " ?";
        } else {
            text += " in function <" + std::string(ar.short_src) + ":" +
                    std::to_string(ar.linedefined) + ">";
        }
    }
    return text;
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

void Scheduler::emitYield(const RequestCtx& ctx, const CoCtx& co, YieldReason reason,
                          std::int64_t value)
{
    if (!m_tracer.enabled(EventKind::CoroutineYield)) {
        return;
    }
    // Taken at the yield itself, only while someone listens: the first Lua frame from the
    // top (the API that yielded is a C function).
    std::string text;
    lua_Debug ar;
    for (int level = 0; co.co && lua_getstack(co.co, level, &ar); ++level) {
        if (lua_getinfo(co.co, "Sl", &ar) && ar.currentline > 0) {
            text = std::string(ar.short_src) + ":" + std::to_string(ar.currentline);
            break;
        }
    }
    if (!co.waitingOn.empty()) {
        text += '\t';
        text += co.waitingOn;
    }
    emit(EventKind::CoroutineYield, ctx, co, reason, value, text);
}

std::string Scheduler::logContext(const RequestCtx& ctx) const
{
    if (!ctx.http) {
        return ctx.timerLogContext.empty() ? std::string(", context: ngx.timer")
                                           : ctx.timerLogContext;
    }
    if (ctx.context == kContextLog) {
        return " while logging request" + http::logContext(ctx.http->request);
    }
    return http::logContext(ctx.http->request);
}

std::string Scheduler::traceback(RequestCtx& /*ctx*/, CoCtx& co)
{
    // Each coroutine from the failing one up its parents (failed wrap coroutines first, as
    // the error came from them), numbered as lua-nginx-module does, at most 5.
    constexpr int kMaxCoroutines = 5;
    std::string text = "stack traceback:";
    int index = 0;
    for (const auto& frames : co.propagatedFrames) {
        if (index == kMaxCoroutines) {
            return text;
        }
        text += "\ncoroutine " + std::to_string(index++) + ":" + frames;
    }
    for (CoCtx* c = &co; c != nullptr && index < kMaxCoroutines; c = c->parent, ++index) {
        if (c != &co && !c->alive()) {
            break; // a parent that finished is not listed (its thread may be collected)
        }
        text += "\ncoroutine " + std::to_string(index) + ":" + frameLines(c->co);
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

void Scheduler::budgetHook(lua_State* L, lua_Debug*)
{
    RequestCtx* ctx = RequestCtx::of(L);
    runtime::Vm* vm = runtime::Vm::fromState(L);
    if (ctx == nullptr || vm == nullptr) {
        return; // init_by_lua: no request to charge
    }
    const std::uint64_t budget = ctx->scheduler.luaLimits().instructionBudget;
    if (budget == 0) {
        return;
    }
    if (!ctx->overBudget) {
        // Another request ran out before: this one counts in normal steps again.
        ctx->instructions += vm->budgetTightened() ? 1 : vm->budgetInterval();
        vm->restoreBudgetInterval();
        if (ctx->instructions <= budget) {
            return;
        }
        ctx->overBudget = true;
        vm->tightenBudgetInterval(); // the next instruction fails again, past any pcall
    }
    // lua_pushfstring knows no 64-bit integers: the number is written here.
    char message[128];
    std::snprintf(message, sizeof message,
                  "lua instruction budget of %llu exceeded (restyscope --lua-instruction-budget)",
                  static_cast<unsigned long long>(budget));
    luaL_error(L, "%s", message);
}

int Scheduler::resumeWithinLimits(RequestCtx& ctx, CoCtx& co, int nrets)
{
    runtime::Vm* vm = ctx.vm.get();
    if (vm == nullptr || m_limits.memoryBytes == 0) {
        return lua_resume(co.co, nrets);
    }
    vm->setMemoryLimitEnforced(true);
    const int rv = lua_resume(co.co, nrets);
    vm->setMemoryLimitEnforced(false);
    if (vm->takeMemoryLimitHit()) {
        m_log.write(trace::LogLevel::Error, ctx.connectionSerial(),
                    "lua VM memory limit of " + std::to_string(vm->memoryLimit()) +
                        " bytes reached, an allocation was refused (restyscope "
                        "--lua-memory-limit)" +
                        logContext(ctx));
        // Once the failed coroutine is released its garbage goes, so that the VM's next
        // request has room (a fresh VM of lua_code_cache off closes with its request).
        asio::post(m_io, [weak = std::weak_ptr<runtime::Vm>(ctx.vm)] {
            if (auto alive = weak.lock()) {
                alive->collectGarbage();
            }
        });
    }
    return rv;
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
            rv = resumeWithinLimits(ctx, co, nrets);
            // Break on error (issue 19): the gate may stop at the raising line here, while
            // the failed frames are still there; the error is logged and answered after.
            if (rv != 0 && rv != LUA_YIELD && m_gate) {
                m_gate->resumeFailed(ctx, co, rv);
            }
        }

        if (rv == LUA_YIELD) {
            if (ctx.exited) {
                emitYield(ctx, co, YieldReason::Exit, ctx.exitCode);
                emit(EventKind::Exit, ctx, co, YieldReason::Exit, ctx.exitCode);
                ctx.killAll();
                return {RunStatus::Exit, ctx.exitCode};
            }
            if (ctx.execPending) {
                emitYield(ctx, co, YieldReason::Exec);
                emit(EventKind::Exec, ctx, co, YieldReason::Exec, 0, ctx.execUri);
                ctx.killAll();
                return {RunStatus::Exec, 0};
            }
            const CoOp op = ctx.coOp;
            ctx.coOp = CoOp::Nop;
            switch (op) {
            case CoOp::Nop:
                // An API parked the coroutine (sleep, wait, I/O) and set its reason.
                emitYield(ctx, co, co.reason);
                ctx.cur = nullptr;
                return {RunStatus::Again, 0};
            case CoOp::UserThreadResume: {
                // ngx.thread.spawn set cur to the child (function and args on its stack)
                // and posted the parent.
                co.reason = YieldReason::ThreadSpawn;
                emitYield(ctx, co, YieldReason::ThreadSpawn);
                nrets = lua_gettop(ctx.cur->co) - 1;
                continue;
            }
            case CoOp::UserCoroResume: {
                // coroutine.resume(target, ...): the yielded values are the arguments.
                CoCtx& target = *ctx.cur;
                co.reason = YieldReason::CoroutineResume;
                emitYield(ctx, co, reasonFor(op));
                const int n = lua_gettop(co.co);
                lua_xmove(co.co, target.co, n);
                nrets = n;
                continue;
            }
            case CoOp::UserCoroYield: {
                emitYield(ctx, co, YieldReason::CoroutineYield);
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
            if (co.isWrap) {
                // The parent fails with this error: its traceback starts with these frames.
                parent->propagatedFrames = std::move(co.propagatedFrames);
                parent->propagatedFrames.push_back(frameLines(co.co));
            }
            co.propagatedFrames.clear();
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
