#pragma once
// Design: lua-nginx-module as an http module. It owns the Lua runtime (sched::LuaModule:
// main VM, code cache, entry threads) and plugs it into the core the way
// ngx_http_lua_init does: rewrite_by_lua* and access_by_lua* as the last handlers of
// their phases, content_by_lua* as the location's content handler, header_filter_by_lua*
// as a header filter, log_by_lua* in the log phase. A Lua phase that yields parks the
// request; its outcome later resumes the phase engine.

#include "engine/http/module.h"
#include "engine/http/phases.h"

#include <functional>
#include <memory>

struct lua_State;

namespace restyscope::engine::sched {
class LuaModule;
class Scheduler;
} // namespace restyscope::engine::sched

namespace restyscope::engine::modules {

class LuaHttpModule final : public http::HttpModule
{
public:
    // installApi builds the ngx table in each new VM (the api/ layer).
    LuaHttpModule(std::function<sched::Scheduler*()> scheduler,
                  std::function<void(lua_State*)> installApi);
    ~LuaHttpModule() override;

    std::string_view name() const override { return "lua"; }
    // Creates the main VM and runs init_by_lua*; false with nginx's message.
    bool postConfiguration(http::PhaseEngine& core, std::string& error) override;

    // The runtime (null before postConfiguration).
    sched::LuaModule* runtime() const { return m_lua.get(); }

private:
    int runPhase(const std::shared_ptr<http::HttpRequest>& request, http::Phase phase);

    std::function<sched::Scheduler*()> m_scheduler;
    std::function<void(lua_State*)> m_installApi;
    std::unique_ptr<sched::LuaModule> m_lua;
    http::PhaseEngine* m_core = nullptr;
    http::ContentHandler m_contentHandler;
};

} // namespace restyscope::engine::modules
