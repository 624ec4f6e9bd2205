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

#include <cstdint>
#include <functional>

namespace restyscope::engine::sched {
class LuaModule;
}

namespace restyscope::engine::debug {

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
    Debugger(sched::Scheduler& scheduler, sched::LuaModule& lua, trace::Tracer& tracer);
    ~Debugger() override;
    Debugger(const Debugger&) = delete;
    Debugger& operator=(const Debugger&) = delete;

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

    bool allowResume(const sched::RequestCtx& ctx, const sched::CoCtx& co) override;
    void onEvent(const trace::Event& event) override;

private:
    void pauseNow();

    sched::Scheduler& m_scheduler;
    sched::LuaModule& m_lua;
    trace::Tracer& m_tracer;
    BreakConditions m_break;
    bool m_paused = false;
    int m_stepBudget = 0;
    bool m_draining = false;
    std::function<void()> m_onPaused;
};

} // namespace restyscope::engine::debug
