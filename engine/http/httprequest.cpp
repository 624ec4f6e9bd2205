// HttpRequest: what a handler does with its request (connection.h); the connection side
// of the same state machine is connection.cpp.

#include "engine/http/connection.h"

#include "engine/http/status.h"

namespace restyscope::engine::http {

namespace {

bool isHttp11OrLater(const Request& r)
{
    return r.httpMajor > 1 || (r.httpMajor == 1 && r.httpMinor >= 1);
}

} // namespace

bool HttpRequest::sendHeader()
{
    if (!m_connection) {
        return false;
    }
    if (!m_writer) {
        m_writer = std::make_unique<ResponseWriter>(m_connection->m_out);
    }
    if (!m_writer->headerSent()) {
        m_keepAlive = m_writer->sendHeader(request, headersOut, responseOptions,
                                           m_keepAlive && keepaliveTimeout.count() > 0);
    }
    return true;
}

bool HttpRequest::output(std::string_view data, bool flush, bool last)
{
    if (!sendHeader()) {
        return false;
    }
    const std::size_t before = m_connection->m_out.size();
    m_writer->sendBody(data, flush, last);
    if (m_connection->m_out.size() != before) {
        m_connection->m_transport.wake();
    }
    return true;
}

bool HttpRequest::outputPending() const
{
    return m_connection && !m_connection->m_out.empty();
}

void HttpRequest::whenDrained(std::function<void(bool)> done)
{
    if (!m_connection) {
        done(false);
        return;
    }
    if (m_connection->m_out.empty()) {
        done(true);
        return;
    }
    m_drained = std::move(done);
    m_connection->m_transport.wake();
}

void HttpRequest::finalize(int rc)
{
    if (m_finalized) {
        return;
    }
    m_finalized = true;
    m_bodyDone = nullptr;
    m_onAbort = nullptr;
    auto self = shared_from_this(); // cleanups may drop the last other owner
    if (m_connection) {
        Connection* connection = m_connection;
        connection->finishRequest(*this, rc);
        connection->m_transport.wake();
    }
    auto cleanups = std::move(m_cleanups);
    m_cleanups.clear();
    for (auto& cleanup : cleanups) {
        cleanup();
    }
}

void HttpRequest::readBody(std::function<void(int status)> done)
{
    if (m_bodyState == BodyState::Done || !m_connection) {
        done(m_connection ? 0 : kStatusClientClosed);
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
        isHttp11OrLater(request) && (request.contentLength > 0 || request.chunked)) {
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
