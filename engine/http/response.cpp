#include "engine/http/response.h"

#include "engine/http/status.h"

#include <algorithm>
#include <ctime>

namespace restyscope::engine::http {

namespace {

void appendHex(std::string& out, std::size_t value)
{
    char digits[sizeof(std::size_t) * 2];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[value & 0xf];
        value >>= 4;
    } while (value != 0);
    while (n > 0) {
        out.push_back(digits[--n]);
    }
}

bool statusHasNoBody(int status)
{
    return status == 204 || status == 304 || (status >= 100 && status < 200);
}

} // namespace

const std::string& httpDate()
{
    static thread_local std::time_t cachedSecond = 0;
    static thread_local std::string cached;
    const std::time_t now = std::time(nullptr);
    if (now != cachedSecond) {
        std::tm utc{};
        gmtime_r(&now, &utc);
        char text[40];
        std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
        cached = text;
        cachedSecond = now;
    }
    return cached;
}

bool ResponseWriter::sendHeader(const Request& request, ResponseHeaders& headers,
                                const ResponseOptions& options, bool keepAlive)
{
    if (m_headerSent) {
        return m_keepAlive;
    }
    m_headerSent = true;
    m_request = &request;
    m_headers = &headers;
    m_options = options;
    if (headers.status == 0) {
        headers.status = 200;
    }
    m_noBody = request.headOnly || statusHasNoBody(headers.status);
    if (statusHasNoBody(headers.status)) {
        headers.contentLength = -1;
    }
    const bool http11 = request.isHttp11OrLater();
    if (!m_noBody && headers.contentLength < 0) {
        if (http11 && !options.bufferWholeBody) {
            m_chunked = true;
        } else if (!options.bufferWholeBody) {
            keepAlive = false; // HTTP/1.0, length unknown: the close delimits the body
        }
    }
    if (request.httpMajor == 0) {
        // HTTP/0.9: the body alone, delimited by the close.
        m_keepAlive = false;
        m_chunked = false;
        m_headerWritten = true;
        return false;
    }
    m_keepAlive = keepAlive;
    if (!options.bufferWholeBody || m_noBody) {
        writeHeaderBlock(request, headers, options, keepAlive);
    }
    return m_keepAlive;
}

void ResponseWriter::writeHeaderBlock(const Request& request, const ResponseHeaders& headers,
                                      const ResponseOptions& options, bool keepAlive)
{
    m_headerWritten = true;
    std::string& out = m_postponed;
    out.reserve(out.size() + 256);
    out.append("HTTP/1.1 "); // nginx answers every version with an HTTP/1.1 status line
    out.append(statusLine(wireStatus(headers.status))).append("\r\n");
    // A Server/Date/Content-Length line in the list (even a cleared one) replaces nginx's own.
    const auto listed = [&headers](std::string_view name) {
        return std::any_of(headers.headers.begin(), headers.headers.end(),
                           [name](const HeaderField& f) { return equalsIgnoreCase(f.name, name); });
    };
    if (!listed("Server")) {
        out.append("Server: ").append(options.serverToken).append("\r\n");
    }
    if (!listed("Date")) {
        out.append("Date: ").append(httpDate()).append("\r\n");
    }
    const std::string& contentType = headers.contentType.empty() && !headers.contentTypeSet
                                         ? options.defaultType
                                         : headers.contentType;
    if (!statusHasNoBody(headers.status) && !contentType.empty()) {
        out.append("Content-Type: ").append(contentType).append("\r\n");
    }
    if (headers.contentLength >= 0 && !listed("Content-Length")) {
        out.append("Content-Length: ").append(std::to_string(headers.contentLength)).append("\r\n");
    }
    const bool relativeLocation = !headers.location.empty() && headers.location.front() == '/';
    if (relativeLocation) {
        // nginx's absolute_redirect: scheme, the client's host, the port when not 80.
        out.append("Location: http://");
        out.append(request.host.empty() ? request.serverAddr : request.host);
        if (request.serverPort != 80) {
            out.append(":").append(std::to_string(request.serverPort));
        }
        out.append(headers.location).append("\r\n");
    }
    if (m_chunked) {
        out.append("Transfer-Encoding: chunked\r\n");
    }
    out.append(keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
    if (!headers.location.empty() && !relativeLocation) {
        out.append("Location: ").append(headers.location).append("\r\n");
    }
    for (const auto& field : headers.headers) {
        if (field.value.empty()) {
            continue; // cleared (nginx's hash 0)
        }
        out.append(field.name).append(": ").append(field.value).append("\r\n");
    }
    // The debugger's link from a response to its trace: only a client that asks for it (the
    // built-in client) gets the request id, so ordinary responses stay nginx's.
    if (const std::string* trace = request.header("X-Restyscope-Trace"); trace && *trace == "1") {
        out.append("X-Restyscope-Request: ").append(std::to_string(request.id)).append("\r\n");
    }
    out.append("\r\n");
}

void ResponseWriter::sendBody(std::string_view data, bool flush, bool last)
{
    if (m_lastSent) {
        return;
    }
    if (m_options.bufferWholeBody && !m_headerWritten) {
        if (!m_noBody) {
            m_wholeBody.append(data);
            m_bodyBytes += data.size();
        }
        if (!last) {
            return;
        }
        m_headers->contentLength = static_cast<std::int64_t>(m_wholeBody.size());
        writeHeaderBlock(*m_request, *m_headers, m_options, m_keepAlive);
        m_postponed.append(m_wholeBody);
        m_wholeBody.clear();
        m_lastSent = true;
        release();
        return;
    }
    if (!m_noBody && !data.empty()) {
        m_bodyBytes += data.size();
        if (m_chunked) {
            appendHex(m_postponed, data.size());
            m_postponed.append("\r\n").append(data).append("\r\n");
        } else {
            m_postponed.append(data);
        }
    }
    if (last) {
        m_lastSent = true;
        if (m_chunked && !m_noBody) {
            m_postponed.append("0\r\n\r\n");
        }
    }
    if (last || flush || m_postponed.size() >= m_options.postponeOutput) {
        release();
    }
}

void ResponseWriter::release()
{
    if (m_socket.empty()) {
        m_socket.swap(m_postponed);
    } else {
        m_socket.append(m_postponed);
    }
    m_postponed.clear();
}

} // namespace restyscope::engine::http
