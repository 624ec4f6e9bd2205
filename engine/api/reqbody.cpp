// ngx.req.read_body / discard_body: reading the body is a real wait (reason "request
// body") when it has not all arrived yet.

#include "engine/api/apicommon.h"
#include "engine/http/connection.h"
#include "engine/http/status.h"
#include "engine/sched/scheduler.h"

#include <lua.hpp>

namespace restyscope::engine::api {

namespace {

constexpr unsigned kBodyContexts = sched::kContextRewrite | sched::kContextServerRewrite |
                                   sched::kContextAccess | sched::kContextContent;

int readBody(lua_State* L)
{
    if (lua_gettop(L) != 0) {
        return luaL_error(L, "expecting 0 arguments, but got %d", lua_gettop(L));
    }
    sched::RequestCtx& ctx = requireContext(L, kBodyContexts, "request object not found");
    http::HttpRequest& request = *ctx.http;
    if (request.bodyComplete()) {
        return 0;
    }
    sched::CoCtx* co = sched::RequestCtx::coOf(L);
    // The callback runs now (body already here) or later (after this function yielded).
    struct Wait
    {
        bool parked = false;
        bool finishedNow = false;
        int failure = 0;
    };
    auto wait = std::make_shared<Wait>();
    std::weak_ptr<sched::RequestCtx> weakCtx = ctx.shared_from_this();
    request.readBody([wait, weakCtx, co](int status) {
        if (!wait->parked) {
            wait->finishedNow = true;
            wait->failure = status;
            return;
        }
        auto holder = weakCtx.lock();
        if (!holder || !co->alive()) {
            return;
        }
        if (status != 0) {
            // nginx finalizes the request with the body error (413, 400, 408).
            holder->scheduler.finish(holder, {sched::RunStatus::Exit, status});
            return;
        }
        holder->scheduler.wake(holder, *co, nullptr);
    });
    if (wait->finishedNow) {
        if (wait->failure != 0) {
            ctx.exited = true;
            ctx.exitCode = wait->failure;
            lua_settop(L, 0);
            return lua_yield(L, 0);
        }
        return 0;
    }
    wait->parked = true;
    co->reason = trace::YieldReason::RequestBody;
    co->waitingOn = "request body";
    ctx.coOp = sched::CoOp::Nop;
    lua_settop(L, 0);
    return lua_yield(L, 0);
}

int discardBody(lua_State* L)
{
    sched::RequestCtx& ctx = checkRequest(L);
    if (!ctx.http) {
        // a timer's fake request (ngx_http_lua_check_fake_request)
        return luaL_error(L, "API disabled in the current context");
    }
    checkContext(L, ctx, kBodyContexts);
    ctx.http->discardBody();
    return 0;
}

} // namespace

void installReqBody(lua_State* L)
{
    /* stack: ngx -> ngx */
    lua_getfield(L, -1, "req");
    setFunction(L, "read_body", readBody);
    setFunction(L, "discard_body", discardBody);
    lua_pop(L, 1);
}

} // namespace restyscope::engine::api
