#pragma once
// Design: nginx's phase engine (ngx_http_core_run_phases and its checkers). Modules
// register handlers per phase after the configuration is loaded; the engine flattens them
// into one table (ngx_http_init_phase_handlers) where each entry has its phase's checker
// and the index of the next phase's first entry. A request keeps its place in the table
// (HttpRequest::phaseHandler); a handler that returns kNgxAgain or kNgxDone has parked it
// and continues it later with resume(). As in nginx, the handlers of a phase run in the
// reverse order of their registration (a module later in the module list runs first),
// except those registered to run last in their phase, which is where lua-nginx-module
// moves its rewrite and access handlers. Internal redirects re-enter at server rewrite;
// named locations at rewrite.

#include "engine/http/connection.h"
#include "engine/http/filters.h"
#include "engine/http/variables.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace restyscope::engine::trace {
class ErrorLog;
class Tracer;
} // namespace restyscope::engine::trace

namespace restyscope::engine::conf {
struct Config;
struct ServerConfig;
} // namespace restyscope::engine::conf

namespace restyscope::engine::http {

class HttpModule;

enum class Phase {
    PostRead,
    ServerRewrite,
    FindConfig,
    Rewrite,
    PostRewrite,
    PreAccess,
    Access,
    PostAccess,
    PreContent,
    Content,
    Log,
};
inline constexpr int kPhaseCount = static_cast<int>(Phase::Log) + 1;

// "rewrite", "access", ... (nginx's NGX_HTTP_*_PHASE without the prefix, lowercase).
const char* phaseName(Phase phase);

// A phase handler: kNgxOk, kNgxDeclined, kNgxAgain, kNgxDone, kNgxError or a status; what
// each means is the phase's checker's business, as in nginx.
using PhaseHandler = std::function<int(const std::shared_ptr<HttpRequest>& request)>;
// A log-phase handler (runs when a main request ends; its result is not used).
using LogHandler = std::function<void(const std::shared_ptr<HttpRequest>& request)>;
// A location's content handler (nginx's clcf->handler): the engine finalizes the request
// with its result.
struct ContentHandler
{
    const HttpModule* module = nullptr;
    PhaseHandler handler;
};
// Whether a module has the content handler of the request's location (find-config asks
// each module in list order; the first one wins).
using ContentHandlerLookup = std::function<const ContentHandler*(const HttpRequest& request)>;

class PhaseEngine final : public RequestHandler
{
public:
    PhaseEngine(const conf::Config& config, trace::ErrorLog& log, trace::Tracer& tracer);
    ~PhaseEngine() override;

    // Registration, in post-configuration (before the first request).
    enum class Order { Nginx, LastInPhase };
    void addHandler(Phase phase, const HttpModule& module, PhaseHandler handler,
                    Order order = Order::Nginx);
    void addLogHandler(const HttpModule& module, LogHandler handler);
    void addContentHandlerLookup(ContentHandlerLookup lookup);
    FilterChains& filters() { return m_filters; }
    VariableRegistry& variables() { return m_variables; }
    // After every module registered: builds the handler table.
    void init();

    void handleRequest(const std::shared_ptr<HttpRequest>& request) override;
    // The handler that parked the request returned rc after all; the request goes on
    // from there as its phase's checker decides.
    void resume(const std::shared_ptr<HttpRequest>& request, int rc);
    // Runs a subrequest (HttpRequest::makeSubrequest) from server rewrite; its response is
    // captured and its finalize calls back the parent.
    void startSubrequest(const std::shared_ptr<HttpRequest>& child);
    // ngx.exec: new URI (and args) for the request, then phases again from server rewrite.
    void internalRedirect(const std::shared_ptr<HttpRequest>& request, std::string uri,
                          std::string args);
    // ngx.req.set_uri(uri, true) in rewrite: the location is matched again for the new
    // URI (nginx's post-rewrite phase with uri_changed).
    void rewriteJump(const std::shared_ptr<HttpRequest>& request);

    // Picks the server block for a connection accepted on addr:port and a Host.
    const conf::ServerConfig* selectServer(const std::string& address, std::uint16_t port,
                                           const std::string& host) const;
    // Applies the server's defaults to a request before its location is known.
    void configureForServer(HttpRequest& request) const;

    const conf::Config& config() const { return m_config; }
    trace::ErrorLog& log() const { return m_log; }

private:
    struct Entry;
    enum class OkMeans { NextPhase, Finalize, NextHandler };
    bool handlerChecker(const std::shared_ptr<HttpRequest>& request, const Entry& entry, int rc,
                        OkMeans ok);
    bool contentChecker(const std::shared_ptr<HttpRequest>& request, const Entry& entry, int rc);
    bool findConfig(const std::shared_ptr<HttpRequest>& request);
    bool postRewrite(const std::shared_ptr<HttpRequest>& request);
    // ngx_http_core_run_phases: runs entries until one parks or ends the request.
    void run(const std::shared_ptr<HttpRequest>& request);
    // The checker of the request's current entry, with the handler's rc; true to go on.
    bool check(const std::shared_ptr<HttpRequest>& request, int rc);
    int callHandler(const std::shared_ptr<HttpRequest>& request, const Entry& entry);
    void startRequest(const std::shared_ptr<HttpRequest>& request, std::size_t at);
    void runLogPhase(const std::shared_ptr<HttpRequest>& request);
    // The matched (or named) location's settings and content handler for the request.
    void updateLocationConfig(HttpRequest& request) const;

    const conf::Config& m_config;
    trace::ErrorLog& m_log;
    trace::Tracer& m_tracer;
    FilterChains m_filters;
    VariableRegistry m_variables;
    struct Registered
    {
        const HttpModule* module;
        PhaseHandler handler;
        Order order;
    };
    std::vector<std::vector<Registered>> m_registered;
    std::vector<std::pair<const HttpModule*, LogHandler>> m_logHandlers;
    std::vector<ContentHandlerLookup> m_contentLookups;
    std::vector<Entry> m_table;
    std::size_t m_serverRewriteIndex = 0;
    std::size_t m_rewriteIndex = 0;
    std::size_t m_findConfigIndex = 0;
    std::size_t m_postRewriteIndex = 0;
    std::string m_serverToken;
};

// nginx's " while ..., client: A, server: S, request: "R", host: "H"" suffix of log lines.
std::string logContext(const Request& request);

} // namespace restyscope::engine::http
