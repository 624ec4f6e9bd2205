#pragma once
// Design: nginx's module interface for the http core (ngx_http_module_t plus the
// ngx_module_t hooks). A module names itself, may add directives and per-level conf slots
// to the configuration (conf::ModuleConfHooks), and after the configuration is loaded
// registers what it does with the core (http/phases.h): phase handlers, header and body
// filters, content handlers and variables. The core knows no module by name; the ordered module
// list (engine/modules/modules.h, like ngx_modules.c) decides every order.

#include "engine/conf/moduleconf.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace restyscope::engine::http {

class PhaseEngine;

class HttpModule
{
public:
    virtual ~HttpModule() = default;

    virtual std::string_view name() const = 0;
    // Directives and conf slots this module adds to the configuration (none by default).
    virtual conf::ModuleConfHooks confHooks() const { return {}; }
    // With the configuration loaded: registers phase handlers, filters and variables
    // (ngx_http_module_t's postconfiguration). False with nginx's message stops start-up.
    virtual bool postConfiguration(PhaseEngine& /*core*/, std::string& /*error*/) { return true; }
    // Once, in the one worker, before the first request (init_worker / init_process).
    virtual bool initWorker(std::string& /*error*/) { return true; }
    // When the engine stops (exit_process).
    virtual void exitWorker() {}

    // The module's position in the module list: its conf slot and request ctx index.
    std::size_t index() const { return m_index; }
    void setIndex(std::size_t index) { m_index = index; }

private:
    std::size_t m_index = 0;
};

} // namespace restyscope::engine::http
