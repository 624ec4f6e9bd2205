#pragma once
// Design: nginx's headers_out and the tail of its output filter chain (header filter,
// chunked filter, write filter with postpone_output) as one small object per request.
// Handlers push body buffers with flush/last flags; the writer frames them and releases
// bytes to the connection's socket buffer when nginx's write filter would.

#include "engine/http/request.h"

#include <cstdint>
#include <string>
#include <vector>

namespace restyscope::engine::http {

struct ResponseHeaders
{
    int status = 0;
    std::string contentType;          // empty: default_type applies
    bool contentTypeSet = false;      // the handler decided it (even empty): no default_type
    std::int64_t contentLength = -1;  // -1: unknown (chunked on HTTP/1.1)
    std::string location;             // headers_out.location; relative ones made absolute
    std::vector<HeaderField> headers; // everything else, in the order set
};

struct ResponseOptions
{
    std::string serverToken; // "restyscope/0.1.0" or "restyscope" (server_tokens off)
    std::string defaultType = "text/plain";
    std::size_t postponeOutput = 1460;
    bool bufferWholeBody = false; // lua_http10_buffering for an HTTP/1.0 client
};

class ResponseWriter
{
public:
    explicit ResponseWriter(std::string& socketBuffer) : m_socket(socketBuffer) {}

    // Serialises the header (held by the write filter like any small output).
    // keepAlive is the connection's decision; it may be turned off here (HTTP/1.0 with no
    // length). Returns the keep-alive decision that went on the wire.
    bool sendHeader(const Request& request, ResponseHeaders& headers,
                    const ResponseOptions& options, bool keepAlive);
    // One body buffer; last ends the body (chunked terminator). Data after last is dropped.
    void sendBody(std::string_view data, bool flush, bool last);

    bool headerSent() const { return m_headerSent; }
    bool lastSent() const { return m_lastSent; }
    std::uint64_t bodyBytesSent() const { return m_bodyBytes; }
    bool hasBodyData() const { return m_bodyBytes > 0; }
    // Bytes the write filter still holds back (below postpone_output, no flush yet).
    std::size_t postponedBytes() const { return m_postponed.size(); }
    void discardPostponed() { m_postponed.clear(); }

private:
    void release();
    void writeHeaderBlock(const Request& request, const ResponseHeaders& headers,
                          const ResponseOptions& options, bool keepAlive);

    std::string& m_socket;
    std::string m_postponed;
    std::string m_wholeBody; // HTTP/1.0 buffering
    const Request* m_request = nullptr;
    ResponseHeaders* m_headers = nullptr;
    ResponseOptions m_options;
    bool m_keepAlive = false;
    bool m_headerSent = false;
    bool m_headerWritten = false;
    bool m_lastSent = false;
    bool m_chunked = false;
    bool m_noBody = false;
    std::uint64_t m_bodyBytes = 0;
};

// "Fri, 27 Nov 2026 10:15:44 GMT", cached per second.
const std::string& httpDate();

} // namespace restyscope::engine::http
