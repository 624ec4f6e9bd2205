#pragma once
// Design: lua-nginx-module's ngx_http_lua_run_thread and ngx_http_lua_run_posted_threads.
// runThread resumes ctx.cur and, on each yield, looks at exit, exec, then the co_op the
// coroutine left: a user coroutine resume or yield, or a user thread spawn, moves values
// between the two coroutines and loops; a plain yield (sleep, wait, I/O) parks the
// coroutine and returns Again. Every transition emits a probe.

#include "engine/sched/requestctx.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

struct lua_Debug;

namespace asio {
class io_context;
}
namespace restyscope::engine::trace {
class ErrorLog;
class Tracer;
} // namespace restyscope::engine::trace

namespace restyscope::engine::sched {

enum class RunStatus {
    Again, // something is parked or posted; an event will resume it
    Done,  // the entry thread and every user thread finished
    Error, // the entry thread failed (rc: 500, or kNgxError once headers went out)
    Exit,  // ngx.exit / ngx.redirect (rc: the status)
    Exec,  // ngx.exec (ctx.execUri / execArgs)
    Held,  // the resume gate held the next resume: it waits in the ready list
};

struct RunResult
{
    RunStatus status = RunStatus::Again;
    int rc = 0;
};

// Asked before every lua_resume (the debugger's step gate). A held resume waits in the
// ready list with its values already on the coroutine's stack.
class ResumeGate
{
public:
    virtual ~ResumeGate() = default;
    virtual bool allowResume(const RequestCtx& ctx, const CoCtx& co) = 0;
    // A resume ended in a Lua error (status: LUA_ERRRUN, ...), before anything handles it.
    // lua_resume leaves the failed coroutine's frames in place, so the debugger can stop at
    // the raising line and show them (break on error); the error is handled afterwards.
    virtual void resumeFailed(const RequestCtx& ctx, const CoCtx& co, int status)
    {
        (void)ctx;
        (void)co;
        (void)status;
    }
};

// A coroutine that is runnable but was held by the gate.
struct ReadyEntry
{
    std::weak_ptr<RequestCtx> ctx;
    CoCtx* co = nullptr;
    int nrets = 0;
    std::uint64_t requestId = 0;
    std::uint32_t coroutineId = 0;
};

class Timers;

// Limits nginx does not have (restyscope's --lua-* options); 0 turns each off.
struct LuaLimits
{
    std::uint64_t instructionBudget = 0; // VM instructions per request (all its phases)
    std::size_t memoryBytes = 0;         // bytes per VM (the main VM is shared)
};

// Subrequests (ngx.location.capture), as the phase side provides them.
class SubrequestHost
{
public:
    virtual ~SubrequestHost() = default;
    // The Lua ctx of a new subrequest: on its parent's VM (lua-nginx-module's vm_state).
    virtual std::shared_ptr<RequestCtx>
    subrequestCtx(const std::shared_ptr<http::HttpRequest>& child) = 0;
    // Runs the subrequest's phases once the caller has yielded (nginx's posted requests).
    virtual void runSubrequest(const std::shared_ptr<http::HttpRequest>& child) = 0;
};

class Scheduler
{
public:
    Scheduler(asio::io_context& io, trace::Tracer& tracer, trace::ErrorLog& log);
    ~Scheduler();

    asio::io_context& io() { return m_io; }
    trace::Tracer& tracer() { return m_tracer; }
    trace::ErrorLog& log() { return m_log; }
    std::uint32_t nextCoroutineId() { return ++m_lastCoroutineId; }
    Timers& timers() { return *m_timers; }

    // Runs `closure` (on the VM's main stack, under its nargs arguments) as a new entry
    // thread (a timer's when ctx.context is the timer context).
    /* stack: closure, args... -> (nothing) */
    RunResult startEntryThread(RequestCtx& ctx, int nargs = 0);
    // Resumes ctx.cur with the nrets values on top of its stack; then runs what got posted.
    RunResult run(RequestCtx& ctx, int nrets);

    // Wakes a parked coroutine from an event (timer, I/O): pushResults pushes its results
    // on the coroutine's stack and returns how many. The outcome goes to the result handler
    // unless more is still pending.
    void wake(const std::shared_ptr<RequestCtx>& ctx, CoCtx& co,
              const std::function<int(lua_State*)>& pushResults);
    // Ends the request's Lua side from an event (a body read failed): every coroutine is
    // killed and the result handler gets result.
    void finish(const std::shared_ptr<RequestCtx>& ctx, RunResult result);
    // Whoever runs the phases learns here how an asynchronously resumed request ended.
    void setResultHandler(std::function<void(const std::shared_ptr<RequestCtx>&, RunResult)> h)
    {
        m_onResult = std::move(h);
    }

    void setSubrequestHost(SubrequestHost* host) { m_subrequests = host; }
    SubrequestHost* subrequestHost() const { return m_subrequests; }

    void setLuaLimits(const LuaLimits& limits) { m_limits = limits; }
    const LuaLimits& luaLimits() const { return m_limits; }
    // The VM's count hook when a budget is set: charges the running request and fails it,
    // at every instruction from then on, once it is over budget.
    static void budgetHook(lua_State* L, lua_Debug* ar);

    void setResumeGate(ResumeGate* gate) { m_gate = gate; }
    const std::deque<ReadyEntry>& readyList() const { return m_ready; }
    // Performs the held resume at index (0: the head) and whatever follows it until the
    // gate holds again or the request parks. False when that entry is gone.
    bool resumeReady(std::size_t index);

    // ngx.thread.kill and request teardown: cancels the pending operation, marks it dead.
    void kill(RequestCtx& ctx, CoCtx& co);

    // The multi-coroutine traceback lua-nginx-module logs ("stack traceback:\ncoroutine 0:").
    std::string traceback(RequestCtx& ctx, CoCtx& co);
    // ", client: ..., server: ..., request: ..., host: ..." or ", context: ngx.timer".
    std::string logContext(const RequestCtx& ctx) const;

private:
    RunResult runThread(RequestCtx& ctx, int nrets);
    RunResult runPostedThreads(RequestCtx& ctx);
    RunResult finishThread(RequestCtx& ctx, CoCtx& co, bool ok, int& nrets, bool& again);
    int resumeWithinLimits(RequestCtx& ctx, CoCtx& co, int nrets);
    RunResult entryError(RequestCtx& ctx, CoCtx& co, const std::string& kind, int status);
    void emit(trace::EventKind kind, const RequestCtx& ctx, const CoCtx& co,
              trace::YieldReason reason = trace::YieldReason::None, std::int64_t value = 0,
              std::string_view text = {});
    // A CoroutineYield event whose text says where and on what: "FILE:LINE" of the
    // innermost Lua frame, then a tab and what it waits on when that is known.
    void emitYield(const RequestCtx& ctx, const CoCtx& co, trace::YieldReason reason,
                   std::int64_t value = 0);

    asio::io_context& m_io;
    trace::Tracer& m_tracer;
    trace::ErrorLog& m_log;
    std::uint32_t m_lastCoroutineId = 0;
    std::function<void(const std::shared_ptr<RequestCtx>&, RunResult)> m_onResult;
    ResumeGate* m_gate = nullptr;
    LuaLimits m_limits;
    SubrequestHost* m_subrequests = nullptr;
    std::unique_ptr<Timers> m_timers;
    std::deque<ReadyEntry> m_ready;
};

} // namespace restyscope::engine::sched
