#pragma once
// Design: the module list (nginx's ngx_modules.c): every http module restyscope has, in
// nginx's order. That order decides the order of each phase's handlers and of the filter
// chains: as in nginx, a module later in the list runs its phase handlers first and puts
// its filters on top. Static libraries rule out self-registration, so a new module is one
// line here.

#include "engine/conf/moduleconf.h"
#include "engine/http/module.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

struct lua_State;

namespace restyscope::engine::sched {
class Scheduler;
}
namespace restyscope::engine::http {
class PhaseEngine;
}

namespace restyscope::engine::modules {

class LuaHttpModule;

// What modules use of the engine, available by post-configuration.
struct ModuleServices
{
    std::function<sched::Scheduler*()> scheduler;
    std::function<void(lua_State*)> installLuaApi;
};

class HttpModules
{
public:
    explicit HttpModules(ModuleServices services);
    ~HttpModules();

    // Every module's directives and conf hooks, indexed as the list (for conf::loadConfig).
    const std::vector<conf::ModuleConfHooks>& confHooks() const { return m_hooks; }
    // Each module's post-configuration in list order, then the phase handler table.
    bool postConfiguration(http::PhaseEngine& core, std::string& error);
    bool initWorker(std::string& error);
    void exitWorker();

    LuaHttpModule& lua() const { return *m_lua; }
    const std::vector<std::unique_ptr<http::HttpModule>>& all() const { return m_modules; }

private:
    std::vector<std::unique_ptr<http::HttpModule>> m_modules;
    std::vector<conf::ModuleConfHooks> m_hooks;
    LuaHttpModule* m_lua = nullptr;
};

} // namespace restyscope::engine::modules
