#include "engine/http/phases.h"

#include "engine/conf/config.h"
#include "engine/conf/locationmatcher.h"
#include "engine/conf/servermatcher.h"
#include "engine/http/status.h"
#include "engine/http/variables.h"
#include "engine/trace/errorlog.h"
#include "engine/trace/tracer.h"

#include <sys/stat.h>

namespace restyscope::engine::http {

namespace {

std::string evaluate(const conf::ComplexValue& value, const Request& request)
{
    return value.evaluate(
        [&request](std::string_view name) { return variableValue(request, name); });
}

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

PhaseRunner::PhaseRunner(const conf::Config& config, trace::ErrorLog& log, trace::Tracer& tracer)
    : m_config(config), m_log(log), m_tracer(tracer),
      m_serverToken("restyscope/" RESTYSCOPE_VERSION)
{
}

const conf::ServerConfig* PhaseRunner::selectServer(const std::string& address, std::uint16_t port,
                                                    const std::string& host) const
{
    return m_config.http ? conf::findServer(*m_config.http, address, port, host) : nullptr;
}

void PhaseRunner::configureForServer(HttpRequest& request) const
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

void PhaseRunner::handleRequest(const std::shared_ptr<HttpRequest>& request)
{
    configureForServer(*request);
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
    request->headerFilter = [this](HttpRequest& r) {
        if (m_lua) {
            m_lua->headerFilter(r);
        }
    };
    // nginx's log phase runs when the main request is freed.
    request->addCleanup([this, weak = std::weak_ptr<HttpRequest>(request)] {
        if (auto ended = weak.lock(); ended && m_lua) {
            m_lua->log(ended);
        }
    });
    run(request, Phase::ServerRewrite);
}

void PhaseRunner::startSubrequest(const std::shared_ptr<HttpRequest>& child)
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
    // ngx_http_subrequest: an internal request that starts at server rewrite.
    run(child, Phase::ServerRewrite);
}

void PhaseRunner::internalRedirect(const std::shared_ptr<HttpRequest>& request, std::string uri,
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
    if (!uri.empty() && uri.front() == '@') {
        // A named location: the URI stays, the phases start at rewrite.
        r.location = r.server ? conf::findNamedLocation(*r.server, uri) : nullptr;
        if (!r.location) {
            m_log.write(trace::LogLevel::Error, r.connection,
                        "named location \"" + uri + "\" not found" + logContext(r));
            request->finalize(500);
            return;
        }
        applyLocalConf(*request, r.location->local);
        run(request, Phase::Rewrite);
        return;
    }
    r.uri = std::move(uri);
    r.args = std::move(args);
    r.location = nullptr;
    run(request, Phase::ServerRewrite);
}

void PhaseRunner::rewriteJump(const std::shared_ptr<HttpRequest>& request)
{
    Request& r = request->request;
    if (++r.internalRedirects > 10) {
        m_log.write(trace::LogLevel::Error, r.connection,
                    "rewrite or internal redirection cycle while processing \"" + r.uri + "\"" +
                        logContext(r));
        request->finalize(500);
        return;
    }
    r.captures.clear();
    r.namedCaptures.clear();
    r.location = nullptr;
    run(request, Phase::FindConfig);
}

void PhaseRunner::resume(const std::shared_ptr<HttpRequest>& request, Phase phase,
                         PhaseOutcome outcome)
{
    switch (outcome.kind) {
    case PhaseOutcome::Kind::Again: return;
    case PhaseOutcome::Kind::InternalRedirect: return;
    case PhaseOutcome::Kind::Finalize: request->finalize(outcome.rc); return;
    case PhaseOutcome::Kind::Continue: break;
    }
    if (request->finalized()) {
        return;
    }
    // A rewrite/access handler that sent a header ended the request (semantics.md 3.6).
    if (phase != Phase::Content && request->headerSent()) {
        request->finalize(kNgxOk);
        return;
    }
    run(request, static_cast<Phase>(static_cast<int>(phase) + 1));
}

bool PhaseRunner::runReturn(const std::shared_ptr<HttpRequest>& request, const void* actionPtr)
{
    const auto& action = *static_cast<const conf::ReturnAction*>(actionPtr);
    Request& r = request->request;
    const int status = action.status;
    // ngx_http_send_response discards the body first: a broken one answers instead.
    if (const int bodyStatus = request->discardBody(); bodyStatus != 0) {
        request->finalize(bodyStatus);
        return true;
    }
    if (status >= 400 && !action.text) {
        request->finalize(status);
        return true;
    }
    if (status == kStatusClose) {
        request->finalize(status);
        return true;
    }
    const std::string text = action.text ? evaluate(*action.text, r) : std::string();
    if (isRedirectStatus(status)) {
        request->headersOut.location = text;
        request->finalize(status);
        return true;
    }
    // ngx_http_send_response: the text is the body, in the location's default type.
    request->headersOut.status = status;
    request->headersOut.contentLength = static_cast<std::int64_t>(text.size());
    request->sendHeader();
    request->output(text, true, true);
    request->finalize(kNgxOk);
    return true;
}

bool PhaseRunner::findConfig(const std::shared_ptr<HttpRequest>& request)
{
    Request& r = request->request;
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
        applyLocalConf(*request, r.location->local);
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

void PhaseRunner::run(const std::shared_ptr<HttpRequest>& request, Phase phase)
{
    Request& r = request->request;
    while (phase != Phase::Done && !request->finalized()) {
        switch (phase) {
        case Phase::ServerRewrite:
            if (r.server && r.server->returnAction) {
                runReturn(request, &*r.server->returnAction);
                return;
            }
            break;
        case Phase::FindConfig:
            if (!findConfig(request)) {
                return;
            }
            break;
        case Phase::Rewrite:
            if (r.location && r.location->returnAction) {
                runReturn(request, &*r.location->returnAction);
                return;
            }
            [[fallthrough]];
        case Phase::Access:
            // ngx_http_core_access_phase skips every access handler of a subrequest.
            if (phase == Phase::Access && request->isSubrequest()) {
                break;
            }
            [[fallthrough]];
        case Phase::Content:
            if (m_lua && m_lua->handles(*request, phase)) {
                const PhaseOutcome outcome = m_lua->run(request, phase);
                if (outcome.kind != PhaseOutcome::Kind::Continue) {
                    resume(request, phase, outcome);
                    return;
                }
                if (phase != Phase::Content && request->headerSent()) {
                    request->finalize(kNgxOk);
                    return;
                }
                if (phase == Phase::Content) {
                    return;
                }
            } else if (phase == Phase::Content) {
                staticContent(request);
                return;
            }
            break;
        case Phase::Done: break;
        }
        phase = static_cast<Phase>(static_cast<int>(phase) + 1);
    }
}

void PhaseRunner::staticContent(const std::shared_ptr<HttpRequest>& request)
{
    // No handler: nginx's static module looks under <prefix>/html. restyscope serves no
    // files; it answers as nginx does when the file is not there.
    const Request& r = request->request;
    if (const int bodyStatus = request->discardBody(); bodyStatus != 0) {
        request->finalize(bodyStatus);
        return;
    }
    std::string path = m_config.prefix + "html" + r.uri;
    struct stat info
    {
    };
    if (r.uri.back() == '/') {
        const std::string directory = path;
        path += "index.html";
        if (::stat(path.c_str(), &info) != 0 && ::stat(directory.c_str(), &info) == 0) {
            m_log.write(trace::LogLevel::Error, r.connection,
                        "directory index of \"" + directory + "\" is forbidden" + logContext(r));
            request->finalize(403);
            return;
        }
    }
    m_log.write(trace::LogLevel::Error, r.connection,
                "open() \"" + path + "\" failed (2: No such file or directory)" + logContext(r));
    request->finalize(404);
}

} // namespace restyscope::engine::http
