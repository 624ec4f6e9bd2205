// The request body, both sides: what a handler asks for (HttpRequest::readBody and
// discardBody, with nginx's "Expect: 100-continue" answer) and how the connection feeds
// it (Content-Length or chunked, client_max_body_size, client_body_timeout, a peer that
// goes away mid-body).

#include "engine/http/connection.h"

#include "engine/http/phases.h"
#include "engine/http/status.h"
#include "engine/trace/errorlog.h"

namespace restyscope::engine::http {

void Connection::onBodyData(const char* data, std::size_t size)
{
    HttpRequest& request = *m_current;
    request.m_bodyReceived += size;
    if (request.m_bodyState == HttpRequest::BodyState::Reading) {
        if (request.clientMaxBodySize != 0 && request.m_bodyReceived > request.clientMaxBodySize) {
            m_log.write(trace::LogLevel::Error, m_serial,
                        "client intended to send too large chunked body: " +
                            std::to_string(request.m_bodyReceived) +
                            " bytes, client: " + m_remoteAddr + ", server: , request: \"" +
                            request.request.requestLine + "\"");
            request.m_bodyState = HttpRequest::BodyState::Discarding;
            m_bodyError = 413;
            return;
        }
        request.m_body.append(data, size);
    }
}

void Connection::bodyFinished(int status)
{
    HttpRequest& request = *m_current;
    const bool wasReading = static_cast<bool>(request.m_bodyDone);
    if (status == kStatusClientClosed && request.m_bodyState == HttpRequest::BodyState::Reading) {
        m_log.write(trace::LogLevel::Info, m_serial,
                    "client prematurely closed connection" + logContext(request.request));
    }
    if (status != 0) {
        // Whatever is left of the body is unusable: the connection ends after the response.
        request.m_bodyError = status;
        request.m_keepAlive = false;
        request.m_bodyState = HttpRequest::BodyState::Done;
        m_bodyBroken = true;
    } else {
        request.m_bodyState = HttpRequest::BodyState::Done;
    }
    m_deadline = {};
    if (wasReading && request.m_bodyDone) {
        auto done = std::move(request.m_bodyDone);
        auto keepAlive = request.shared_from_this();
        done(status);
        return;
    }
    if (request.m_finalized) {
        requestDone(request);
    }
}

void HttpRequest::readBody(std::function<void(int status)> done)
{
    if (m_bodyState == BodyState::Done || !m_connection) {
        done(m_connection || m_capture ? 0 : kStatusClientClosed);
        return;
    }
    m_bodyDone = std::move(done);
    m_bodyState = BodyState::Reading;
    startBody();
}

int HttpRequest::discardBody()
{
    if (!m_connection || m_bodyState == BodyState::Done) {
        return 0;
    }
    m_bodyState = BodyState::Discarding;
    m_bodyError = 0;
    startBody();
    return m_bodyError;
}

void HttpRequest::startBody()
{
    Connection& c = *m_connection;
    auto self = shared_from_this();
    // "Expect: 100-continue" is answered when the body is first asked for, read or
    // discarded, as ngx_http_test_expect does (even when the body came with the head).
    const std::string* expect = request.header("Expect");
    if (!m_continueSent && !headerSent() && expect && equalsIgnoreCase(*expect, "100-continue") &&
        request.isHttp11OrLater() && (request.contentLength > 0 || request.chunked)) {
        m_continueSent = true;
        c.m_out.append("HTTP/1.1 100 Continue\r\n\r\n");
        c.m_transport.wake();
    }
    // Discarding after the response waits like nginx's lingering close, not
    // client_body_timeout.
    c.armDeadline(m_bodyState == BodyState::Discarding ? std::chrono::milliseconds(5000)
                                                       : bodyTimeout);
    c.feedBody();
}

} // namespace restyscope::engine::http
