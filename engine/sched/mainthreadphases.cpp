// The Lua phases that run on the VM's main thread (sched/mainthread.h), not in a
// coroutine, so nothing in them may yield (their contexts refuse those APIs):
// header_filter_by_lua* (ngx_http_lua_header_filter) as the response header goes out, and
// log_by_lua* (ngx_http_lua_log_handler) once a main request is finalized. Both see the request's
// ngx.ctx; errors are logged as "failed to run <phase>_by_lua*: ...".

#include "engine/sched/luamodule.h"
#include "engine/sched/mainthread.h"

#include "engine/conf/config.h"
#include "engine/http/connection.h"
#include "engine/runtime/vm.h"
#include "engine/trace/errorlog.h"

#include <lua.hpp>

namespace restyscope::engine::sched {

// Runs handler's chunk for ctx in context on the main thread of ctx's VM.
void LuaModule::runOnMainThread(RequestCtx& ctx, const conf::LuaHandler& handler, unsigned context)
{
    MainThreadCall call;
    call.context = context;
    call.push = [&](lua_State*) {
        int status = 0;
        return loadHandler(ctx, handler, status); /* stack: -> closure */
    };
    sched::runOnMainThread(m_scheduler, ctx, call);
}

void LuaModule::headerFilter(http::HttpRequest& request)
{
    const conf::LocationConfig* location = request.request.location;
    if (!location || !location->local.headerFilterByLua) {
        return;
    }
    std::string error;
    std::shared_ptr<RequestCtx> ctx = requestCtx(request.shared_from_this(), error);
    if (!ctx) {
        m_scheduler.log().write(trace::LogLevel::Error, request.request.connection,
                                error + http::logContext(request.request));
        return;
    }
    runOnMainThread(*ctx, *location->local.headerFilterByLua, kContextHeaderFilter);
}

void LuaModule::log(const std::shared_ptr<http::HttpRequest>& request)
{
    const conf::LocationConfig* location = request->request.location;
    if (!location || !location->local.logByLua || request->isSubrequest()) {
        return;
    }
    const bool hadCtx = findCtx(*request) != nullptr;
    std::string error;
    std::shared_ptr<RequestCtx> ctx = requestCtx(request, error);
    if (!ctx) {
        m_scheduler.log().write(trace::LogLevel::Error, request->request.connection,
                                error + http::logContext(request->request));
        return;
    }
    // The request's threads are gone before its log phase (its cleanup ran first in nginx).
    ctx->killAll();
    runOnMainThread(*ctx, *location->local.logByLua, kContextLog);
    if (!hadCtx) {
        // Made for this phase after the request's cleanups ran: nothing else ends it.
        request->setCtx(this, nullptr);
        ctx->aborted = true;
        --m_live;
        m_liveCtxs.erase(ctx->requestId);
    }
}

} // namespace restyscope::engine::sched
