#include "engine/http/connection.h"

#include "engine/http/phases.h"
#include "engine/http/status.h"
#include "engine/http/uri.h"
#include "engine/trace/errorlog.h"

#include <http_parser.h>

#include <algorithm>
#include <cstring>

namespace restyscope::engine::http {

// http-parser state for one connection; one message at a time (paused between them).
struct Connection::Parser
{
    http_parser parser{};
    http_parser_settings settings{};
    Connection* owner = nullptr;
    std::string url;
    std::vector<HeaderField> headers;
    bool lastWasValue = false;
    bool headersComplete = false;
    bool messageComplete = false;

    void reset()
    {
        http_parser_init(&parser, HTTP_REQUEST);
        parser.data = this;
        url.clear();
        headers.clear();
        lastWasValue = false;
        headersComplete = false;
        messageComplete = false;
    }

    static Parser& self(http_parser* p) { return *static_cast<Parser*>(p->data); }

    Parser()
    {
        settings.on_url = [](http_parser* p, const char* at, std::size_t len) {
            self(p).url.append(at, len);
            return 0;
        };
        settings.on_header_field = [](http_parser* p, const char* at, std::size_t len) {
            auto& s = self(p);
            if (s.lastWasValue || s.headers.empty()) {
                s.headers.emplace_back();
            }
            s.headers.back().name.append(at, len);
            s.lastWasValue = false;
            return 0;
        };
        settings.on_header_value = [](http_parser* p, const char* at, std::size_t len) {
            auto& s = self(p);
            s.headers.back().value.append(at, len);
            s.lastWasValue = true;
            return 0;
        };
        settings.on_headers_complete = [](http_parser* p) {
            // The head is fed line by line and ends here, so the body (real bytes in the
            // input buffer) is only fed once the handler asks for it.
            self(p).headersComplete = true;
            return 0;
        };
        settings.on_body = [](http_parser* p, const char* at, std::size_t len) {
            self(p).owner->m_current ? self(p).owner->onBodyData(at, len) : void();
            return 0;
        };
        settings.on_message_complete = [](http_parser* p) {
            self(p).messageComplete = true;
            http_parser_pause(p, 1); // a pipelined request waits for this one to finish
            return 0;
        };
        reset();
    }
};

Connection::Connection(std::uint64_t serial, ConnectionTransport& transport,
                       RequestHandler& handler, trace::ErrorLog& log)
    : m_serial(serial), m_transport(transport), m_handler(handler), m_log(log),
      m_parser(std::make_unique<Parser>())
{
    m_parser->owner = this;
}

void Connection::setLimits(const ConnectionLimits& limits)
{
    m_limits = limits;
    resetHead();
    armDeadline(m_limits.headerTimeout); // from accept: client_header_timeout
}

void Connection::resetHead()
{
    m_parser->reset();
    m_chunked.reset();
    m_requestLine = {};
    m_haveRequestLine = false;
    m_headStarted = false;
    m_headerBuffers = HeaderBuffers(m_limits.clientHeaderBufferSize, m_limits.largeHeaderBuffers,
                                    m_limits.largeHeaderBufferSize);
}

Connection::~Connection()
{
    detach();
}

void Connection::setAddresses(std::string remoteAddr, std::uint16_t remotePort,
                              std::string localAddr, std::uint16_t localPort)
{
    m_remoteAddr = std::move(remoteAddr);
    m_remotePort = remotePort;
    m_localAddr = std::move(localAddr);
    m_localPort = localPort;
}

void Connection::detach()
{
    if (m_current) {
        auto request = std::move(m_current);
        request->m_connection = nullptr;
        if (request->m_drained) {
            auto drained = std::move(request->m_drained);
            request->m_drained = nullptr;
            drained(false);
        }
        if (!request->m_finalized && request->m_onAbort) {
            auto onAbort = std::move(request->m_onAbort);
            onAbort();
        }
    }
    m_closed = true;
}

void Connection::armDeadline(std::chrono::milliseconds after)
{
    m_deadline = std::chrono::steady_clock::now() + after;
}

void Connection::consumeOutput(std::size_t n)
{
    m_out.erase(0, n);
    if (m_out.empty() && m_current && m_current->m_drained) {
        auto drained = std::move(m_current->m_drained);
        m_current->m_drained = nullptr;
        drained(true);
    }
}

void Connection::onData(const char* data, std::size_t size)
{
    if (m_closed || size == 0) {
        return;
    }
    if (m_state == State::Closing) {
        return; // lingering close: what arrives now is dropped
    }
    if (m_inPos > 0 && m_inPos == m_in.size()) {
        m_in.clear();
        m_inPos = 0;
    }
    m_in.append(data, size);
    if (m_state == State::ReadingHeader) {
        parse();
    } else if (m_current && (m_current->m_bodyState == HttpRequest::BodyState::Reading ||
                             m_current->m_bodyState == HttpRequest::BodyState::Discarding)) {
        feedBody();
    }
}

bool Connection::feedHead(std::string_view bytes)
{
    http_parser_execute(&m_parser->parser, &m_parser->settings, bytes.data(), bytes.size());
    const auto err = HTTP_PARSER_ERRNO(&m_parser->parser);
    return err == HPE_OK || err == HPE_PAUSED;
}

void Connection::parse()
{
    while (m_state == State::ReadingHeader && m_inPos < m_in.size()) {
        if (!m_headStarted) {
            // First byte of a new request: the header timer replaces the keep-alive one
            // (client_header_timeout counts for the whole head).
            m_headStarted = true;
            armDeadline(m_limits.headerTimeout);
        }
        const char* start = m_in.data() + m_inPos;
        const std::size_t available = m_in.size() - m_inPos;
        const char* eol = static_cast<const char*>(std::memchr(start, '\n', available));
        if (!eol) {
            if (const int status = m_headerBuffers.checkPartial(available, !m_haveRequestLine)) {
                failHeader(status, status == 414 ? std::string("client sent too long URI")
                                                 : "client sent too long header line: \"" +
                                                       currentLineHead() + "...\"");
            }
            return;
        }
        const std::size_t lineBytes = static_cast<std::size_t>(eol - start) + 1;
        const std::string_view line(start, lineBytes - 1);
        if (!m_haveRequestLine) {
            const LineVerdict verdict = checkRequestLine(line, m_requestLine);
            if (verdict.kind == LineVerdict::Kind::Skip) {
                m_inPos += lineBytes;
                continue;
            }
            if (verdict.kind == LineVerdict::Kind::Fail) {
                failHeader(verdict.status, verdict.logText);
                return;
            }
            if (const int status = m_headerBuffers.place(lineBytes, true)) {
                failHeader(status, "client sent too long URI");
                return;
            }
            m_haveRequestLine = true;
            m_inPos += lineBytes;
            if (m_requestLine.httpMajor == 0) {
                startHttp09();
                return;
            }
            m_fed = m_requestLine.fedLine + "\r\n";
            if (!feedHead(m_fed)) {
                failHeader(400, "client sent invalid request");
                return;
            }
            continue;
        }
        if (line.empty() || line == "\r") {
            m_inPos += lineBytes;
            if (!feedHead("\r\n") || !m_parser->headersComplete) {
                failHeader(400, "client sent invalid request");
                return;
            }
            startRequest();
            return;
        }
        const LineVerdict verdict = checkHeaderLine(line, m_fed);
        if (verdict.kind == LineVerdict::Kind::Fail) {
            failHeader(verdict.status, verdict.logText);
            return;
        }
        if (const int status = m_headerBuffers.place(lineBytes, false)) {
            failHeader(status,
                       "client sent too long header line: \"" + currentLineHead() + "...\"");
            return;
        }
        m_inPos += lineBytes;
        if (verdict.kind == LineVerdict::Kind::Feed) {
            m_fed.append("\r\n");
            if (!feedHead(m_fed)) {
                failHeader(400, "client sent invalid header line");
                return;
            }
        }
    }
}

void Connection::startHttp09()
{
    // HTTP/0.9: no headers either way; the response is the body alone, then close.
    auto request = std::make_shared<HttpRequest>();
    Request& r = request->request;
    r.id = allocateRequestId();
    r.connection = m_serial;
    r.method = "GET";
    r.httpMajor = 0;
    r.httpMinor = 9;
    r.requestUri = m_requestLine.target;
    r.requestLine = "GET " + m_requestLine.target;
    r.remoteAddr = m_remoteAddr;
    r.remotePort = m_remotePort;
    r.serverAddr = m_localAddr;
    r.serverPort = m_localPort;
    r.startTime = std::chrono::steady_clock::now();
    r.startWallTime = std::chrono::system_clock::now();
    request->m_connection = this;
    request->m_keepAlive = false;
    request->m_bodyState = HttpRequest::BodyState::Done;
    m_current = request;
    m_state = State::Processing;
    m_deadline = {};
    ++m_requests;
    RequestTarget target;
    const bool valid =
        splitRequestTarget(r.requestUri, target) && normalizeUriPath(target.path, r.uri);
    r.args = std::move(target.args);
    if (m_configure) {
        m_configure(*request);
    }
    if (!valid) {
        request->finalize(400);
        return;
    }
    m_handler.handleRequest(request);
}

std::string Connection::headContext() const
{
    // nginx's log context while it reads a head: what it has of the request so far.
    std::string text = m_haveRequestLine ? " while reading client request headers"
                                         : " while reading client request line";
    text += ", client: " + m_remoteAddr + ", server: ";
    if (m_haveRequestLine) {
        text += ", request: \"" + m_requestLine.method + " " + m_requestLine.target;
        if (m_requestLine.httpMajor > 0) {
            text += " HTTP/" + std::to_string(m_requestLine.httpMajor) + "." +
                    std::to_string(m_requestLine.httpMinor);
        }
        text += "\"";
        for (const auto& field : m_parser->headers) {
            if (equalsIgnoreCase(field.name, "Host")) {
                text += ", host: \"" + field.value + "\"";
                break;
            }
        }
    } else if (m_inPos < m_in.size()) {
        std::string_view line(m_in.data() + m_inPos, m_in.size() - m_inPos);
        line = line.substr(
            0, std::min({line.find('\r'), line.find('\n'), m_limits.largeHeaderBufferSize}));
        text += ", request: \"" + std::string(line) + "\"";
    }
    return text;
}

// The current line as nginx quotes it in "too long header line" (its buffer's worth).
std::string Connection::currentLineHead() const
{
    std::string_view rest(m_in.data() + m_inPos, m_in.size() - m_inPos);
    return std::string(rest.substr(
        0, std::min({rest.find('\r'), rest.find('\n'), m_limits.largeHeaderBufferSize})));
}

void Connection::failHeader(int status, std::string_view logMessage)
{
    // An unparseable header still gets nginx's page; the connection closes after it.
    auto request = std::make_shared<HttpRequest>();
    request->m_connection = this;
    request->request.connection = m_serial;
    request->request.id = allocateRequestId();
    request->request.remoteAddr = m_remoteAddr;
    request->request.serverAddr = m_localAddr;
    request->request.serverPort = m_localPort;
    // nginx answers a broken head as HTTP/1.0 unless the request line said 1.1.
    const bool http11 =
        m_haveRequestLine && m_requestLine.httpMajor == 1 && m_requestLine.httpMinor >= 1;
    request->request.httpMajor = 1;
    request->request.httpMinor = http11 ? 1 : 0;
    if (m_configure) {
        m_configure(*request);
    }
    m_log.write(trace::LogLevel::Info, m_serial, std::string(logMessage) + headContext());
    m_current = request;
    m_state = State::Processing;
    request->m_keepAlive = false;
    sendSpecialResponse(*request, status);
    request->m_finalized = true;
    m_current.reset();
    request->m_connection = nullptr;
    m_state = State::Closing;
    m_closing = true;
    m_transport.wake();
}

void Connection::startRequest()
{
    Parser& p = *m_parser;
    auto request = std::make_shared<HttpRequest>();
    Request& r = request->request;
    r.id = allocateRequestId();
    r.connection = m_serial;
    r.method = m_requestLine.method;
    r.httpMajor = m_requestLine.httpMajor;
    r.httpMinor = m_requestLine.httpMinor;
    r.protocol = m_requestLine.protocol;
    r.requestUri = m_requestLine.target;
    r.requestLine = r.method + " " + m_requestLine.target + " " + r.httpVersionText();
    r.headers = std::move(p.headers);
    r.keepAlive = http_should_keep_alive(&p.parser) != 0;
    r.headOnly = p.parser.method == HTTP_HEAD;
    r.chunked = (p.parser.flags & F_CHUNKED) != 0;
    r.contentLength = (!r.chunked && p.parser.content_length != ULLONG_MAX)
                          ? static_cast<std::int64_t>(p.parser.content_length)
                          : -1;
    r.remoteAddr = m_remoteAddr;
    r.remotePort = m_remotePort;
    r.serverAddr = m_localAddr;
    r.serverPort = m_localPort;
    r.startTime = std::chrono::steady_clock::now();
    r.startWallTime = std::chrono::system_clock::now();
    request->m_connection = this;
    request->m_keepAlive = r.keepAlive;
    m_current = request;
    m_state = State::Processing;
    m_deadline = {};
    ++m_requests;

    RequestTarget target;
    bool valid = splitRequestTarget(r.requestUri, target) && normalizeUriPath(target.path, r.uri);
    if (!target.host.empty()) {
        // absolute-form: $request_uri is the path part
        r.requestUri =
            target.path + (r.requestUri.find('?') != std::string::npos ? "?" : "") + target.args;
    }
    r.args = std::move(target.args);
    const std::string* hostHeader = nullptr;
    const std::string* duplicateHost = nullptr;
    const std::string* transferEncoding = nullptr;
    const std::string* duplicateTransferEncoding = nullptr;
    for (const auto& field : r.headers) {
        if (equalsIgnoreCase(field.name, "Host")) {
            (hostHeader ? duplicateHost : hostHeader) = &field.value;
        } else if (equalsIgnoreCase(field.name, "Transfer-Encoding")) {
            (transferEncoding ? duplicateTransferEncoding : transferEncoding) = &field.value;
        }
    }
    std::string invalidText;
    const std::string* hostSource = !target.host.empty() ? &target.host : hostHeader;
    if (duplicateHost) {
        invalidText = "client sent duplicate host header: \"Host: " + *duplicateHost +
                      "\", previous value: \"Host: " + *hostHeader + "\"";
    } else if (hostSource && !validateHost(*hostSource, r.host)) {
        invalidText = "client sent invalid host header";
    }
    if (m_configure) {
        m_configure(*request);
    }
    if (!valid) {
        invalidText = "client sent invalid request";
    } else if (invalidText.empty() && duplicateTransferEncoding) {
        // Transfer-Encoding is one of nginx's unique header lines.
        invalidText = "client sent duplicate header line: \"Transfer-Encoding: " +
                      *duplicateTransferEncoding +
                      "\", previous value: \"Transfer-Encoding: " + *transferEncoding + "\"";
    } else if (invalidText.empty() && r.isHttp11OrLater() && !hostHeader) {
        invalidText = "client sent HTTP/1.1 request without \"Host\" header";
    } else if (invalidText.empty() && transferEncoding && !r.isHttp11OrLater()) {
        invalidText = "client sent HTTP/1.0 request with \"Transfer-Encoding\" header";
    }
    if (!invalidText.empty()) {
        m_log.write(trace::LogLevel::Info, m_serial,
                    invalidText + " while reading client request headers, client: " + m_remoteAddr +
                        ", server: , request: \"" + r.requestLine + "\"");
        request->m_keepAlive = false;
        request->finalize(400);
        return;
    }
    if (r.method == "TRACE" || r.method == "CONNECT") {
        m_log.write(trace::LogLevel::Info, m_serial,
                    "client sent " + r.method +
                        " method while reading client request headers, "
                        "client: " +
                        m_remoteAddr + ", server: , request: \"" + r.requestLine + "\"");
        request->finalize(405);
        return;
    }
    m_handler.handleRequest(request);
}

void Connection::requestDone(HttpRequest& request)
{
    if (m_current.get() != &request) {
        return;
    }
    auto keep = std::move(m_current);
    keep->m_connection = nullptr;
    const bool keepAlive =
        keep->m_keepAlive && !m_peerClosed && !m_bodyBroken && keep->keepaliveTimeout.count() > 0;
    const auto keepaliveTimeout = keep->keepaliveTimeout;
    if (!keepAlive) {
        m_state = State::Closing;
        m_closing = true;
        m_deadline = {};
        m_transport.wake();
        return;
    }
    // Ready for the next request on this connection (maybe already pipelined).
    resetHead();
    m_state = State::ReadingHeader;
    armDeadline(keepaliveTimeout);
    if (m_inPos < m_in.size()) {
        parse();
    }
    m_transport.wake();
}

void Connection::feedBody()
{
    HttpRequest& request = *m_current;
    Parser& p = *m_parser;
    while (!p.messageComplete && m_inPos < m_in.size()) {
        std::size_t parsed = 0;
        bool invalid = false;
        if (request.request.chunked) {
            // nginx's chunked rules, not http-parser's (see chunked.h)
            const auto result = m_chunked.parse(
                std::string_view(m_in).substr(m_inPos), parsed,
                [this](const char* data, std::size_t size) { onBodyData(data, size); });
            invalid = result == ChunkedParser::Result::Invalid;
            p.messageComplete = result == ChunkedParser::Result::Done;
        } else {
            parsed = http_parser_execute(&p.parser, &p.settings, m_in.data() + m_inPos,
                                         m_in.size() - m_inPos);
            const auto err = HTTP_PARSER_ERRNO(&p.parser);
            invalid = err != HPE_OK && err != HPE_PAUSED;
        }
        m_inPos += parsed;
        if (invalid) {
            bodyFinished(400);
            return;
        }
        if (m_bodyError != 0) {
            const int status = m_bodyError;
            m_bodyError = 0;
            bodyFinished(status);
            return;
        }
        if (parsed == 0) {
            break;
        }
    }
    if (p.messageComplete) {
        http_parser_pause(&p.parser, 0);
        bodyFinished(0);
    } else if (request.m_bodyState == HttpRequest::BodyState::Reading && m_peerClosed) {
        // The client left while the handler was busy (in ngx.sleep, say): nginx's next
        // read sees the close at once, instead of waiting out client_body_timeout.
        bodyFinished(kStatusClientClosed);
    } else if (request.m_bodyState == HttpRequest::BodyState::Reading) {
        armDeadline(request.bodyTimeout);
        m_transport.wake();
    }
}

void Connection::closeNow()
{
    if (m_current) {
        m_current->m_connection = nullptr;
        m_current.reset();
    }
    m_out.clear();
    m_state = State::Closing;
    m_closing = true;
    m_deadline = {};
    m_transport.wake();
}

void Connection::onPeerClosed()
{
    m_peerClosed = true;
    if (m_state == State::ReadingHeader || m_state == State::Closing) {
        m_state = State::Closing;
        m_closing = true;
        m_out.clear();
        m_deadline = {};
        m_transport.wake();
        return;
    }
    if (m_current && m_current->m_bodyState == HttpRequest::BodyState::Reading) {
        bodyFinished(kStatusClientClosed);
        return;
    }
    // lua_check_client_abort: whoever watches for the client going away learns it now.
    if (m_current && !m_current->m_finalized && m_current->m_onAbort) {
        auto request = m_current;
        auto onAbort = std::move(request->m_onAbort);
        request->m_onAbort = nullptr;
        onAbort();
    }
}

void Connection::onTimeout()
{
    m_deadline = {};
    if (m_state == State::ReadingHeader) {
        if (m_headStarted) {
            m_log.write(trace::LogLevel::Info, m_serial,
                        "client timed out (110: Connection timed out)" + headContext());
        } else if (m_requests == 0) {
            m_log.write(trace::LogLevel::Info, m_serial,
                        "client timed out (110: Connection timed out) while waiting for "
                        "request, client: " +
                            m_remoteAddr + ", server: " + m_localAddr + ":" +
                            std::to_string(m_localPort));
        }
        closeNow();
        return;
    }
    if (m_current && m_current->m_bodyState == HttpRequest::BodyState::Reading) {
        bodyFinished(kStatusRequestTimeout);
        return;
    }
    if (m_current && m_current->m_bodyState == HttpRequest::BodyState::Discarding) {
        closeNow();
    }
}

} // namespace restyscope::engine::http
