#pragma once
// Design: nginx's own rules for a request head, applied line by line before http-parser
// sees the bytes. http-parser stays the parser (framing, lengths, chunked bodies,
// keep-alive); this layer makes it accept and refuse what nginx accepts and refuses:
// any [A-Z_] method, HTTP/0.9 lines, 505 for HTTP/2+, 405 for TRACE/CONNECT, header names
// with invalid characters ignored or refused, lines without a colon kept, the header
// buffer limits of client_header_buffer_size + large_client_header_buffers, and the Host
// checks of ngx_http_validate_host.

#include <cstddef>
#include <string>
#include <string_view>

namespace restyscope::engine::http {

struct RequestLine
{
    std::string method; // as sent ("FOO")
    std::string target; // as sent
    int httpMajor = 0;  // 0.9 when there is no version
    int httpMinor = 9;
    std::string protocol; // "HTTP/1.01" as sent
    std::string fedLine;  // what http-parser gets (a method it knows, same target/version)
};

// Outcome of one line: feed (fedLine), skip it (ignored header, empty line before the
// request line), or fail with an nginx status and its info-log text.
struct LineVerdict
{
    enum class Kind { Feed, Skip, Fail };
    Kind kind = Kind::Feed;
    int status = 0;
    std::string logText; // "client sent invalid request"
    static LineVerdict feed() { return {}; }
    static LineVerdict skip() { return {Kind::Skip, 0, {}}; }
    static LineVerdict fail(int status, std::string text)
    {
        return {Kind::Fail, status, std::move(text)};
    }
};

// line excludes its CRLF/LF.
LineVerdict checkRequestLine(std::string_view line, RequestLine& out);
// line excludes its CRLF/LF; fedLine gets what http-parser should see (with a colon added
// to a bare name, as nginx keeps such a line as a header with an empty value).
LineVerdict checkHeaderLine(std::string_view line, std::string& fedLine);

// nginx keeps the head in one client_header_buffer_size buffer, then in up to N large
// buffers, each line whole inside one buffer.
class HeaderBuffers
{
public:
    HeaderBuffers(std::size_t clientBufferSize, std::size_t largeBuffers, std::size_t largeSize)
        : m_largeBuffers(largeBuffers), m_largeSize(largeSize), m_capacity(clientBufferSize)
    {
    }
    // A complete line (with its line ending); the status (414/494) when it does not fit.
    int place(std::size_t lineBytes, bool requestLine);
    // A line still arriving: already too long to ever fit?
    int checkPartial(std::size_t bytesSoFar, bool requestLine) const;

private:
    std::size_t m_largeBuffers;
    std::size_t m_largeSize;
    std::size_t m_capacity;
    std::size_t m_used = 0;
    std::size_t m_largeUsed = 0;
};

// Which bytes a host may hold: nginx's request-head check also refuses controls, space and
// DEL; the older copy a module may keep (lua-nginx-module's set_header("Host")) only NUL
// and '/'.
enum class HostBytes { RequestHead, NulAndSlashOnly };

// ngx_http_validate_host: lower-cases, drops the port and a trailing dot; false for an
// invalid host (nginx: 400 "client sent invalid host header").
bool validateHost(std::string_view raw, std::string& host,
                  HostBytes rules = HostBytes::RequestHead);

} // namespace restyscope::engine::http
