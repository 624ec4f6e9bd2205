#pragma once
// A small blocking HTTP/1.1 client over loopback for tests: sends raw bytes, reads one
// response (Content-Length, chunked, or until close) with a timeout.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace restyscope::test {

struct HttpResponse
{
    int status = 0;         // 0: no response (closed or timed out)
    std::string statusLine; // "HTTP/1.1 200 OK"
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body; // de-chunked
    bool chunked = false;
    bool closed = false; // the server closed after this response
    std::string header(const std::string& name) const;
};

class HttpConnection
{
public:
    HttpConnection() = default;
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    bool connect(std::uint16_t port);
    bool send(const std::string& bytes);
    HttpResponse read(std::chrono::milliseconds timeout = std::chrono::seconds(10),
                      bool headOnly = false);
    void close();

private:
    bool fill(std::chrono::steady_clock::time_point deadline);
    int m_fd = -1;
    std::string m_buffer;
    bool m_eof = false;
};

// One GET (or any method) on a fresh connection.
HttpResponse httpRequest(std::uint16_t port, const std::string& method, const std::string& target,
                         const std::string& body = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A free loopback port (bound once, then released).
std::uint16_t freePort();

} // namespace restyscope::test
