#include "engine/sched/mainthread.h"

#include "engine/runtime/vm.h"
#include "engine/sched/context.h"
#include "engine/sched/requestctx.h"
#include "engine/sched/scheduler.h"
#include "engine/trace/errorlog.h"

#include <lua.hpp>

#include <string>

namespace restyscope::engine::sched {

bool runOnMainThread(Scheduler& scheduler, RequestCtx& ctx, const MainThreadCall& call)
{
    lua_State* L = ctx.vm->state();
    const int top = lua_gettop(L);
    const unsigned previous = ctx.context;
    ctx.context = call.context;
    bool ok = false;
    if (call.push(L)) {
        /* stack: function, args -> traceback, function, args */
        lua_pushcfunction(L, runtime::pcallTraceback);
        lua_insert(L, -(call.nargs + 2));
        // The main thread answers for the request while the handler runs.
        void* saved = lua_getexdata(L);
        lua_setexdata(L, &ctx);
        if (lua_pcall(L, call.nargs, call.nresults, -(call.nargs + 2)) != 0) {
            const char* message = lua_tostring(L, -1);
            scheduler.log().write(trace::LogLevel::Error, ctx.connectionSerial(),
                                  "failed to run " + std::string(contextName(call.context)) + ": " +
                                      (message ? message : "unknown reason") +
                                      scheduler.logContext(ctx));
        } else {
            ok = true;
            if (call.results) {
                call.results(L);
            }
        }
        lua_setexdata(L, saved);
    }
    lua_settop(L, top);
    ctx.context = previous;
    return ok;
}

} // namespace restyscope::engine::sched
