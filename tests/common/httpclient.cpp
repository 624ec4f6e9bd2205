#include "tests/common/httpclient.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace restyscope::test {

namespace {

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

} // namespace

std::string HttpResponse::header(const std::string& name) const
{
    const std::string wanted = lower(name);
    for (const auto& [key, value] : headers) {
        if (lower(key) == wanted) {
            return value;
        }
    }
    return {};
}

HttpConnection::~HttpConnection()
{
    close();
}

bool HttpConnection::connect(std::uint16_t port)
{
    close();
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int attempt = 0; attempt < 100; ++attempt) {
        if (::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
            return true;
        }
        ::usleep(20000);
    }
    return false;
}

bool HttpConnection::send(const std::string& bytes)
{
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(m_fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

bool HttpConnection::fill(std::chrono::steady_clock::time_point deadline)
{
    if (m_eof) {
        return false;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
        return false;
    }
    pollfd p{m_fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        return false;
    }
    char chunk[16384];
    const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
        m_eof = true;
        return false;
    }
    m_buffer.append(chunk, static_cast<std::size_t>(n));
    return true;
}

HttpResponse HttpConnection::read(std::chrono::milliseconds timeout, bool headOnly)
{
    HttpResponse response;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t headerEnd;
    while ((headerEnd = m_buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!fill(deadline)) {
            response.closed = m_eof;
            return response;
        }
    }
    const std::string head = m_buffer.substr(0, headerEnd);
    m_buffer.erase(0, headerEnd + 4);
    std::size_t lineEnd = head.find("\r\n");
    response.statusLine = head.substr(0, lineEnd);
    if (response.statusLine.size() >= 12) {
        response.status = std::atoi(response.statusLine.c_str() + 9);
    }
    while (lineEnd != std::string::npos) {
        const std::size_t start = lineEnd + 2;
        lineEnd = head.find("\r\n", start);
        const std::string line =
            head.substr(start, lineEnd == std::string::npos ? std::string::npos : lineEnd - start);
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
            response.headers.emplace_back(line.substr(0, colon),
                                          line.substr(std::min(colon + 2, line.size())));
        }
    }
    const bool noBody =
        headOnly || response.status == 204 || response.status == 304 || response.status / 100 == 1;
    response.chunked = lower(response.header("Transfer-Encoding")) == "chunked";
    const std::string length = response.header("Content-Length");
    if (noBody) {
        // nothing
    } else if (response.chunked) {
        for (;;) {
            std::size_t sizeEnd;
            while ((sizeEnd = m_buffer.find("\r\n")) == std::string::npos) {
                if (!fill(deadline)) {
                    response.closed = true;
                    return response;
                }
            }
            const std::size_t size = std::stoul(m_buffer.substr(0, sizeEnd), nullptr, 16);
            while (m_buffer.size() < sizeEnd + 2 + size + 2) {
                if (!fill(deadline)) {
                    response.closed = true;
                    return response;
                }
            }
            response.body.append(m_buffer, sizeEnd + 2, size);
            m_buffer.erase(0, sizeEnd + 2 + size + 2);
            if (size == 0) {
                break;
            }
        }
    } else if (!length.empty()) {
        const std::size_t size = std::stoul(length);
        while (m_buffer.size() < size) {
            if (!fill(deadline)) {
                break;
            }
        }
        response.body = m_buffer.substr(0, size);
        m_buffer.erase(0, std::min(size, m_buffer.size()));
    } else {
        while (fill(deadline)) {
        }
        response.body = std::move(m_buffer);
        m_buffer.clear();
    }
    if (lower(response.header("Connection")) == "close") {
        while (fill(deadline)) {
        }
        response.closed = m_eof;
    }
    return response;
}

void HttpConnection::close()
{
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
    m_buffer.clear();
    m_eof = false;
}

HttpResponse httpRequest(std::uint16_t port, const std::string& method, const std::string& target,
                         const std::string& body, std::chrono::milliseconds timeout)
{
    HttpConnection connection;
    if (!connection.connect(port)) {
        return {};
    }
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!body.empty() || method == "POST" || method == "PUT") {
        request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    request += "Connection: close\r\n\r\n" + body;
    connection.send(request);
    return connection.read(timeout, method == "HEAD");
}

std::uint16_t freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t len = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &len);
    ::close(fd);
    return ntohs(address.sin_port);
}

} // namespace restyscope::test
