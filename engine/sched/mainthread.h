#pragma once
// Design: the runner for Lua handlers that must not yield (lua-nginx-module runs them with
// lua_pcall on the VM's main thread, not in a coroutine): header_filter_by_lua*,
// log_by_lua*, and next set_by_lua*, body_filter_by_lua*, balancer_by_lua* and
// init_worker_by_lua*. The request's ctx answers for the main thread while the handler
// runs, in the handler's context (which refuses the yielding APIs); an error is logged as
// lua-nginx-module logs it, "failed to run <context>: ...".

#include <functional>

struct lua_State;

namespace restyscope::engine::sched {

class Scheduler;
struct RequestCtx;

struct MainThreadCall
{
    unsigned context = 0; // kContext*: what the handler may call
    // Pushes the function, then its nargs arguments; false (with nothing pushed) when the
    // handler could not be loaded.
    std::function<bool(lua_State* L)> push;
    int nargs = 0;
    int nresults = 0;
    // Reads the nresults results (on top of the stack) after a successful call.
    std::function<void(lua_State* L)> results;
};

// True when the handler ran without error. The stack is as before afterwards.
bool runOnMainThread(Scheduler& scheduler, RequestCtx& ctx, const MainThreadCall& call);

} // namespace restyscope::engine::sched
