#include "engine/modules/lua/luahttpmodule.h"

#include "engine/conf/config.h"
#include "engine/http/status.h"
#include "engine/sched/luamodule.h"

namespace restyscope::engine::modules {

namespace {

// What the phase engine does with a Lua phase's outcome. A finalize is done here, with
// whatever code Lua gave (ngx.exit(ngx.DONE) included), so the checkers never see codes
// they would read differently (kNgxOk is "next handler" in access).
int phaseRc(http::HttpRequest& request, http::Phase phase, sched::PhaseOutcome outcome)
{
    switch (outcome.kind) {
    case sched::PhaseOutcome::Kind::Again:
    case sched::PhaseOutcome::Kind::InternalRedirect: return http::kNgxDone;
    case sched::PhaseOutcome::Kind::Finalize: request.finalize(outcome.rc); return http::kNgxDone;
    case sched::PhaseOutcome::Kind::Continue: break;
    }
    if (phase == http::Phase::Content) {
        return http::kNgxDone;
    }
    // A rewrite/access handler that sent a header ended the request (semantics.md 3.6).
    if (request.headerSent()) {
        request.finalize(http::kNgxOk);
        return http::kNgxDone;
    }
    return http::kNgxDeclined;
}

} // namespace

LuaHttpModule::LuaHttpModule(std::function<sched::Scheduler*()> scheduler,
                             std::function<void(lua_State*)> installApi)
    : m_scheduler(std::move(scheduler)), m_installApi(std::move(installApi))
{
}

LuaHttpModule::~LuaHttpModule() = default;

int LuaHttpModule::runPhase(const std::shared_ptr<http::HttpRequest>& request, http::Phase phase)
{
    if (!m_lua->handles(*request, phase)) {
        return http::kNgxDeclined;
    }
    return phaseRc(*request, phase, m_lua->run(request, phase));
}

bool LuaHttpModule::postConfiguration(http::PhaseEngine& core, std::string& error)
{
    m_core = &core;
    m_lua = std::make_unique<sched::LuaModule>(core.config(), *m_scheduler(), core, m_installApi);
    if (!m_lua->init(error)) {
        return false;
    }
    m_lua->setAsyncOutcome([this](const std::shared_ptr<http::HttpRequest>& request,
                                  http::Phase phase, sched::PhaseOutcome outcome) {
        const int rc = phaseRc(*request, phase, outcome);
        if (rc != http::kNgxDone) {
            m_core->resume(request, rc);
        }
    });
    core.addHandler(
        http::Phase::Rewrite, *this,
        [this](const std::shared_ptr<http::HttpRequest>& request) {
            return runPhase(request, http::Phase::Rewrite);
        },
        http::PhaseEngine::Order::LastInPhase);
    core.addHandler(
        http::Phase::Access, *this,
        [this](const std::shared_ptr<http::HttpRequest>& request) {
            return runPhase(request, http::Phase::Access);
        },
        http::PhaseEngine::Order::LastInPhase);
    m_contentHandler.module = this;
    m_contentHandler.handler = [this](const std::shared_ptr<http::HttpRequest>& request) {
        return runPhase(request, http::Phase::Content);
    };
    core.addContentHandlerLookup([this](const http::HttpRequest& request) {
        const conf::LocationConfig* location = request.request.location;
        return location && location->contentByLua ? &m_contentHandler : nullptr;
    });
    core.filters().addHeaderFilter(
        [this](http::HttpRequest& request, const http::FilterChains& chains, std::size_t next) {
            m_lua->headerFilter(request);
            return chains.header(request, next);
        });
    core.addLogHandler(
        *this, [this](const std::shared_ptr<http::HttpRequest>& request) { m_lua->log(request); });
    return true;
}

} // namespace restyscope::engine::modules
