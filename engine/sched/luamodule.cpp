#include "engine/sched/luamodule.h"

#include "engine/sched/timers.h"

#include "engine/conf/config.h"
#include "engine/http/connection.h"
#include "engine/http/status.h"
#include "engine/http/variables.h"
#include "engine/runtime/cachekey.h"
#include "engine/runtime/chunkname.h"
#include "engine/runtime/filecontainment.h"
#include "engine/runtime/registry.h"
#include "engine/runtime/vm.h"
#include "engine/trace/errorlog.h"
#include "engine/trace/tracer.h"

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <lua.hpp>

#include <algorithm>

namespace restyscope::engine::sched {

namespace {

unsigned contextFor(http::Phase phase)
{
    switch (phase) {
    case http::Phase::Rewrite: return kContextRewrite;
    case http::Phase::Access: return kContextAccess;
    case http::Phase::Content: return kContextContent;
    default: return kContextContent;
    }
}

std::string_view phaseText(http::Phase phase)
{
    switch (phase) {
    case http::Phase::Rewrite: return "rewrite";
    case http::Phase::Access: return "access";
    case http::Phase::Content: return "content";
    default: return "?";
    }
}

// init_by_lua* as the VM runs it: a file under the prefix, or inline code with its chunk name.
runtime::InitChunk initChunkFor(const conf::LuaHandler& handler, const conf::Config& config)
{
    runtime::InitChunk chunk;
    if (handler.form == conf::LuaHandler::Form::File) {
        chunk.form = runtime::InitChunk::Form::File;
        chunk.path = runtime::rebasePath(config.prefix, handler.path.raw());
    } else {
        chunk.form = runtime::InitChunk::Form::Inline;
        chunk.source = handler.code;
        chunk.chunkName =
            runtime::inlineChunkName("init_by_lua", handler.where.file,
                                     runtime::confPrefixOf(config.confFile), handler.where.line);
    }
    return chunk;
}

} // namespace

struct LuaModule::DirectiveState
{
    std::string cacheKey;  // empty for a file path with variables
    std::string chunkName; // inline code
    int mainRef = runtime::kRefNil;
};

LuaModule::LuaModule(const conf::Config& config, Scheduler& scheduler, http::PhaseEngine& phases,
                     std::function<void(lua_State*)> installApi)
    : m_config(config), m_scheduler(scheduler), m_phases(phases),
      m_installApi(std::move(installApi))
{
    m_scheduler.setResultHandler([this](const std::shared_ptr<RequestCtx>& ctx, RunResult result) {
        asyncResult(ctx, result);
    });
    m_scheduler.setSubrequestHost(this);
}

LuaModule::~LuaModule()
{
    // Requests that never finished (the engine stops while they are parked) hold their
    // ctx and their request in a cycle; break it so their coroutines and VMs go too.
    for (const auto& ctx : liveRequests()) {
        ctx->aborted = true;
        ctx->killAll();
        if (ctx->http) {
            ctx->http->setCtx(this, nullptr);
        }
    }
    m_liveCtxs.clear();
    m_scheduler.setResultHandler(nullptr);
    m_scheduler.setSubrequestHost(nullptr);
}

runtime::Vm& LuaModule::mainVm()
{
    return *m_mainVm;
}

std::size_t LuaModule::liveVmCount() const
{
    return (m_mainVm ? 1 : 0) + m_requestVms;
}

std::size_t LuaModule::mainAnchorCount() const
{
    lua_State* L = m_mainVm->state();
    runtime::pushRegistryTable(L, runtime::RegistryTable::CoroutineAnchors);
    std::size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        // luaL_ref keeps its free list in slot 0: only threads are anchors.
        if (lua_type(L, -1) == LUA_TTHREAD) {
            ++count;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return count;
}

std::vector<std::shared_ptr<RequestCtx>> LuaModule::liveRequests() const
{
    std::vector<std::shared_ptr<RequestCtx>> requests;
    for (const auto& [id, weak] : m_liveCtxs) {
        if (auto ctx = weak.lock()) {
            requests.push_back(std::move(ctx));
        }
    }
    return requests;
}

std::vector<std::shared_ptr<runtime::Vm>> LuaModule::liveVms() const
{
    std::vector<std::shared_ptr<runtime::Vm>> vms{m_mainVm};
    for (const auto& ctx : liveRequests()) {
        if (ctx->vm && ctx->vm != m_mainVm) {
            vms.push_back(ctx->vm);
        }
    }
    return vms;
}

bool LuaModule::init(std::string& error)
{
    runtime::VmSettings settings;
    settings.prefix = m_config.prefix;
    if (m_config.http) {
        // Several lua_package_path lines: nginx keeps the last one.
        if (!m_config.http->luaPackagePath.empty()) {
            settings.packagePath = m_config.http->luaPackagePath.back();
        }
        if (!m_config.http->luaPackageCpath.empty()) {
            settings.packageCpath = m_config.http->luaPackageCpath.back();
        }
    }
    const LuaLimits& limits = m_scheduler.luaLimits();
    settings.limits.memoryBytes = limits.memoryBytes;
    if (limits.instructionBudget > 0) {
        settings.limits.budgetHook = &Scheduler::budgetHook;
        // Charged in steps: small enough that a budget overshoots by little.
        settings.limits.budgetInterval =
            static_cast<int>(std::min<std::uint64_t>(limits.instructionBudget, 1000));
    }
    m_containment =
        std::make_unique<runtime::FileContainment>(m_config.prefix, settings.packagePath);
    runtime::VmHooks hooks;
    hooks.installApi = [this](runtime::Vm& vm) { m_installApi(vm.state()); };
    trace::ErrorLog& log = m_scheduler.log();
    hooks.globalWrite = [&log, this](runtime::Vm&, lua_State* writer, std::string_view,
                                     std::string_view message) {
        const RequestCtx* ctx = RequestCtx::of(writer);
        const std::string suffix = ctx ? m_scheduler.logContext(*ctx) : std::string();
        log.write(trace::LogLevel::Warn, ctx ? ctx->connectionSerial() : 0,
                  std::string(message) + suffix);
    };
    m_factory = std::make_unique<runtime::VmFactory>(settings, hooks, &m_scheduler.tracer());
    return reloadCode(error);
}

bool LuaModule::reloadCode(std::string& error)
{
    std::shared_ptr<runtime::Vm> vm = m_factory->createMain();
    if (!vm) {
        error = "failed to initialize Lua VM";
        return false;
    }
    if (m_config.http && m_config.http->initByLua) {
        const runtime::InitChunk chunk = initChunkFor(*m_config.http->initByLua, m_config);
        const runtime::InitResult result = vm->runInit(chunk);
        if (!result.ok) {
            error = "[error] " + result.error;
            return false;
        }
    }
    m_mainVm = std::move(vm);
    if (m_vmObserver) {
        m_vmObserver(m_mainVm->state());
    }
    // Refs named slots of the old VM's cache table.
    for (auto& [handler, state] : m_directives) {
        state->mainRef = runtime::kRefNil;
    }
    return true;
}

const conf::LuaHandler* LuaModule::handlerFor(const http::HttpRequest& request,
                                              http::Phase phase) const
{
    const conf::LocationConfig* location = request.request.location;
    if (!location) {
        return nullptr;
    }
    switch (phase) {
    case http::Phase::Rewrite:
        return location->local.rewriteByLua ? &*location->local.rewriteByLua : nullptr;
    case http::Phase::Access:
        return location->local.accessByLua ? &*location->local.accessByLua : nullptr;
    case http::Phase::Content: return location->contentByLua ? &*location->contentByLua : nullptr;
    default: return nullptr;
    }
}

bool LuaModule::handles(const http::HttpRequest& request, http::Phase phase) const
{
    return handlerFor(request, phase) != nullptr;
}

LuaModule::DirectiveState& LuaModule::directive(const conf::LuaHandler& handler)
{
    auto& slot = m_directives[&handler];
    if (!slot) {
        slot = std::make_unique<DirectiveState>();
        if (handler.form == conf::LuaHandler::Form::File) {
            if (handler.path.isConstant()) {
                slot->cacheKey = runtime::fileCacheKey(handler.path.raw());
            }
        } else {
            slot->cacheKey = runtime::inlineCacheKey(handler.tag, handler.code);
            slot->chunkName = runtime::inlineChunkName(handler.tag, handler.where.file,
                                                       runtime::confPrefixOf(m_config.confFile),
                                                       handler.where.line);
        }
    }
    return *slot;
}

std::shared_ptr<runtime::Vm> LuaModule::newRequestVm(std::string& error)
{
    std::shared_ptr<runtime::Vm> vm(m_factory->createFresh(*m_mainVm).release(),
                                    [this](runtime::Vm* dying) {
                                        --m_requestVms;
                                        delete dying;
                                    });
    ++m_requestVms;
    if (m_vmObserver) {
        m_vmObserver(vm->state());
    }
    // lua_code_cache off: init_by_lua runs again in every request's VM (semantics 1.7.2).
    if (m_config.http && m_config.http->initByLua) {
        const runtime::InitChunk chunk = initChunkFor(*m_config.http->initByLua, m_config);
        const runtime::InitResult result = vm->runInit(chunk);
        if (!result.ok) {
            error = result.error;
            return nullptr;
        }
    }
    return vm;
}

std::shared_ptr<RequestCtx> LuaModule::requestCtx(const std::shared_ptr<http::HttpRequest>& request,
                                                  std::string& error)
{
    if (auto existing = findCtx(*request)) {
        return existing;
    }
    const conf::LocationConfig* location = request->request.location;
    const bool cacheOn =
        m_codeCacheOverride.value_or(!location || location->local.luaCodeCache.value_or(true));
    std::shared_ptr<runtime::Vm> vm;
    const auto parent = request->parentRequest();
    if (const auto parentCtx = parent ? findCtx(*parent) : nullptr) {
        // A subrequest runs on its parent's VM, whatever its location's lua_code_cache.
        vm = parentCtx->vm;
    } else {
        vm = cacheOn ? m_mainVm : newRequestVm(error);
    }
    if (!vm) {
        return nullptr;
    }
    auto ctx = std::make_shared<RequestCtx>(m_scheduler, std::move(vm), request);
    ctx->requestId = request->request.id;
    if (location) {
        ctx->http10Buffering = location->local.luaHttp10Buffering.value_or(true);
    }
    request->setCtx(this, ctx);
    if (location && location->local.luaCheckClientAbort.value_or(false) &&
        !request->isSubrequest()) {
        watchClientAbort(request, ctx);
    }
    ++m_live;
    m_liveCtxs[ctx->requestId] = ctx;
    std::weak_ptr<http::HttpRequest> weakRequest = request;
    request->addCleanup([this, weakRequest] {
        auto r = weakRequest.lock();
        auto dying = r ? findCtx(*r) : nullptr;
        if (!dying) {
            return;
        }
        r->setCtx(this, nullptr);
        dying->aborted = true;
        dying->killAll();
        --m_live;
        m_liveCtxs.erase(dying->requestId);
    });
    return ctx;
}

void LuaModule::watchClientAbort(const std::shared_ptr<http::HttpRequest>& request,
                                 const std::shared_ptr<RequestCtx>& ctx)
{
    // ngx_http_lua_rd_check_broken_connection: the client closed while the request waits.
    request->setAbortHandler([this, weak = std::weak_ptr<RequestCtx>(ctx)] {
        auto holder = weak.lock();
        if (!holder || holder->aborted || !holder->http) {
            return;
        }
        m_scheduler.log().write(trace::LogLevel::Info, holder->connectionSerial(),
                                "client prematurely closed connection" +
                                    m_scheduler.logContext(*holder));
        CoCtx* co = holder->onAbort;
        if (!co) {
            m_scheduler.finish(holder, {RunStatus::Exit, http::kStatusClientClosed});
            return;
        }
        if (co->status != CoStatus::Suspended) {
            return; // on_abort already ran for this handler
        }
        // The handler starts as a user thread: its function waits on its stack, which a
        // wake clears first, so it is moved aside and pushed back as the "results".
        co->status = CoStatus::Running;
        ++holder->uthreads;
        lua_State* main = holder->mainState();
        lua_xmove(co->co, main, 1);
        m_scheduler.wake(holder, *co, [main](lua_State* target) {
            lua_xmove(main, target, 1);
            return 0;
        });
    });
}

std::shared_ptr<RequestCtx>
LuaModule::subrequestCtx(const std::shared_ptr<http::HttpRequest>& child)
{
    std::string error;
    return requestCtx(child, error);
}

void LuaModule::runSubrequest(const std::shared_ptr<http::HttpRequest>& child)
{
    // nginx runs posted subrequests after the parent's handler returned.
    asio::post(m_scheduler.io(), [this, child] {
        if (!child->finalized()) {
            m_phases.startSubrequest(child);
        }
    });
}

bool LuaModule::loadHandler(RequestCtx& ctx, const conf::LuaHandler& handler, int& status)
{
    DirectiveState& state = directive(handler);
    runtime::Vm& vm = *ctx.vm;
    // A fresh VM hands out refs from 1 again: a ref is only kept for the main VM.
    int freshRef = runtime::kRefNil;
    int& ref = &vm == m_mainVm.get() ? state.mainRef : freshRef;
    runtime::LoadContext load;
    load.requestId = ctx.requestId;
    load.debugLog = &m_scheduler.log();
    load.connection = ctx.http->request.connection;
    runtime::CodeResult result;
    if (handler.form == conf::LuaHandler::Form::File) {
        const std::string path = handler.path.evaluate(
            [&ctx](std::string_view name) { return http::variableValue(*ctx.http, name); });
        const std::string absolute = runtime::rebasePath(m_config.prefix, path);
        // A cached constant path is not read again: only a load that reads is checked.
        const bool reads = state.cacheKey.empty() || ref == runtime::kRefNil;
        if (reads && !m_containment->allows(absolute, handler.path.raw(), &ref == &state.mainRef)) {
            // restyscope only (nginx loads it): see runtime/filecontainment.h.
            m_scheduler.log().write(trace::LogLevel::Error, ctx.http->request.connection,
                                    "restyscope refused to load Lua file \"" + absolute +
                                        "\": it resolves outside the prefix \"" + m_config.prefix +
                                        "\" and the directories the configuration names" +
                                        m_scheduler.logContext(ctx));
            status = 403;
            return false;
        }
        result = vm.codeCache().loadFile(
            absolute, state.cacheKey.empty() ? nullptr : &state.cacheKey, ref, load);
    } else {
        result =
            vm.codeCache().loadInline(state.cacheKey, ref, handler.code, state.chunkName, load);
    }
    if (!result.ok()) {
        m_scheduler.log().write(trace::LogLevel::Error, ctx.http->request.connection,
                                result.error + m_scheduler.logContext(ctx));
        status = result.httpStatus();
        return false;
    }
    return true;
}

PhaseOutcome LuaModule::run(const std::shared_ptr<http::HttpRequest>& request, http::Phase phase)
{
    const conf::LuaHandler* handler = handlerFor(*request, phase);
    std::string error;
    std::shared_ptr<RequestCtx> ctx = requestCtx(request, error);
    if (!ctx) {
        m_scheduler.log().write(trace::LogLevel::Error, request->request.connection,
                                error + http::logContext(request->request));
        return PhaseOutcome::finalize(500);
    }
    // A new phase finalizes whatever threads the previous Lua phase left (reset_ctx).
    ctx->killAll();
    ctx->posted.clear();
    ctx->entry = nullptr;
    ctx->exited = false;
    ctx->execPending = false;
    ctx->uriJump = false;
    ctx->onAbort = nullptr;
    ctx->context = contextFor(phase);
    ctx->phase = static_cast<int>(phase);
    RESTYSCOPE_PROBE(m_scheduler.tracer(), PhaseEnter,
                     .request(ctx->requestId).vm(ctx->vm->id()).text(phaseText(phase)));
    int status = 0;
    if (!loadHandler(*ctx, *handler, status)) {
        return PhaseOutcome::finalize(status);
    }
    const RunResult result = m_scheduler.startEntryThread(*ctx);
    return outcome(ctx, phase, result);
}

PhaseOutcome LuaModule::outcome(const std::shared_ptr<RequestCtx>& ctx, http::Phase phase,
                                RunResult result)
{
    http::HttpRequest& request = *ctx->http;
    switch (result.status) {
    case RunStatus::Again:
    case RunStatus::Held: return PhaseOutcome::again();
    case RunStatus::Done:
        if (phase == http::Phase::Content) {
            return PhaseOutcome::finalize(http::kNgxOk);
        }
        return PhaseOutcome::next();
    case RunStatus::Error: return PhaseOutcome::finalize(result.rc);
    case RunStatus::Exec: {
        std::string uri = std::move(ctx->execUri);
        std::string args = std::move(ctx->execArgs);
        // The redirect wipes every module ctx: ngx.ctx is gone, and with the cache off the
        // redirected request gets another fresh VM.
        auto http = ctx->http;
        http->setCtx(this, nullptr);
        ctx->aborted = true;
        --m_live;
        m_liveCtxs.erase(ctx->requestId);
        if (ctx->uriJump) {
            // ngx.req.set_uri(uri, true): the URI is already set; the location is found
            // again and its phases run, with a fresh Lua ctx as nginx resets it.
            m_phases.rewriteJump(http);
            return PhaseOutcome::redirected();
        }
        m_phases.internalRedirect(http, std::move(uri), std::move(args));
        return PhaseOutcome::redirected();
    }
    case RunStatus::Exit: break;
    }
    const int code = result.rc;
    if (code == http::kNgxOk) {
        return phase == http::Phase::Content ? PhaseOutcome::finalize(http::kNgxOk)
                                             : PhaseOutcome::next();
    }
    if (code == http::kNgxDeclined) {
        // nginx sends nothing at all from content for this; other phases go on.
        return phase == http::Phase::Content ? PhaseOutcome::again() : PhaseOutcome::next();
    }
    if (code >= 200 && code < 300 && !request.headerSent()) {
        // The status and the header, then an empty body.
        request.headersOut.status = code;
        request.sendHeader();
        return PhaseOutcome::finalize(http::kNgxOk);
    }
    return PhaseOutcome::finalize(code);
}

void LuaModule::asyncResult(const std::shared_ptr<RequestCtx>& ctx, RunResult result)
{
    if (!ctx->http) {
        // A timer's fake request: done unless something is still parked.
        if (result.status != RunStatus::Again && result.status != RunStatus::Held) {
            m_scheduler.timers().finished(ctx);
        }
        return;
    }
    if (ctx->aborted) {
        return;
    }
    const auto phase = static_cast<http::Phase>(ctx->phase);
    auto request = ctx->http;
    const PhaseOutcome next = outcome(ctx, phase, result);
    if (m_asyncOutcome) {
        m_asyncOutcome(request, phase, next);
    }
}

} // namespace restyscope::engine::sched
