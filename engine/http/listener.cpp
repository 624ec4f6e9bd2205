#include "engine/http/listener.h"

#include "engine/net/tcpstream.h"
#include "engine/trace/errorlog.h"

#include <asio.hpp>

#include <array>

namespace restyscope::engine::http {

namespace {

constexpr std::size_t kReadBufferSize = 16 * 1024;
// How long a closing connection keeps draining what the client still sends, so the
// response is not lost to a reset (nginx's lingering_timeout).
constexpr auto kLingeringTimeout = std::chrono::seconds(5);

} // namespace

std::uint64_t nextConnectionSerial()
{
    static std::uint64_t serial = 0; // engine thread only
    return ++serial;
}

struct Listener::Acceptor
{
    explicit Acceptor(asio::io_context& io) : acceptor(io), retryTimer(io) {}
    asio::ip::tcp::acceptor acceptor;
    asio::steady_timer retryTimer;
};

// One client connection: the stream, its timer, and the state machine.
class Session final : public ConnectionTransport, public std::enable_shared_from_this<Session>
{
public:
    Session(Listener& owner, asio::ip::tcp::socket socket)
        : m_owner(owner), m_stream(std::move(socket)), m_timer(owner.m_io),
          m_connection(nextConnectionSerial(), *this, owner.m_handler, owner.m_log)
    {
    }

    void start()
    {
        std::error_code ec;
        m_stream.setNoDelay(ec);
        const auto remote = m_stream.remoteEndpoint(ec);
        const auto local = m_stream.localEndpoint(ec);
        m_connection.setLimits(m_owner.m_limits);
        m_connection.setRequestConfigurer(m_owner.m_configure);
        m_connection.setAddresses(remote.address().to_string(), remote.port(),
                                  local.address().to_string(), local.port());
        service();
    }

    // Closes at once, dropping pending output (engine stop).
    void abort()
    {
        if (m_dead) {
            return;
        }
        m_dead = true;
        m_timer.cancel();
        m_stream.close();
        m_connection.detach();
    }

    void wake() override
    {
        if (m_inCallback) {
            m_needService = true;
            return;
        }
        if (m_servicePosted || m_dead) {
            return;
        }
        m_servicePosted = true;
        asio::post(m_owner.m_io, [self = shared_from_this()] {
            self->m_servicePosted = false;
            self->service();
        });
    }

private:
    // Runs a connection call and then does whatever it asked for (write, timer, close).
    template <typename F> void call(F&& f)
    {
        m_inCallback = true;
        f();
        m_inCallback = false;
        service();
    }

    void service()
    {
        m_needService = false;
        if (m_dead) {
            return;
        }
        flush();
        if (m_dead) {
            return;
        }
        if (m_connection.wantsClose()) {
            beginClose();
            return;
        }
        armTimer();
        if (!m_reading && !m_connection.closed() && !m_closing) {
            read();
        }
    }

    void flush()
    {
        std::string& out = m_connection.output();
        if (out.empty() || m_writing) {
            return;
        }
        std::error_code ec;
        const std::size_t written = m_stream.writeSome(out.data(), out.size(), ec);
        if (!ec) {
            m_connection.consumeOutput(written);
            if (out.empty()) {
                return;
            }
        } else if (ec != asio::error::would_block && ec != asio::error::try_again) {
            fail();
            return;
        }
        // The socket is full: wait until it drains.
        m_writing = true;
        m_stream.startWait(net::Wait::Write,
                           [self = shared_from_this()](const std::error_code& error) {
                               self->m_writing = false;
                               if (error) {
                                   self->fail();
                                   return;
                               }
                               self->service();
                           });
    }

    void read()
    {
        m_reading = true;
        m_stream.startReadSome(
            asio::buffer(m_buffer),
            [self = shared_from_this()](const std::error_code& error, std::size_t n) {
                self->m_reading = false;
                if (self->m_dead) {
                    return;
                }
                if (self->m_closing) {
                    // Began before the close: it drains as linger() would. (A second read
                    // beside it may never complete: the end of input comes as one edge.)
                    error ? self->fail() : self->linger();
                    return;
                }
                if (error) {
                    self->call([&] { self->m_connection.onPeerClosed(); });
                    return;
                }
                self->call([&] { self->m_connection.onData(self->m_buffer.data(), n); });
            });
    }

    void armTimer()
    {
        const auto deadline = m_connection.deadline();
        if (deadline == std::chrono::steady_clock::time_point{}) {
            return; // an armed timer finds no deadline when it fires and does nothing
        }
        if (m_timerArmed && m_timerDeadline <= deadline) {
            return; // fires earlier and re-arms then: no syscall per request
        }
        m_timerArmed = true;
        m_timerDeadline = deadline;
        m_timer.expires_at(deadline);
        m_timer.async_wait([self = shared_from_this()](const std::error_code& error) {
            if (error || self->m_dead) {
                return;
            }
            self->m_timerArmed = false;
            const auto now = std::chrono::steady_clock::now();
            const auto current = self->m_connection.deadline();
            if (current == std::chrono::steady_clock::time_point{}) {
                return;
            }
            if (current > now) {
                self->armTimer();
                return;
            }
            self->call([&] { self->m_connection.onTimeout(); });
        });
    }

    void beginClose()
    {
        if (m_closing) {
            return;
        }
        m_closing = true;
        std::error_code ec;
        m_stream.shutdownSend(ec);
        m_connection.detach();
        if (ec) {
            fail();
            return;
        }
        // Drain until the client closes or the lingering time runs out.
        m_timer.cancel();
        m_timer.expires_after(kLingeringTimeout);
        m_timer.async_wait([self = shared_from_this()](const std::error_code& error) {
            if (!error) {
                self->fail();
            }
        });
        if (!m_reading) {
            linger();
        }
    }

    void linger()
    {
        m_stream.startReadSome(
            asio::buffer(m_buffer),
            [self = shared_from_this()](const std::error_code& error, std::size_t) {
                if (self->m_dead) {
                    return;
                }
                if (error) {
                    self->fail();
                    return;
                }
                self->linger();
            });
    }

    void fail()
    {
        if (m_dead) {
            return;
        }
        abort();
        m_owner.sessionClosed(this);
    }

    Listener& m_owner;
    net::TcpStream m_stream;
    asio::steady_timer m_timer;
    Connection m_connection;
    std::array<char, kReadBufferSize> m_buffer{};
    std::chrono::steady_clock::time_point m_timerDeadline{};
    bool m_timerArmed = false;
    bool m_reading = false;
    bool m_writing = false;
    bool m_closing = false;
    bool m_dead = false;
    bool m_inCallback = false;
    bool m_needService = false;
    bool m_servicePosted = false;
};

Listener::Listener(asio::io_context& io, RequestHandler& handler, trace::ErrorLog& log)
    : m_io(io), m_handler(handler), m_log(log), m_acceptor(std::make_unique<Acceptor>(io))
{
}

Listener::~Listener()
{
    stop();
}

bool Listener::listen(const std::string& address, std::uint16_t port, std::string& error)
{
    std::error_code ec;
    const auto ip = asio::ip::make_address(address, ec);
    if (ec) {
        error = "invalid listen address \"" + address + "\"";
        return false;
    }
    const asio::ip::tcp::endpoint endpoint(ip, port);
    auto& acceptor = m_acceptor->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        acceptor.set_option(asio::socket_base::reuse_address(true), ec);
        acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        acceptor.listen(511, ec); // nginx's default backlog
    }
    if (ec) {
        error = "bind() to " + address + ":" + std::to_string(port) + " failed (" +
                std::to_string(ec.value()) + ": " + ec.message() + ")";
        acceptor.close(ec);
        return false;
    }
    m_address = address;
    m_port = acceptor.local_endpoint(ec).port();
    m_stopped = false;
    m_accepting = true;
    accept();
    return true;
}

void Listener::stopAccepting()
{
    std::error_code ec;
    m_acceptor->acceptor.close(ec); // the pending accept ends with operation_aborted
    m_acceptor->retryTimer.cancel();
    m_accepting = false;
}

bool Listener::resumeAccepting(std::string& error)
{
    return m_accepting || listen(m_address, m_port, error);
}

void Listener::accept()
{
    m_acceptor->acceptor.async_accept(
        [this](const std::error_code& error, asio::ip::tcp::socket socket) {
            if (m_stopped) {
                return;
            }
            if (error) {
                if (error == asio::error::operation_aborted) {
                    return;
                }
                // Out of descriptors and the like: say so, and try again shortly.
                m_log.write(trace::LogLevel::Alert, 0,
                            "accept() failed (" + std::to_string(error.value()) + ": " +
                                error.message() + ")");
                m_acceptor->retryTimer.expires_after(std::chrono::milliseconds(100));
                m_acceptor->retryTimer.async_wait([this](const std::error_code& e) {
                    if (!e && !m_stopped) {
                        accept();
                    }
                });
                return;
            }
            auto session = std::make_shared<Session>(*this, std::move(socket));
            // Owned here until it closes; its pending handlers hold it alive a little longer.
            m_sessionRefs.emplace(session.get(), session);
            session->start();
            accept();
        });
}

void Listener::sessionClosed(Session* session)
{
    // Release the owning reference after the current handler unwinds.
    auto it = m_sessionRefs.find(session);
    if (it != m_sessionRefs.end()) {
        auto ref = std::move(it->second);
        m_sessionRefs.erase(it);
        asio::post(m_io, [ref = std::move(ref)] {});
    }
}

void Listener::stop()
{
    m_stopped = true;
    m_accepting = false;
    std::error_code ec;
    m_acceptor->acceptor.close(ec);
    m_acceptor->retryTimer.cancel();
    auto refs = std::move(m_sessionRefs);
    m_sessionRefs.clear();
    for (auto& [raw, session] : refs) {
        session->abort();
    }
}

} // namespace restyscope::engine::http
