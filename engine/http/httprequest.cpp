// HttpRequest: what a handler does with its request (connection.h); the connection side
// of the same state machine is connection.cpp.

#include "engine/http/connection.h"

#include "engine/http/status.h"

namespace restyscope::engine::http {

void HttpRequest::setCtx(const void* key, std::shared_ptr<void> value)
{
    for (auto it = m_ctx.begin(); it != m_ctx.end(); ++it) {
        if (it->first == key) {
            if (value) {
                it->second = std::move(value);
            } else {
                m_ctx.erase(it);
            }
            return;
        }
    }
    if (value) {
        m_ctx.emplace_back(key, std::move(value));
    }
}

bool HttpRequest::sendHeader()
{
    if (m_capture) {
        if (!m_capture->headerSent) {
            // nginx's send_header gives a subrequest the default status; its header
            // filters (header_filter_by_lua) run for subrequests too.
            if (headersOut.status == 0) {
                headersOut.status = 200;
            }
            runHeaderFilters();
        }
        m_capture->headerSent = true;
        return true;
    }
    if (!m_connection) {
        return false;
    }
    if (!m_writer) {
        m_writer = std::make_unique<ResponseWriter>(m_connection->m_out);
    }
    if (!m_writer->headerSent()) {
        runHeaderFilters();
    }
    return true;
}

void HttpRequest::runHeaderFilters()
{
    // A filter that sends the header itself (ngx.send_headers in header_filter_by_lua)
    // reaches the writer directly.
    if (!filters || m_inHeaderFilter) {
        headerWriteFilter();
        return;
    }
    m_inHeaderFilter = true;
    filters->header(*this);
    m_inHeaderFilter = false;
}

int HttpRequest::headerWriteFilter()
{
    if (m_capture) {
        m_capture->headerSent = true;
        return kNgxOk;
    }
    if (!m_connection || !m_writer) {
        return kNgxError;
    }
    if (m_writer->headerSent()) {
        return kNgxOk;
    }
    const bool keepAlive = m_keepAlive && keepaliveTimeout.count() > 0;
    if (m_specialPage == SpecialPage::None) {
        m_keepAlive = m_writer->sendHeader(request, headersOut, responseOptions, keepAlive);
        return kNgxOk;
    }
    // nginx's special response: never buffered, and with no page no Content-Type at all.
    ResponseOptions options = responseOptions;
    options.bufferWholeBody = false;
    if (m_specialPage == SpecialPage::Empty) {
        headersOut.contentType.clear();
        options.defaultType.clear();
    }
    m_keepAlive = m_writer->sendHeader(request, headersOut, options, keepAlive);
    return kNgxOk;
}

bool HttpRequest::output(std::string_view data, bool flush, bool last)
{
    if (!sendHeader()) {
        return false;
    }
    const BodyBuffer buffer{data, flush, last};
    if (filters) {
        filters->body(*this, buffer);
    } else {
        bodyWriteFilter(buffer);
    }
    return true;
}

int HttpRequest::bodyWriteFilter(BodyBuffer buffer)
{
    if (m_capture) {
        if (!m_capture->lastSeen) {
            if (!request.headOnly) {
                m_capture->body.append(buffer.data);
            }
            // A header-only response never passes its last buffer to the capture filter.
            m_capture->lastSeen = buffer.last && !request.headOnly;
        }
        return kNgxOk;
    }
    if (!m_connection || !m_writer) {
        return kNgxError;
    }
    const std::size_t before = m_connection->m_out.size();
    m_writer->sendBody(buffer.data, buffer.flush, buffer.last);
    if (m_connection->m_out.size() != before) {
        m_connection->m_transport.wake();
    }
    return kNgxOk;
}

bool HttpRequest::bodyDataSent() const
{
    if (m_capture) {
        return !m_capture->body.empty();
    }
    return m_writer && m_writer->hasBodyData();
}

bool HttpRequest::outputPending() const
{
    return m_connection && !m_connection->m_out.empty();
}

void HttpRequest::whenDrained(std::function<void(bool)> done)
{
    if (m_capture) {
        done(true); // captured output is never waiting for a socket
        return;
    }
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

std::shared_ptr<HttpRequest> HttpRequest::makeSubrequest(const std::shared_ptr<HttpRequest>& parent,
                                                         std::string body,
                                                         std::function<void()> onDone)
{
    auto child = std::make_shared<HttpRequest>();
    child->request = parent->request;
    child->request.id = allocateRequestId();
    child->request.parentId = parent->request.id;
    child->request.location = nullptr;
    child->request.captures.clear();
    child->request.namedCaptures.clear();
    child->request.internalRedirects = 0;
    child->responseOptions = parent->responseOptions;
    child->responseOptions.bufferWholeBody = false;
    child->clientMaxBodySize = parent->clientMaxBodySize;
    child->bodyTimeout = parent->bodyTimeout;
    child->keepaliveTimeout = parent->keepaliveTimeout;
    child->m_capture = std::make_unique<CapturedResponse>();
    child->m_parent = parent;
    child->m_subrequestDone = std::move(onDone);
    child->filters = parent->filters;
    child->variables = parent->variables;
    // A subrequest never reads the connection: its body is all there is.
    child->m_body = std::move(body);
    child->m_bodyState = BodyState::Done;
    return child;
}

} // namespace restyscope::engine::http
