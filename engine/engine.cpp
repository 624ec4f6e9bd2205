#include "engine/engine.h"

#include "engine/api/api.h"
#include "engine/api/misc.h"
#include "engine/api/shdict.h"
#include "engine/conf/builder.h"
#include "engine/conf/config.h"
#include "engine/conf/servermatcher.h"
#include "engine/debug/debugger.h"
#include "engine/http/listener.h"
#include "engine/http/phases.h"
#include "engine/modules/lua/luahttpmodule.h"
#include "engine/modules/modules.h"
#include "engine/runtime/vm.h"
#include "engine/sched/luamodule.h"
#include "engine/sched/scheduler.h"
#include "engine/sched/timers.h"
#include "engine/trace/errorlog.h"
#include "engine/trace/tracer.h"

#include <asio.hpp>
#include <luajit.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace restyscope::engine {

namespace {

std::string absolutePrefix(const std::string& prefix)
{
    std::filesystem::path path =
        prefix.empty() ? std::filesystem::current_path() : std::filesystem::path(prefix);
    if (path.is_relative()) {
        path = std::filesystem::current_path() / path;
    }
    std::string text = path.lexically_normal().string();
    if (text.empty() || text.back() != '/') {
        text.push_back('/');
    }
    return text;
}

} // namespace

struct Engine::Impl
{
    EngineOptions options;
    std::string prefix;
    std::unique_ptr<conf::Config> config;
    std::vector<std::string> notices;
    trace::ErrorLog log;
    asio::io_context io{1};
    std::unique_ptr<asio::signal_set> signals;
    trace::Tracer tracer;
    std::unique_ptr<http::PhaseEngine> phases;
    std::unique_ptr<sched::Scheduler> scheduler;
    std::unique_ptr<modules::HttpModules> modules; // the module list; owns the Lua runtime
    sched::LuaModule* lua = nullptr;
    std::unique_ptr<debug::Debugger> debugger;
    std::vector<std::unique_ptr<http::Listener>> listeners;
    std::string pidPath;

    void shutdown()
    {
        api::setWorkerExiting(true); // ngx.worker.exiting() from here on
        if (scheduler) {
            scheduler->timers().expireAll(); // pending timers run once, premature
        }
        if (debugger) {
            debugger->cont(); // nothing stays held while the listeners close
        }
        for (auto& listener : listeners) {
            listener->stop();
        }
        if (signals) {
            std::error_code ec;
            signals->cancel(ec);
        }
        if (!pidPath.empty()) {
            std::error_code ec;
            std::filesystem::remove(pidPath, ec);
        }
        io.stop();
    }
};

Engine::Engine(EngineOptions options) : d(std::make_unique<Impl>())
{
    d->modules = std::make_unique<modules::HttpModules>(
        modules::ModuleServices{[this] { return d->scheduler.get(); }, &api::installNgxApi});
    d->options = std::move(options);
    d->prefix = absolutePrefix(d->options.prefix);
    d->log.setMirrorToStderr(d->options.logToStderr);
}

Engine::~Engine()
{
    if (d->lua) {
        d->lua->setVmObserver(nullptr);
    }
    d->debugger.reset();
    for (auto& listener : d->listeners) {
        listener->stop();
    }
}

std::string Engine::versionText()
{
    return "restyscope/" RESTYSCOPE_VERSION " (" LUAJIT_VERSION ")";
}

const std::string& Engine::prefix() const
{
    return d->prefix;
}

const std::string& Engine::confFile() const
{
    static const std::string none;
    return d->config ? d->config->confFile : none;
}

const std::vector<std::string>& Engine::configNotices() const
{
    return d->notices;
}

void Engine::setErrorLogObserver(std::function<void(std::string_view line)> observer)
{
    if (!observer) {
        d->log.setLineObserver(nullptr);
        return;
    }
    d->log.setLineObserver([observer = std::move(observer)](
                               trace::LogLevel, std::string_view line) { observer(line); });
}

bool Engine::loadConfig(std::string& error)
{
    auto result = conf::loadConfig(d->prefix, d->options.confPath, d->modules->confHooks());
    d->notices.clear();
    for (const auto& message : result.messages) {
        d->notices.push_back("[" + std::string(trace::logLevelName(message.level)) + "] " +
                             message.text);
    }
    if (!result.config) {
        error = "[" + std::string(conf::logLevelName(result.errorLevel)) + "] " + result.error;
        return false;
    }
    d->config = std::move(result.config);
    return true;
}

bool Engine::start(std::string& error)
{
    if (!d->config && !loadConfig(error)) {
        return false;
    }
    const conf::Config& config = *d->config;
    d->log.setLevel(config.errorLogLevel);
    std::string logError;
    if (!d->log.open(config.errorLogPath, logError)) {
        error = "[emerg] " + logError;
        return false;
    }
    d->log.setMirrorToStderr(d->options.logToStderr);
    for (const auto& message : d->notices) {
        // "[alert] text" -> the level and the text, in the log's own format
        const auto close = message.find(']');
        const auto level = trace::parseLogLevel(message.substr(1, close - 1));
        d->log.write(level.value_or(trace::LogLevel::Notice), 0, message.substr(close + 2));
    }

    d->phases = std::make_unique<http::PhaseEngine>(config, d->log, d->tracer);
    d->scheduler = std::make_unique<sched::Scheduler>(d->io, d->tracer, d->log);
    d->scheduler->setLuaLimits({d->options.luaInstructionBudget, d->options.luaMemoryLimit});
    api::setConfigPrefix(config.prefix);
    api::configureSharedDicts(config); // before init_by_lua: it may use them
    std::string moduleError;
    const bool configured = d->modules->postConfiguration(*d->phases, moduleError);
    d->lua = d->modules->lua().runtime();
    if (!configured) {
        error = moduleError;
        d->log.write(trace::LogLevel::Error, 0, moduleError.substr(moduleError.find(']') + 2));
        return false;
    }
    if (config.http) {
        std::vector<std::pair<conf::ListenAddress, std::uint16_t>> moved; // conf listen, real port
        for (const auto& listen : conf::listenAddresses(*config.http)) {
            // Limits come from the server that answers there when no Host matches.
            const conf::ServerConfig* server =
                conf::findServer(*config.http, listen.address, listen.port, {});
            auto listener = std::make_unique<http::Listener>(d->io, *d->phases, d->log);
            http::ConnectionLimits limits;
            if (server) {
                limits.headerTimeout = std::chrono::milliseconds(server->clientHeaderTimeoutMs);
                limits.keepaliveTimeout =
                    std::chrono::milliseconds(server->local.keepaliveTimeoutMs.value_or(75000));
                limits.largeHeaderBufferSize = server->largeHeaderBufferSize;
                limits.largeHeaderBuffers = server->largeHeaderBuffersNumber;
            }
            listener->setLimits(limits);
            listener->setRequestConfigurer([phases = d->phases.get()](http::HttpRequest& request) {
                phases->configureForServer(request);
            });
            // A wildcard listen serves loopback only: restyscope is a development tool, and
            // serving other hosts takes an explicit address.
            std::string address = listen.address;
            if (address == "0.0.0.0" || address == "*") {
                address = "127.0.0.1";
            } else if (address == "::" || address == "[::]") {
                address = "::1";
            }
            std::string bindError;
            bool bound = listener->listen(address, listen.port, bindError);
            // Up to 100 ports on: the first error is the one reported when none is free.
            for (std::uint32_t port = listen.port + 1u;
                 !bound && d->options.nextFreePort && port <= 65535u && port <= listen.port + 100u;
                 ++port) {
                std::string ignored;
                bound = listener->listen(address, static_cast<std::uint16_t>(port), ignored);
            }
            if (!bound) {
                error = "[emerg] " + bindError;
                d->log.write(trace::LogLevel::Emerg, 0, bindError);
                return false;
            }
            if (listener->port() != listen.port) {
                d->log.write(trace::LogLevel::Notice, 0,
                             bindError + ", listening on " + address + ":" +
                                 std::to_string(listener->port()) + " instead");
                moved.push_back({listen, listener->port()});
            }
            d->listeners.push_back(std::move(listener));
        }
        if (!moved.empty()) {
            // The servers of a moved listen answer on its real port ($server_port too).
            for (auto& server : d->config->http->servers) {
                for (auto& listen : server->listen) {
                    for (const auto& [from, to] : moved) {
                        if (listen.address == from.address && listen.port == from.port) {
                            listen.port = to;
                            break;
                        }
                    }
                }
            }
            conf::indexServers(*d->config->http);
        }
    }
    if (!config.pidPath.empty()) {
        std::ofstream pid(config.pidPath, std::ios::trunc);
        if (pid) {
            pid << ::getpid() << '\n';
            d->pidPath = config.pidPath;
        }
    }
    if (d->options.handleSignals) {
        d->signals = std::make_unique<asio::signal_set>(d->io, SIGINT, SIGTERM);
        d->signals->async_wait([this](const std::error_code& ec, int signal) {
            if (ec) {
                return;
            }
            d->log.write(trace::LogLevel::Notice, 0,
                         "signal " + std::to_string(signal) +
                             (signal == SIGTERM ? " (SIGTERM)" : " (SIGINT)") +
                             " received, exiting");
            d->shutdown();
        });
    }
    d->log.write(trace::LogLevel::Notice, 0, versionText());
    return true;
}

int Engine::run()
{
    if (d->debugger) {
        d->debugger->bindToCurrentThread(); // made on another thread before the loop ran
    }
    // Keep running while only timers are pending (no work guard: stop() ends it).
    auto guard = asio::make_work_guard(d->io);
    d->io.run();
    d->log.write(trace::LogLevel::Notice, 0, "exit");
    return 0;
}

void Engine::stop()
{
    asio::post(d->io, [this] { d->shutdown(); });
}

void Engine::post(std::function<void()> f)
{
    asio::post(d->io, std::move(f));
}

debug::Debugger& Engine::debugger()
{
    if (!d->debugger) {
        d->debugger = std::make_unique<debug::Debugger>(
            *d->scheduler, *d->lua, d->tracer,
            [this](std::function<void()> f) { post(std::move(f)); });
        d->lua->setVmObserver(
            [debugger = d->debugger.get()](lua_State* L) { debugger->prepareVm(L); });
    }
    return *d->debugger;
}

trace::Tracer& Engine::tracer()
{
    return d->tracer;
}

std::size_t Engine::liveLuaRequests() const
{
    return d->lua ? d->lua->liveRequestCount() : 0;
}

std::size_t Engine::liveVms() const
{
    return d->lua ? d->lua->liveVmCount() : 0;
}

bool Engine::reloadCode(std::string& error)
{
    return d->lua && d->lua->reloadCode(error);
}

void Engine::setCodeCacheOverride(std::optional<bool> enabled)
{
    if (d->lua) {
        d->lua->setCodeCacheOverride(enabled);
    }
}

lua_State* Engine::mainVmState()
{
    return d->lua ? d->lua->mainVm().state() : nullptr;
}

std::size_t Engine::mainVmAnchors() const
{
    return d->lua ? d->lua->mainAnchorCount() : 0;
}

std::size_t Engine::mainVmMemoryAfterGc()
{
    if (!d->lua) {
        return 0;
    }
    d->lua->mainVm().collectGarbage();
    return d->lua->mainVm().memoryBytes();
}

bool Engine::setAccepting(bool on, std::string& error)
{
    bool ok = true;
    for (auto& listener : d->listeners) {
        if (!on) {
            listener->stopAccepting();
            continue;
        }
        std::string bindError;
        if (!listener->resumeAccepting(bindError)) {
            error = bindError;
            ok = false;
        }
    }
    return ok;
}

EngineStats Engine::stats() const
{
    EngineStats stats;
    for (const auto& listener : d->listeners) {
        stats.connections += listener->connectionCount();
    }
    if (d->lua) {
        stats.luaRequests = d->lua->liveRequestCount();
        stats.vms = d->lua->liveVmCount();
        stats.mainVmAnchors = d->lua->mainAnchorCount();
        stats.mainVmMemory = d->lua->mainVm().memoryBytes();
    }
    if (d->scheduler) {
        stats.pendingTimers = d->scheduler->timers().pendingCount();
        stats.runningTimers = d->scheduler->timers().runningCount();
    }
    return stats;
}

std::vector<ListenEndpoint> Engine::listening() const
{
    std::vector<ListenEndpoint> endpoints;
    for (const auto& listener : d->listeners) {
        endpoints.push_back({listener->address(), listener->port()});
    }
    return endpoints;
}

} // namespace restyscope::engine
