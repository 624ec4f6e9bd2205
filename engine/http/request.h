#pragma once
// Design: what nginx keeps in ngx_http_request_t's headers_in plus the parsed request line,
// as plain values. Handlers read it; only the connection writes it while parsing.

#include "engine/conf/values.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace restyscope::engine::conf {
struct ServerConfig;
struct LocationConfig;
} // namespace restyscope::engine::conf

namespace restyscope::engine::http {

struct HeaderField
{
    std::string name;
    std::string value;
};

// Engine-wide request ids (requests and timers' fake requests share them). Engine thread.
std::uint64_t allocateRequestId();

// Case-insensitive ASCII comparison, as nginx compares header names.
using conf::equalsIgnoreCase;

struct Request
{
    std::uint64_t id = 0;         // engine-wide, increasing
    std::uint64_t connection = 0; // nginx's "*N" serial of the connection
    std::string method;           // "GET"
    int httpMajor = 1;
    int httpMinor = 1;
    std::string protocol;    // the version as sent ("HTTP/1.01"); empty: from the numbers
    std::string requestLine; // "GET /a?b HTTP/1.1" ($request)
    std::string requestUri;  // raw URI as sent ($request_uri)
    std::string uri;         // decoded, normalised path ($uri)
    std::string args;        // raw query string ($args)
    std::vector<HeaderField> headers;
    std::string host; // $host: Host header without port, lowercased
    std::int64_t contentLength = -1;
    bool chunked = false;
    bool keepAlive = false;
    bool headOnly = false;
    std::string remoteAddr;
    std::uint16_t remotePort = 0;
    std::string serverAddr;
    std::uint16_t serverPort = 0;
    std::chrono::steady_clock::time_point startTime;
    std::chrono::system_clock::time_point startWallTime;
    int internalRedirects = 0;
    std::uint64_t parentId = 0; // a subrequest's parent request (0: a client's request)

    const conf::ServerConfig* server = nullptr;
    const conf::LocationConfig* location = nullptr;
    std::vector<std::string> captures; // $0..$9 of the matched regex location
    std::vector<std::pair<std::string, std::string>> namedCaptures;

    const std::string* header(std::string_view name) const;
    std::string httpVersionText() const; // "HTTP/1.1", or as sent ($server_protocol)
    bool isHttp11OrLater() const { return httpMajor > 1 || (httpMajor == 1 && httpMinor >= 1); }
};

} // namespace restyscope::engine::http
