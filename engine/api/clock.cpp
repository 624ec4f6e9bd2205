#include "engine/api/clock.h"

#include "engine/sched/requestctx.h"

#include <chrono>
#include <cmath>

namespace restyscope::engine::api {

namespace {

struct ClockState
{
    TimeSource source;
    double cached = 0;
    bool valid = false;
    // The resume that last read the clock: a new resume is a new loop turn.
    std::uint32_t turnCoroutine = 0; // CoCtx::id, 0 for none
    std::uint64_t turnResumes = 0;
};

ClockState& clockState()
{
    static ClockState state;
    return state;
}

double systemNow()
{
    const auto since = std::chrono::system_clock::now().time_since_epoch();
    return std::chrono::duration<double>(since).count();
}

// nginx keeps seconds and milliseconds (tv_usec / 1000).
double toMilliseconds(double seconds)
{
    const double whole = std::floor(seconds);
    const double msec = std::floor((seconds - whole) * 1000.0);
    return whole + msec / 1000.0;
}

} // namespace

void setTimeSource(TimeSource source)
{
    ClockState& state = clockState();
    state.source = std::move(source);
    state.valid = false;
}

double sourceNow()
{
    const ClockState& state = clockState();
    return state.source ? state.source() : systemNow();
}

void updateTime()
{
    ClockState& state = clockState();
    state.cached = toMilliseconds(sourceNow());
    state.valid = true;
}

double ngxNow(lua_State* L)
{
    ClockState& state = clockState();
    const sched::CoCtx* co = L ? sched::RequestCtx::coOf(L) : nullptr;
    if (!co) {
        // Outside a request (init_by_lua) every read is fresh.
        updateTime();
        state.turnCoroutine = 0;
        return state.cached;
    }
    if (!state.valid || state.turnCoroutine != co->id || state.turnResumes != co->resumes) {
        updateTime();
        state.turnCoroutine = co->id;
        state.turnResumes = co->resumes;
    }
    return state.cached;
}

std::int64_t ngxTime(lua_State* L)
{
    return static_cast<std::int64_t>(std::floor(ngxNow(L)));
}

} // namespace restyscope::engine::api
