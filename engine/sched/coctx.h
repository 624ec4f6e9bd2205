#pragma once
// Design: one coroutine of a request (lua-nginx-module's ngx_http_lua_co_ctx_t): the entry
// thread, a user thread (ngx.thread.spawn), a user coroutine (coroutine.create/wrap) or a
// timer's thread. The scheduler owns these; Lua sees only the lua_State.

#include "engine/trace/probes.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

struct lua_State;

namespace restyscope::engine::sched {

// coroutine.status() words, plus zombie (a finished user thread nobody waited for yet).
enum class CoStatus { Running, Suspended, Normal, Dead, Zombie };

std::string_view coStatusName(CoStatus status);

struct CoCtx
{
    std::uint32_t id = 0; // per engine, for events and views
    lua_State* co = nullptr;
    int anchorRef = -2; // ref in the coroutine anchor table (LUA_NOREF when released)
    trace::CoroutineType type = trace::CoroutineType::Entry;
    CoStatus status = CoStatus::Suspended;
    CoCtx* parent = nullptr;
    bool started = false;        // resumed at least once (its function is gone from the stack)
    bool isWrap = false;         // coroutine.wrap: errors propagate to the parent
    bool waitedByParent = false; // the parent sits in ngx.thread.wait on it (never cleared
                                 // on the losers: semantics.md 2.5.3)
    bool propagateError = false; // a wrap child failed: fail as if this one raised it
    // With propagateError: the failed wrap coroutines' frames, innermost first, as the
    // traceback lists them before this one's (they are released by then).
    std::vector<std::string> propagatedFrames;
    bool posted = false; // in the request's posted-thread queue
    trace::YieldReason reason = trace::YieldReason::None;
    std::string waitingOn; // "sleep 100 ms", "thread 4": shown while parked
    std::uint64_t resumes = 0;
    // Cancels the pending operation (timer, socket wait) when the thread is killed or the
    // request ends; cleared when the operation completes.
    std::function<void()> cleanup;
    std::vector<CoCtx*> zombieChildren;

    bool isThread() const
    {
        return type == trace::CoroutineType::Entry || type == trace::CoroutineType::UserThread ||
               type == trace::CoroutineType::Timer;
    }
    bool alive() const { return status != CoStatus::Dead && status != CoStatus::Zombie; }
};

} // namespace restyscope::engine::sched
