#pragma once
// Design: the Asio side of HTTP. Accepts on one address into one net::TcpStream per
// connection (the plain stream cosockets use too) and moves bytes between it and the
// connection's state machine (connection.h). Writes are attempted at once (non-blocking)
// and finished asynchronously only when the socket is full, as nginx's write path does.
// Engine thread only.

#include "engine/http/connection.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

namespace asio {
class io_context;
}

namespace restyscope::engine::http {

class Session;

class Listener
{
public:
    Listener(asio::io_context& io, RequestHandler& handler, trace::ErrorLog& log);
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    // Binds and starts accepting. On failure returns false with nginx's wording in error,
    // e.g. bind() to 127.0.0.1:80 failed (98: Address already in use).
    bool listen(const std::string& address, std::uint16_t port, std::string& error);
    void setLimits(const ConnectionLimits& limits) { m_limits = limits; }
    void setRequestConfigurer(std::function<void(HttpRequest&)> configurer)
    {
        m_configure = std::move(configurer);
    }
    // Stops accepting and closes every connection.
    void stop();
    // Closes the listening socket (new connections are refused) and keeps serving the
    // open ones; resumeAccepting binds the same address and port again (false with
    // nginx's wording when it was taken meanwhile).
    void stopAccepting();
    bool resumeAccepting(std::string& error);
    bool accepting() const { return m_accepting; }

    std::uint16_t port() const { return m_port; }
    const std::string& address() const { return m_address; }
    std::size_t connectionCount() const { return m_sessionRefs.size(); }

private:
    friend class Session;
    struct Acceptor;

    void accept();
    void sessionClosed(Session* session);

    asio::io_context& m_io;
    RequestHandler& m_handler;
    trace::ErrorLog& m_log;
    ConnectionLimits m_limits;
    std::function<void(HttpRequest&)> m_configure;
    std::unique_ptr<Acceptor> m_acceptor;
    std::unordered_map<Session*, std::shared_ptr<Session>> m_sessionRefs;
    std::string m_address;
    std::uint16_t m_port = 0;
    bool m_stopped = false;
    bool m_accepting = false;
};

// nginx's "*N": connection serials are shared by every listener of the engine.
std::uint64_t nextConnectionSerial();

} // namespace restyscope::engine::http
