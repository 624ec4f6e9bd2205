#pragma once
// Design: stepping at resume granularity. The Debugger is the scheduler's resume gate:
// while paused, every resume (a timer fired, a thread was posted, a request entered its
// handler) is held in the scheduler's ready list; step() lets exactly one resume through
// and pauses again; cont() drains the list. Break conditions watch the probe stream and
// pause before the next resume. Engine thread only; other threads post commands through
// Engine::post.

#include "engine/debug/snapshot.h"
#include "engine/sched/scheduler.h"
#include "engine/trace/tracer.h"

#include "engine/debug/inspect.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

struct lua_Debug;

namespace restyscope::engine::sched {
class LuaModule;
}

namespace restyscope::engine::debug {

struct LineBreakpoint
{
    std::string file; // matched against the end of the chunk's source ("lua/x.lua")
    int line = 0;
    bool operator<(const LineBreakpoint& other) const
    {
        return line != other.line ? line < other.line : file < other.file;
    }
};

// Where the engine stands at a line breakpoint or after a line step.
struct LineStop
{
    std::uint64_t requestId = 0;
    std::uint32_t coroutineId = 0;
    std::string source;
    int line = 0;
    std::string reason; // "breakpoint", "step", "error"
    std::string error;  // reason "error": the error message; the coroutine has failed
};

enum class LineStep { Into, Over, Out };

struct BreakConditions
{
    bool newRequest = false;
    std::uint64_t yieldReasons = 0; // bit i: trace::YieldReason i
    bool error = false;             // a coroutine finished with an error
    bool spawnKill = false;         // user thread spawned or killed
    std::uint64_t request = 0;      // any resume of this request (0: none)
};

class Debugger final : public sched::ResumeGate, public trace::EventSink
{
public:
    // post runs a closure on the engine thread (Engine::post).
    Debugger(sched::Scheduler& scheduler, sched::LuaModule& lua, trace::Tracer& tracer,
             std::function<void(std::function<void()>)> post);
    ~Debugger() override;
    Debugger(const Debugger&) = delete;
    Debugger& operator=(const Debugger&) = delete;

    // The line hook finds its debugger through the engine thread: Engine::run calls this.
    void bindToCurrentThread();

    void pause();
    // Lets every held resume run, in order, until a break condition pauses again.
    void cont();
    // Performs the held resume at index (0: the head), then stays paused. False when there
    // is nothing to step.
    bool step(std::size_t index = 0);
    bool paused() const { return m_paused; }

    void setBreakConditions(const BreakConditions& conditions) { m_break = conditions; }
    const BreakConditions& breakConditions() const { return m_break; }
    // Called whenever the debugger pauses (a break condition hit, or pause()).
    void setPausedObserver(std::function<void()> observer) { m_onPaused = std::move(observer); }

    Snapshot snapshot() const;

    // Line breakpoints (engine thread). While any is set the VMs run with a line hook,
    // which LuaJIT only calls from the interpreter: JIT compilation is off meanwhile.
    void setLineBreakpoint(const LineBreakpoint& breakpoint);
    void clearLineBreakpoint(const LineBreakpoint& breakpoint);
    std::vector<LineBreakpoint> lineBreakpoints() const;
    // Installs the hook on a VM made after the breakpoints were set.
    void prepareVm(lua_State* L);

    // Any thread: runs command on the engine thread; while stopped at a line it runs
    // inside the stop (the event loop is blocked there).
    void submit(std::function<void()> command);
    // Called (engine thread) when the engine stops at a line.
    void setLineStopObserver(std::function<void(const LineStop&)> observer)
    {
        m_onLineStop = std::move(observer);
    }
    // Engine thread, while stopped at a line.
    std::optional<LineStop> lineStop() const { return m_lineStop; }
    std::vector<FrameInfo> stack() const;
    bool locals(int frame, std::vector<VariableInfo>& out) const;
    bool upvalues(int frame, std::vector<VariableInfo>& out) const;
    bool eval(int frame, const std::string& expression, std::vector<VariableInfo>& out,
              std::string& error) const;
    // ngx.ctx and the common ngx.var entries of the paused coroutine's request.
    bool requestView(std::vector<VariableInfo>& out) const;
    // Leaves the line stop: run on, or stop again at the next line of the same coroutine.
    void resumeFromLine(std::optional<LineStep> step);
    // Nanoseconds spent stopped at lines so far (the virtual clock leaves them out).
    std::int64_t stoppedNs() const { return m_stoppedNs; }

    bool allowResume(const sched::RequestCtx& ctx, const sched::CoCtx& co) override;
    // Break on error: stops at the line that raised, before the error is handled.
    void resumeFailed(const sched::RequestCtx& ctx, const sched::CoCtx& co, int status) override;
    void onEvent(const trace::Event& event) override;

private:
    void pauseNow();
    static void lineHook(lua_State* L, lua_Debug* ar);
    void onLine(lua_State* L, lua_Debug* ar);
    void stopAtLine(lua_State* L, const std::string& source, int line, const char* reason,
                    const std::string& error = {});
    void updateHooks();
    bool reentersLine(lua_State* L, int line);
    void noteResume(const trace::Event& event);

    sched::Scheduler& m_scheduler;
    sched::LuaModule& m_lua;
    trace::Tracer& m_tracer;
    BreakConditions m_break;
    bool m_paused = false;
    int m_stepBudget = 0;
    bool m_draining = false;
    std::function<void()> m_onPaused;

    std::function<void(std::function<void()>)> m_post;
    std::set<LineBreakpoint> m_lineBreakpoints;
    std::set<int> m_breakLines; // fast reject in the hook
    std::optional<LineStep> m_lineStep;
    lua_State* m_stepCoroutine = nullptr;
    int m_stepDepth = 0;
    std::optional<LineStop> m_lineStop;
    lua_State* m_stoppedState = nullptr;
    std::function<void(const LineStop&)> m_onLineStop;
    // The line a coroutine stopped at (or is being stepped from). LuaJIT calls the line hook
    // again for that same line each time the coroutine comes back to it: resumed after a
    // yield on it (a generator called on the line, a sleep, a thread wait) or returning
    // from a Lua function the line calls. That is not a new line, so neither a step nor a
    // breakpoint stops there again; a loop jumping back to the line still does. Few
    // entries: the coroutines that stopped at a line and have not left it.
    struct HeldLine
    {
        lua_State* state = nullptr;
        std::uint64_t requestId = 0;
        std::uint32_t coroutineId = 0;
        int line = 0;
        int depth = 0;
        bool away = false; // resumed or in a deeper call since: the next hook may be a repeat
    };
    std::vector<HeldLine> m_heldLines;
    std::int64_t m_stoppedNs = 0;
    std::uint64_t m_errorStopRequest = 0; // its failed coroutines already stopped at a line
    int m_errorFrameLine = 0;             // while stopped on an error: the raising line

    mutable std::mutex m_commandMutex;
    std::condition_variable m_commandReady;
    std::deque<std::function<void()>> m_commands;
    bool m_inLineStop = false;
};

} // namespace restyscope::engine::debug
