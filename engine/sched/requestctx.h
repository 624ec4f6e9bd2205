#pragma once
// Design: the Lua side of one request (lua-nginx-module's ngx_http_lua_ctx_t): which VM it
// runs in, its coroutines, its posted-thread queue, the co_op the running coroutine left
// for the scheduler, and the exit/exec state. A timer gets one too (a fake request).

#include "engine/sched/coctx.h"
#include "engine/sched/context.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

struct lua_State;

namespace restyscope::engine::http {
class HttpRequest;
}
namespace restyscope::engine::runtime {
class Vm;
}

namespace restyscope::engine::sched {

class Scheduler;

// What the running coroutine asks the scheduler to do after it yields (ctx->co_op).
enum class CoOp { Nop, UserCoroResume, UserCoroYield, UserThreadResume };

class RequestCtx : public std::enable_shared_from_this<RequestCtx>
{
public:
    RequestCtx(Scheduler& scheduler, std::shared_ptr<runtime::Vm> vm,
               std::shared_ptr<http::HttpRequest> request);
    ~RequestCtx();
    RequestCtx(const RequestCtx&) = delete;
    RequestCtx& operator=(const RequestCtx&) = delete;

    Scheduler& scheduler;
    std::shared_ptr<runtime::Vm> vm;
    std::shared_ptr<http::HttpRequest> http; // null for a timer
    std::uint64_t requestId = 0;
    unsigned context = 0; // the running phase (Context bit)
    int phase = 0;        // the http::Phase being run, to continue after an async finish

    // Coroutines in creation order; dead ones stay until the request ends (the views
    // show them greyed).
    std::vector<std::unique_ptr<CoCtx>> coroutines;
    CoCtx* entry = nullptr;
    CoCtx* cur = nullptr;
    std::deque<CoCtx*> posted;
    int uthreads = 0; // user threads not finished yet
    CoOp coOp = CoOp::Nop;

    bool exited = false; // ngx.exit / ngx.redirect
    int exitCode = 0;
    bool execPending = false; // ngx.exec
    bool uriJump = false;     // ngx.req.set_uri(uri, true): execUri is a rewrite jump
    std::string execUri;
    std::string execArgs;
    int pendingSubrequests = 0; // ngx.location.capture children not finished yet
    // ngx.on_abort's user thread: suspended, with its function on its stack, until the
    // client closes (lua_check_client_abort on); the phase's killAll ends it.
    CoCtx* onAbort = nullptr;
    bool eofSent = false;        // ngx.eof
    bool aborted = false;        // the request went away: coroutines are being torn down
    bool http10Buffering = true; // lua_http10_buffering of the location
    // The instruction budget (restyscope's --lua-instruction-budget): VM instructions this
    // request ran, counted in the budget hook's steps, and whether it ran out.
    std::uint64_t instructions = 0;
    bool overBudget = false;
    // A timer's fake request: nginx's "*N" of its fake connection and the log context it
    // inherited from the request that created it (", context: ngx.timer, client: ...").
    std::uint64_t fakeConnection = 0;
    std::string timerLogContext;
    // Run when the request's Lua side goes away (nginx's request pool cleanups): cosockets
    // close their connections there.
    std::vector<std::function<void()>> endCleanups;

    // nginx's "*N" for log lines about this request.
    std::uint64_t connectionSerial() const;

    int ngxCtxRef = -2; // ngx.ctx table in the VM registry (LUA_NOREF until first use)

    // Coroutines already released, by state: coroutine.status and ngx.thread.* still answer
    // for them ("dead", "already waited or killed"). Live ones are found through exdata.
    std::vector<std::pair<const lua_State*, CoCtx*>> released;

    lua_State* mainState() const;
    CoCtx* newCoroutine(trace::CoroutineType type, CoCtx* parent);
    CoCtx* find(lua_State* co) const;
    // Releases a finished coroutine's anchor so the VM can collect it.
    void releaseCoroutine(CoCtx& co);
    // Kills every coroutine (pending operations cancelled, anchors released).
    void killAll();
    void post(CoCtx* co);
    // Pushes co's thread object onto L (what spawn and coroutine.create return).
    /* stack: ... -> ..., thread */
    void pushThread(lua_State* L, const CoCtx& co) const;

    // Any coroutine's request, from inside a lua_CFunction.
    static RequestCtx* of(lua_State* L);
    static CoCtx* coOf(lua_State* L);
};

} // namespace restyscope::engine::sched
