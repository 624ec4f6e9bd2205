#include "engine/modules/modules.h"

#include "engine/http/phases.h"
#include "engine/modules/lua/luahttpmodule.h"
#include "engine/modules/rewrite/rewritemodule.h"
#include "engine/modules/static/staticmodule.h"

namespace restyscope::engine::modules {

HttpModules::HttpModules(ModuleServices services)
{
    // ngx_modules.c's http part: the static module, the rewrite module, then the addons
    // (lua-nginx-module), whose handlers end their phases.
    m_modules.push_back(std::make_unique<StaticModule>());
    m_modules.push_back(std::make_unique<RewriteModule>());
    auto lua = std::make_unique<LuaHttpModule>(std::move(services.scheduler),
                                               std::move(services.installLuaApi));
    m_lua = lua.get();
    m_modules.push_back(std::move(lua));
    for (std::size_t i = 0; i < m_modules.size(); ++i) {
        m_modules[i]->setIndex(i);
        m_hooks.push_back(m_modules[i]->confHooks());
    }
}

HttpModules::~HttpModules() = default;

bool HttpModules::postConfiguration(http::PhaseEngine& core, std::string& error)
{
    for (const auto& module : m_modules) {
        if (!module->postConfiguration(core, error)) {
            return false;
        }
    }
    core.init();
    return true;
}

bool HttpModules::initWorker(std::string& error)
{
    for (const auto& module : m_modules) {
        if (!module->initWorker(error)) {
            return false;
        }
    }
    return true;
}

void HttpModules::exitWorker()
{
    for (const auto& module : m_modules) {
        module->exitWorker();
    }
}

} // namespace restyscope::engine::modules
