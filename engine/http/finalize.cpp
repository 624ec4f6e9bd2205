// How a request ends (ngx_http_finalize_request): a subrequest hands its captured
// response to its parent; a request on a connection gets nginx's special response for an
// error status, its last buffer, or a closed connection, and the connection goes on to
// the next request. Every byte still passes the filter chains.

#include "engine/http/connection.h"

#include "engine/http/status.h"

namespace restyscope::engine::http {

void HttpRequest::finalize(int rc)
{
    if (m_finalized) {
        return;
    }
    m_finalized = true;
    m_bodyDone = nullptr;
    m_onAbort = nullptr;
    auto self = shared_from_this(); // cleanups may drop the last other owner
    if (m_capture) {
        finishSubrequest(rc);
    } else if (m_connection) {
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

void HttpRequest::finishSubrequest(int rc)
{
    m_capture->finalizeRc = rc;
    const bool special = rc == kNgxError || rc >= 300 || rc == 201 || rc == 204;
    if (!m_capture->headerSent && !special) {
        // ngx_http_finalize_request(NGX_OK) of a handler that sent nothing: header and
        // last buffer go through the filters now.
        if (rc > 0) {
            headersOut.status = rc;
        }
        output({}, true, true);
    } else if (m_capture->headerSent && rc == kNgxOk && headersOut.status != 204) {
        output({}, true, true);
    }
    if (auto done = std::move(m_subrequestDone)) {
        m_subrequestDone = nullptr;
        done();
    }
}

void Connection::finishRequest(HttpRequest& request, int rc)
{
    if (rc == kNgxError || rc == kStatusClose || rc == kStatusClientClosed ||
        rc == kStatusRequestTimeout) {
        request.m_keepAlive = false;
        if (request.m_writer) {
            request.m_writer->discardPostponed();
        }
        closeNow();
        return;
    }
    const bool headerSent = request.headerSent();
    if (rc >= 300 && !headerSent) {
        sendSpecialResponse(request, rc);
    } else {
        if (!headerSent) {
            if (rc > 0) {
                request.headersOut.status = rc;
            }
            request.sendHeader();
        }
        if (request.m_writer && !request.m_writer->lastSent()) {
            request.output({}, true, true); // the last buffer, through the body filters
        }
    }
    if (request.m_bodyState == HttpRequest::BodyState::Unread) {
        request.discardBody();
        return; // discardBody() calls requestDone() once the body is gone
    }
    if (request.m_bodyState == HttpRequest::BodyState::Done) {
        requestDone(request);
    }
}

void Connection::sendSpecialResponse(HttpRequest& request, int status)
{
    ResponseHeaders& headers = request.headersOut;
    headers.status = status;
    headers.contentType.clear();
    if (specialResponseClosesConnection(status)) {
        request.m_keepAlive = false;
    }
    const std::string page = specialResponsePage(status, request.responseOptions.serverToken);
    if (!page.empty()) {
        headers.contentType = "text/html";
    }
    headers.contentLength = static_cast<std::int64_t>(page.size());
    // The page goes through the filter chains like any response (ngx_http_send_special_response).
    request.m_specialPage =
        page.empty() ? HttpRequest::SpecialPage::Empty : HttpRequest::SpecialPage::Html;
    request.sendHeader();
    request.output(page, true, true);
}

} // namespace restyscope::engine::http
