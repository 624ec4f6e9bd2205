#include "engine/http/phases.h"

#include "engine/http/module.h"

#include "engine/conf/config.h"
#include "engine/conf/locationmatcher.h"
#include "engine/conf/servermatcher.h"
#include "engine/http/status.h"
#include "engine/http/variables.h"
#include "engine/trace/errorlog.h"
#include "engine/trace/tracer.h"

namespace restyscope::engine::http {

namespace {

// ngx_http_set_content_type: the URI's extension in types{}, else default_type.
std::string contentTypeFor(const std::string& uri, const conf::LocalConf& local)
{
    const auto slash = uri.rfind('/');
    const auto dot = uri.rfind('.');
    if (local.types && *local.types && dot != std::string::npos &&
        (slash == std::string::npos || dot > slash)) {
        std::string extension = uri.substr(dot + 1);
        for (char& c : extension) {
            c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        }
        const auto found = (*local.types)->find(extension);
        if (found != (*local.types)->end()) {
            return found->second;
        }
    }
    return local.defaultType.value_or("text/plain");
}

void applyLocalConf(HttpRequest& request, const conf::LocalConf& local)
{
    if (local.clientMaxBodySize) {
        request.clientMaxBodySize = *local.clientMaxBodySize;
    }
    if (local.clientBodyTimeoutMs) {
        request.bodyTimeout = std::chrono::milliseconds(*local.clientBodyTimeoutMs);
    }
    request.responseOptions.defaultType = contentTypeFor(request.request.uri, local);
    if (local.postponeOutput) {
        request.responseOptions.postponeOutput = *local.postponeOutput;
    }
    if (local.keepaliveTimeoutMs) {
        request.keepaliveTimeout = std::chrono::milliseconds(*local.keepaliveTimeoutMs);
    }
    if (local.serverTokens) {
        request.responseOptions.serverToken =
            *local.serverTokens ? "restyscope/" RESTYSCOPE_VERSION : "restyscope";
    }
}

} // namespace

std::string logContext(const Request& request)
{
    std::string text = ", client: " + request.remoteAddr + ", server: ";
    if (request.server && !request.server->serverNames.empty()) {
        text += request.server->serverNames.front();
    }
    text += ", request: \"" + request.requestLine + "\"";
    if (request.parentId != 0) {
        text += ", subrequest: \"" + request.uri + "\"";
    }
    if (const auto* host = request.header("Host")) {
        text += ", host: \"" + *host + "\"";
    }
    return text;
}

const char* phaseName(Phase phase)
{
    static constexpr const char* names[kPhaseCount] = {
        "post-read", "server-rewrite", "find-config", "rewrite", "post-rewrite", "pre-access",
        "access",    "post-access",    "pre-content", "content", "log"};
    return names[static_cast<int>(phase)];
}

// One entry of the flattened handler table (ngx_http_phase_handler_t).
struct PhaseEngine::Entry
{
    enum class Checker {
        Generic,
        Rewrite,
        FindConfig,
        PostRewrite,
        Access,
        ContentHandler,
        Content
    };
    Checker checker = Checker::Generic;
    Phase phase = Phase::PostRead;
    const HttpModule* module = nullptr;
    PhaseHandler handler;
    std::size_t next = 0; // the first entry of the following phase
};

PhaseEngine::PhaseEngine(const conf::Config& config, trace::ErrorLog& log, trace::Tracer& tracer)
    : m_config(config), m_log(log), m_tracer(tracer), m_registered(kPhaseCount),
      m_serverToken("restyscope/" RESTYSCOPE_VERSION)
{
}

PhaseEngine::~PhaseEngine() = default;

void PhaseEngine::addHandler(Phase phase, const HttpModule& module, PhaseHandler handler,
                             Order order)
{
    m_registered[static_cast<int>(phase)].push_back({&module, std::move(handler), order});
}

void PhaseEngine::addLogHandler(const HttpModule& module, LogHandler handler)
{
    m_logHandlers.emplace_back(&module, std::move(handler));
}

void PhaseEngine::addContentHandlerLookup(ContentHandlerLookup lookup)
{
    m_contentLookups.push_back(std::move(lookup));
}

void PhaseEngine::init()
{
    // ngx_http_init_phase_handlers: find-config, post-rewrite and the content handler
    // always have an entry; other phases only their handlers.
    m_table.clear();
    std::vector<std::size_t> firstOf(kPhaseCount + 1, 0);
    for (int p = 0; p < kPhaseCount; ++p) {
        const auto phase = static_cast<Phase>(p);
        firstOf[p] = m_table.size();
        auto add = [&](Entry::Checker checker, const HttpModule* module, PhaseHandler handler) {
            m_table.push_back({checker, phase, module, std::move(handler), 0});
        };
        // nginx's order: the last registered first, then those that asked to run last.
        auto addAll = [&](Entry::Checker checker) {
            const auto& registered = m_registered[p];
            for (auto it = registered.rbegin(); it != registered.rend(); ++it) {
                if (it->order == Order::Nginx) {
                    add(checker, it->module, it->handler);
                }
            }
            for (const auto& handler : registered) {
                if (handler.order == Order::LastInPhase) {
                    add(checker, handler.module, handler.handler);
                }
            }
        };
        switch (phase) {
        case Phase::FindConfig: add(Entry::Checker::FindConfig, nullptr, {}); break;
        case Phase::PostRewrite: add(Entry::Checker::PostRewrite, nullptr, {}); break;
        case Phase::Content:
            add(Entry::Checker::ContentHandler, nullptr, {});
            addAll(Entry::Checker::Content);
            break;
        case Phase::Log: break; // run when the request ends (runLogPhase)
        default: {
            const Entry::Checker checker = phase == Phase::ServerRewrite || phase == Phase::Rewrite
                                               ? Entry::Checker::Rewrite
                                           : phase == Phase::Access ? Entry::Checker::Access
                                                                    : Entry::Checker::Generic;
            addAll(checker);
            break;
        }
        }
    }
    firstOf[kPhaseCount] = m_table.size();
    for (Entry& entry : m_table) {
        entry.next = firstOf[static_cast<int>(entry.phase) + 1];
    }
    m_serverRewriteIndex = firstOf[static_cast<int>(Phase::ServerRewrite)];
    m_findConfigIndex = firstOf[static_cast<int>(Phase::FindConfig)];
    m_rewriteIndex = firstOf[static_cast<int>(Phase::Rewrite)];
    m_postRewriteIndex = firstOf[static_cast<int>(Phase::PostRewrite)];
}

const conf::ServerConfig* PhaseEngine::selectServer(const std::string& address, std::uint16_t port,
                                                    const std::string& host) const
{
    return m_config.http ? conf::findServer(*m_config.http, address, port, host) : nullptr;
}

void PhaseEngine::configureForServer(HttpRequest& request) const
{
    Request& r = request.request;
    request.responseOptions.serverToken = m_serverToken;
    r.server = selectServer(r.serverAddr, r.serverPort, r.host);
    if (!r.server) {
        return;
    }
    applyLocalConf(request, r.server->local);
    // A regex server_name that picked this server gives its named captures as variables.
    if (!r.host.empty() && !r.server->serverNameRegexes.empty()) {
        std::vector<std::size_t> ovector(64);
        for (const auto& regex : r.server->serverNameRegexes) {
            if (regex->match(r.host, 0, ovector) <= 0) {
                continue;
            }
            for (const auto& group : regex->namedGroups()) {
                const auto begin = ovector[2 * static_cast<std::size_t>(group.number)];
                const auto end = ovector[2 * static_cast<std::size_t>(group.number) + 1];
                r.namedCaptures.emplace_back(group.name, begin == conf::Regex::npos
                                                             ? std::string()
                                                             : r.host.substr(begin, end - begin));
            }
            break;
        }
    }
}

void PhaseEngine::handleRequest(const std::shared_ptr<HttpRequest>& request)
{
    configureForServer(*request);
    request->filters = &m_filters;
    request->variables = &m_variables;
    // nginx's log phase runs when the main request is freed; RequestEnd follows it.
    request->addCleanup([this, weak = std::weak_ptr<HttpRequest>(request)] {
        if (auto ended = weak.lock()) {
            runLogPhase(ended);
        }
    });
    if (m_tracer.enabled()) {
        const Request& r = request->request;
        RESTYSCOPE_PROBE(m_tracer, RequestBegin,
                         .request(r.id)
                             .value(static_cast<std::int64_t>(r.connection))
                             .text(r.method + " " + r.requestUri));
        request->addCleanup([this, weak = std::weak_ptr<HttpRequest>(request)] {
            if (auto ended = weak.lock()) {
                RESTYSCOPE_PROBE(
                    m_tracer, RequestEnd,
                    .request(ended->request.id)
                        .value(ended->headersOut.status == 0 ? 200 : ended->headersOut.status));
            }
        });
    }
    startRequest(request, 0);
}

void PhaseEngine::startSubrequest(const std::shared_ptr<HttpRequest>& child)
{
    if (m_tracer.enabled()) {
        const Request& r = child->request;
        RESTYSCOPE_PROBE(m_tracer, RequestBegin,
                         .request(r.id)
                             .value(static_cast<std::int64_t>(r.connection))
                             .text(r.method + " " + r.uri));
        RESTYSCOPE_PROBE(m_tracer, SubrequestBegin,
                         .request(r.id)
                             .value(static_cast<std::int64_t>(r.parentId))
                             .text(r.method + " " + r.uri));
        child->addCleanup([this, weak = std::weak_ptr<HttpRequest>(child)] {
            if (auto ended = weak.lock()) {
                const CapturedResponse* captured = ended->captured();
                RESTYSCOPE_PROBE(m_tracer, RequestEnd,
                                 .request(ended->request.id)
                                     .value(ended->headersOut.status != 0
                                                ? ended->headersOut.status
                                                : (captured ? captured->finalizeRc : 0)));
            }
        });
    }
    child->filters = &m_filters;
    child->variables = &m_variables;
    // ngx_http_subrequest: an internal request that starts at server rewrite.
    startRequest(child, m_serverRewriteIndex);
}

void PhaseEngine::startRequest(const std::shared_ptr<HttpRequest>& request, std::size_t at)
{
    request->phaseHandler = at;
    request->uriChanged = false;
    run(request);
}

void PhaseEngine::internalRedirect(const std::shared_ptr<HttpRequest>& request, std::string uri,
                                   std::string args)
{
    Request& r = request->request;
    if (++r.internalRedirects > 10) {
        // nginx's NGX_HTTP_MAX_URI_CHANGES
        m_log.write(trace::LogLevel::Error, r.connection,
                    "rewrite or internal redirection cycle while internally redirecting to \"" +
                        uri + "\"" + logContext(r));
        request->finalize(500);
        return;
    }
    r.captures.clear();
    r.namedCaptures.clear();
    request->contentHandler = nullptr;
    if (!uri.empty() && uri.front() == '@') {
        // A named location: the URI stays, the phases start at rewrite.
        r.location = r.server ? conf::findNamedLocation(*r.server, uri) : nullptr;
        if (!r.location) {
            m_log.write(trace::LogLevel::Error, r.connection,
                        "named location \"" + uri + "\" not found" + logContext(r));
            request->finalize(500);
            return;
        }
        updateLocationConfig(*request);
        startRequest(request, m_rewriteIndex);
        return;
    }
    r.uri = std::move(uri);
    r.args = std::move(args);
    r.location = nullptr;
    startRequest(request, m_serverRewriteIndex);
}

void PhaseEngine::rewriteJump(const std::shared_ptr<HttpRequest>& request)
{
    // The rewrite phase ends with the URI changed: post-rewrite sends it back to find-config.
    request->uriChanged = true;
    request->phaseHandler = m_postRewriteIndex;
    run(request);
}

void PhaseEngine::resume(const std::shared_ptr<HttpRequest>& request, int rc)
{
    if (request->finalized()) {
        return;
    }
    if (check(request, rc)) {
        run(request);
    }
}

int PhaseEngine::callHandler(const std::shared_ptr<HttpRequest>& request, const Entry& entry)
{
    if (!m_tracer.enabled()) {
        return entry.handler(request);
    }
    const std::uint64_t id = request->request.id;
    const std::string what =
        std::string(phaseName(entry.phase)) + " " + std::string(entry.module->name());
    RESTYSCOPE_PROBE(m_tracer, HandlerEnter,
                     .request(id).value(static_cast<std::int64_t>(entry.phase)).text(what));
    const int rc = entry.handler(request);
    RESTYSCOPE_PROBE(m_tracer, HandlerLeave, .request(id).value(rc).text(what));
    return rc;
}

void PhaseEngine::run(const std::shared_ptr<HttpRequest>& request)
{
    while (!request->finalized() && request->phaseHandler < m_table.size()) {
        const Entry& entry = m_table[request->phaseHandler];
        int rc = kNgxDeclined;
        switch (entry.checker) {
        case Entry::Checker::FindConfig:
            if (!findConfig(request)) {
                return;
            }
            ++request->phaseHandler;
            continue;
        case Entry::Checker::PostRewrite:
            if (!postRewrite(request)) {
                return;
            }
            continue;
        case Entry::Checker::Access:
            // ngx_http_core_access_phase skips every access handler of a subrequest.
            if (request->isSubrequest()) {
                request->phaseHandler = entry.next;
                continue;
            }
            rc = callHandler(request, entry);
            break;
        case Entry::Checker::ContentHandler:
            if (!request->contentHandler) {
                ++request->phaseHandler;
                continue;
            }
            rc = static_cast<const ContentHandler*>(request->contentHandler)->handler(request);
            break;
        default: rc = callHandler(request, entry); break;
        }
        if (!check(request, rc)) {
            return;
        }
    }
}

bool PhaseEngine::check(const std::shared_ptr<HttpRequest>& request, int rc)
{
    if (request->phaseHandler >= m_table.size()) {
        return false;
    }
    const Entry& entry = m_table[request->phaseHandler];
    switch (entry.checker) {
    case Entry::Checker::Rewrite: return handlerChecker(request, entry, rc, OkMeans::Finalize);
    case Entry::Checker::Access: return handlerChecker(request, entry, rc, OkMeans::NextHandler);
    case Entry::Checker::ContentHandler:
    case Entry::Checker::Content: return contentChecker(request, entry, rc);
    default: return handlerChecker(request, entry, rc, OkMeans::NextPhase);
    }
}

// nginx's generic, rewrite and access checkers differ only in what kNgxOk means: the
// next phase, the end of the request (finalized with it), or the next handler (satisfy
// all, nginx's default). Each answers true to go on with the request's (moved) entry.
bool PhaseEngine::handlerChecker(const std::shared_ptr<HttpRequest>& request, const Entry& entry,
                                 int rc, OkMeans ok)
{
    if (rc == kNgxDeclined || (rc == kNgxOk && ok == OkMeans::NextHandler)) {
        ++request->phaseHandler;
        return true;
    }
    if (rc == kNgxOk && ok == OkMeans::NextPhase) {
        request->phaseHandler = entry.next;
        return true;
    }
    if (rc != kNgxAgain && rc != kNgxDone) {
        request->finalize(rc);
    }
    return false;
}

bool PhaseEngine::contentChecker(const std::shared_ptr<HttpRequest>& request, const Entry& entry,
                                 int rc)
{
    if (entry.checker == Entry::Checker::ContentHandler || rc != kNgxDeclined) {
        if (rc != kNgxDone && rc != kNgxAgain) {
            request->finalize(rc);
        }
        return false;
    }
    ++request->phaseHandler;
    if (request->phaseHandler < entry.next) {
        return true;
    }
    // Every content handler declined: nginx answers 403 for a directory, else 404.
    const Request& r = request->request;
    if (!r.uri.empty() && r.uri.back() == '/') {
        m_log.write(trace::LogLevel::Error, r.connection,
                    "directory index of \"" + m_config.prefix + "html" + r.uri + "\" is forbidden" +
                        logContext(r));
        request->finalize(403);
    } else {
        request->finalize(404);
    }
    return false;
}

bool PhaseEngine::postRewrite(const std::shared_ptr<HttpRequest>& request)
{
    if (!request->uriChanged) {
        ++request->phaseHandler;
        return true;
    }
    request->uriChanged = false;
    Request& r = request->request;
    if (++r.internalRedirects > 10) {
        m_log.write(trace::LogLevel::Error, r.connection,
                    "rewrite or internal redirection cycle while processing \"" + r.uri + "\"" +
                        logContext(r));
        request->finalize(500);
        return false;
    }
    r.captures.clear();
    r.namedCaptures.clear();
    r.location = nullptr;
    request->phaseHandler = m_findConfigIndex;
    return true;
}

bool PhaseEngine::findConfig(const std::shared_ptr<HttpRequest>& request)
{
    Request& r = request->request;
    request->contentHandler = nullptr;
    if (!r.server) {
        request->finalize(404);
        return false;
    }
    const auto match = conf::findLocation(*r.server, r.uri);
    r.location = match.location;
    r.captures = match.captures;
    for (const auto& [name, value] : match.named) {
        // A location's named capture replaces a server_name one of the same name.
        // (clang 14 cannot capture a structured binding: compare through a reference)
        const std::string& captured = name;
        std::erase_if(r.namedCaptures, [&](const auto& pair) { return pair.first == captured; });
        r.namedCaptures.emplace_back(name, value);
    }
    if (r.location) {
        updateLocationConfig(*request);
    }
    if (r.contentLength > 0 && request->clientMaxBodySize != 0 &&
        static_cast<std::uint64_t>(r.contentLength) > request->clientMaxBodySize) {
        m_log.write(trace::LogLevel::Error, r.connection,
                    "client intended to send too large body: " + std::to_string(r.contentLength) +
                        " bytes" + logContext(r));
        request->finalize(413);
        return false;
    }
    return true;
}

void PhaseEngine::updateLocationConfig(HttpRequest& request) const
{
    // ngx_http_update_location_config: the location's settings and its content handler
    // (the first module in list order that has one for it).
    applyLocalConf(request, request.request.location->local);
    for (const auto& lookup : m_contentLookups) {
        if (const ContentHandler* handler = lookup(request)) {
            request.contentHandler = handler;
            break;
        }
    }
}

void PhaseEngine::runLogPhase(const std::shared_ptr<HttpRequest>& request)
{
    if (request->isSubrequest()) {
        return; // log_subrequest off
    }
    for (const auto& [module, handler] : m_logHandlers) {
        handler(request);
    }
}

} // namespace restyscope::engine::http
