#pragma once
// Design: nginx's phase engine for one request: server rewrite (`return` at server
// level), find config (location matching, client_max_body_size), rewrite (`return`, then
// rewrite_by_lua), access (access_by_lua), content (content_by_lua, else the static
// handler). A Lua phase may yield; the module then calls PhaseRunner::resume when its
// handler is done. Internal redirects (ngx.exec) re-enter at server rewrite.

#include "engine/http/connection.h"

#include <memory>
#include <string>

namespace restyscope::engine::trace {
class Tracer;
}

namespace restyscope::engine::conf {
struct Config;
struct ServerConfig;
} // namespace restyscope::engine::conf

namespace restyscope::engine::http {

enum class Phase { ServerRewrite, FindConfig, Rewrite, Access, Content, Done };

// What a Lua phase handler reports back (ngx_http_lua_*_handler return values).
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

// The Lua module, as seen from the phase engine.
class LuaPhaseModule
{
public:
    virtual ~LuaPhaseModule() = default;
    virtual bool handles(const HttpRequest& request, Phase phase) const = 0;
    virtual PhaseOutcome run(const std::shared_ptr<HttpRequest>& request, Phase phase) = 0;
    // The log phase of a finalized main request (log_by_lua*).
    virtual void log(const std::shared_ptr<HttpRequest>& /*request*/) {}
    // The header filter, as the header of a main request goes out (header_filter_by_lua*).
    virtual void headerFilter(HttpRequest& /*request*/) {}
};

class PhaseRunner final : public RequestHandler
{
public:
    PhaseRunner(const conf::Config& config, trace::ErrorLog& log, trace::Tracer& tracer);

    void setLuaModule(LuaPhaseModule* module) { m_lua = module; }
    void handleRequest(const std::shared_ptr<HttpRequest>& request) override;
    // A yielded Lua phase finished with `outcome`; continue where it left off.
    void resume(const std::shared_ptr<HttpRequest>& request, Phase phase, PhaseOutcome outcome);
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

private:
    void run(const std::shared_ptr<HttpRequest>& request, Phase phase);
    bool findConfig(const std::shared_ptr<HttpRequest>& request);
    void staticContent(const std::shared_ptr<HttpRequest>& request);
    bool runReturn(const std::shared_ptr<HttpRequest>& request, const void* action);

    const conf::Config& m_config;
    trace::ErrorLog& m_log;
    trace::Tracer& m_tracer;
    LuaPhaseModule* m_lua = nullptr;
    std::string m_serverToken;
};

// nginx's " while ..., client: A, server: S, request: "R", host: "H"" suffix of log lines.
std::string logContext(const Request& request);

} // namespace restyscope::engine::http
