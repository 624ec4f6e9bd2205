#pragma once
// Design: lua-nginx-module's phase handlers (rewrite_by_lua, access_by_lua,
// content_by_lua: ngx_http_lua_*_handler -> *_by_chunk): find or create the request's Lua
// ctx (a fresh VM when lua_code_cache is off), load the handler's code through the
// registry code cache, run it as a new entry thread, and turn the scheduler's answer into
// what the phase engine does next. Also owns the main VM and runs init_by_lua.

#include "engine/http/phases.h"
#include "engine/sched/scheduler.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace restyscope::engine::conf {
struct Config;
struct LuaHandler;
} // namespace restyscope::engine::conf
namespace restyscope::engine::runtime {
class FileContainment;
class Vm;
class VmFactory;
} // namespace restyscope::engine::runtime

namespace restyscope::engine::sched {

// What a Lua phase handler reports back (ngx_http_lua_*_handler return values); the http
// module (engine/modules/lua) turns it into the phase engine's rc.
struct PhaseOutcome
{
    enum class Kind { Continue, Again, Finalize, InternalRedirect };
    Kind kind = Kind::Continue;
    int rc = 0; // for Finalize: the finalize_request code
    static PhaseOutcome next() { return {}; }
    static PhaseOutcome again() { return {Kind::Again, 0}; }
    static PhaseOutcome finalize(int rc) { return {Kind::Finalize, rc}; }
    static PhaseOutcome redirected() { return {Kind::InternalRedirect, 0}; }
};

class LuaModule final : public SubrequestHost
{
public:
    // installApi builds the ngx table in each new VM (the api/ layer sits above sched/).
    LuaModule(const conf::Config& config, Scheduler& scheduler, http::PhaseEngine& phases,
              std::function<void(lua_State*)> installApi);
    ~LuaModule() override;

    // Creates the main VM and runs init_by_lua*. False with nginx's message on failure.
    bool init(std::string& error);

    bool handles(const http::HttpRequest& request, http::Phase phase) const;
    PhaseOutcome run(const std::shared_ptr<http::HttpRequest>& request, http::Phase phase);
    // Where a Lua phase that yielded reports its outcome once it is done.
    using AsyncOutcome = std::function<void(const std::shared_ptr<http::HttpRequest>& request,
                                            http::Phase phase, PhaseOutcome outcome)>;
    void setAsyncOutcome(AsyncOutcome handler) { m_asyncOutcome = std::move(handler); }
    // The request's Lua ctx, or null (a request ctx slot of the http request).
    std::shared_ptr<RequestCtx> findCtx(const http::HttpRequest& request) const
    {
        return request.sharedCtx<RequestCtx>(this);
    }

    std::shared_ptr<RequestCtx>
    subrequestCtx(const std::shared_ptr<http::HttpRequest>& child) override;
    void runSubrequest(const std::shared_ptr<http::HttpRequest>& child) override;
    // log_by_lua* (sched/mainthreadphases.cpp).
    void log(const std::shared_ptr<http::HttpRequest>& request);
    // header_filter_by_lua* (sched/mainthreadphases.cpp).
    void headerFilter(http::HttpRequest& request);

    runtime::Vm& mainVm();
    // "Reload code": a new main VM (init_by_lua runs again), as a HUP gives nginx; requests
    // in flight finish on the old one. False with the init error, the old VM kept.
    bool reloadCode(std::string& error);
    // Called with every VM made from now on (the debugger's line hook).
    void setVmObserver(std::function<void(lua_State*)> observer)
    {
        m_vmObserver = std::move(observer);
    }
    // Forces lua_code_cache on or off for every location (nullopt: as configured).
    void setCodeCacheOverride(std::optional<bool> enabled) { m_codeCacheOverride = enabled; }
    std::optional<bool> codeCacheOverride() const { return m_codeCacheOverride; }
    // Requests whose Lua ctx is alive (for snapshots and leak checks).
    std::size_t liveRequestCount() const { return m_live; }
    std::size_t liveVmCount() const;
    // Every request with a live Lua ctx, oldest first (engine thread; for snapshots).
    std::vector<std::shared_ptr<RequestCtx>> liveRequests() const;
    // The main VM and the VMs of live requests (lua_code_cache off), each once.
    std::vector<std::shared_ptr<runtime::Vm>> liveVms() const;
    // Entries in the main VM's coroutine anchor table (0 when nothing is parked).
    std::size_t mainAnchorCount() const;

private:
    struct DirectiveState; // cache key, chunk name and main-VM ref of one directive

    std::shared_ptr<RequestCtx> requestCtx(const std::shared_ptr<http::HttpRequest>& request,
                                           std::string& error);
    std::shared_ptr<runtime::Vm> newRequestVm(std::string& error);
    bool loadHandler(RequestCtx& ctx, const conf::LuaHandler& handler, int& status);
    DirectiveState& directive(const conf::LuaHandler& handler);
    PhaseOutcome outcome(const std::shared_ptr<RequestCtx>& ctx, http::Phase phase,
                         RunResult result);
    void asyncResult(const std::shared_ptr<RequestCtx>& ctx, RunResult result);
    void runOnMainThread(RequestCtx& ctx, const conf::LuaHandler& handler, unsigned context);
    // lua_check_client_abort on: a client close ends the request with 499 or starts the
    // ngx.on_abort thread.
    void watchClientAbort(const std::shared_ptr<http::HttpRequest>& request,
                          const std::shared_ptr<RequestCtx>& ctx);
    const conf::LuaHandler* handlerFor(const http::HttpRequest& request, http::Phase phase) const;

    const conf::Config& m_config;
    Scheduler& m_scheduler;
    http::PhaseEngine& m_phases;
    AsyncOutcome m_asyncOutcome;
    std::function<void(lua_State*)> m_installApi;
    std::unique_ptr<runtime::VmFactory> m_factory;
    std::unique_ptr<runtime::FileContainment> m_containment; // *_by_lua_file paths
    std::shared_ptr<runtime::Vm> m_mainVm;
    std::map<const conf::LuaHandler*, std::unique_ptr<DirectiveState>> m_directives;
    std::optional<bool> m_codeCacheOverride;
    std::function<void(lua_State*)> m_vmObserver;
    std::size_t m_live = 0;
    std::map<std::uint64_t, std::weak_ptr<RequestCtx>> m_liveCtxs;
    std::size_t m_requestVms = 0;
};

} // namespace restyscope::engine::sched
