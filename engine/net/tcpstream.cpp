#include "engine/net/tcpstream.h"

#include <asio/steady_timer.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace restyscope::engine::net {

namespace {

std::error_code lastError()
{
    return {errno, std::system_category()};
}

class TimeoutCategory final : public std::error_category
{
public:
    const char* name() const noexcept override { return "restyscope.net"; }
    std::string message(int) const override { return "timeout"; }
};

} // namespace

const std::error_category& timeoutCategory()
{
    static const TimeoutCategory category;
    return category;
}

// One timed call: its handler, what it moved so far, and whether it has ended (the socket
// wait and the timer race to end it; the loser finds it ended and does nothing).
struct TcpStream::Op
{
    Wait direction = Wait::Read;
    Timeout timeout = kNoTimeout;
    IoHandler io;     // asyncReadSome, asyncWrite
    WaitHandler wait; // asyncWait
    std::size_t bytes = 0;
    bool finished = false;
};

// The timers of the timed calls, one per direction, and the call each is armed for. Its
// lifetime is the stream's: a completion that finds it gone finds the stream gone.
struct TcpStream::Timed
{
    explicit Timed(const Socket::executor_type& executor)
        : readTimer(executor), writeTimer(executor)
    {
    }
    asio::steady_timer& timer(Wait direction)
    {
        return direction == Wait::Read ? readTimer : writeTimer;
    }
    std::shared_ptr<Op>& slot(Wait direction) { return direction == Wait::Read ? readOp : writeOp; }

    asio::steady_timer readTimer;
    asio::steady_timer writeTimer;
    std::shared_ptr<Op> readOp;
    std::shared_ptr<Op> writeOp;
};

namespace {

// Ends op: disarms its timer (when still armed for it) and calls its handler last, since
// the handler may destroy the stream. timed: null when the stream is gone.
template <typename Timed, typename Op>
void finishOp(Timed* timed, const std::shared_ptr<Op>& op, const std::error_code& ec)
{
    op->finished = true;
    if (timed && timed->slot(op->direction) == op) {
        timed->slot(op->direction).reset();
        timed->timer(op->direction).cancel();
    }
    if (op->io) {
        auto handler = std::move(op->io);
        handler(ec, op->bytes);
    } else if (op->wait) {
        auto handler = std::move(op->wait);
        handler(ec);
    }
}

} // namespace

TcpStream::TcpStream(asio::io_context& io) : m_socket(io) {}

TcpStream::TcpStream(asio::ip::tcp::socket&& accepted) : m_socket(std::move(accepted))
{
    std::error_code ec;
    m_socket.non_blocking(true, ec);
}

TcpStream::~TcpStream()
{
    std::error_code ec;
    m_socket.close(ec); // pending calls end with operation_aborted (they find m_timed gone)
}

TcpStream::Timed& TcpStream::timed()
{
    if (!m_timed) {
        m_timed = std::make_shared<Timed>(m_socket.get_executor());
    }
    return *m_timed;
}

std::error_code TcpStream::startConnect(const Endpoint& endpoint)
{
    std::error_code ec;
    m_socket.open(endpoint.protocol(), ec);
    if (!ec) {
        m_socket.non_blocking(true, ec);
    }
    if (ec) {
        return ec;
    }
    if (::connect(m_socket.native_handle(), endpoint.data(),
                  static_cast<socklen_t>(endpoint.size())) == 0) {
        return {};
    }
    // A unix socket whose listener's queue is full answers EAGAIN: wait for it as well.
    if (errno == EINPROGRESS || errno == EAGAIN) {
        return asio::error::in_progress;
    }
    return lastError();
}

void TcpStream::finishConnect(Timeout timeout, WaitHandler handler)
{
    asyncWait(
        Wait::Write, timeout, [this, handler = std::move(handler)](const std::error_code& ec) {
            if (ec == timedOut()) {
                handler(ec);
                return;
            }
            if (ec) {
                // The stream may be gone: do not touch it.
                handler(asio::error::operation_aborted);
                return;
            }
            int soError = 0;
            socklen_t len = sizeof(soError);
            ::getsockopt(m_socket.native_handle(), SOL_SOCKET, SO_ERROR, &soError, &len);
            handler(soError ? std::error_code(soError, std::system_category()) : std::error_code());
        });
}

asio::ip::tcp::endpoint TcpStream::remoteEndpoint(std::error_code& ec) const
{
    const Endpoint generic = m_socket.remote_endpoint(ec);
    asio::ip::tcp::endpoint endpoint;
    if (!ec && generic.size() <= endpoint.capacity()) {
        std::memcpy(endpoint.data(), generic.data(), generic.size());
        endpoint.resize(generic.size());
    }
    return endpoint;
}

asio::ip::tcp::endpoint TcpStream::localEndpoint(std::error_code& ec) const
{
    const Endpoint generic = m_socket.local_endpoint(ec);
    asio::ip::tcp::endpoint endpoint;
    if (!ec && generic.size() <= endpoint.capacity()) {
        std::memcpy(endpoint.data(), generic.data(), generic.size());
        endpoint.resize(generic.size());
    }
    return endpoint;
}

void TcpStream::setNoDelay(std::error_code& ec)
{
    m_socket.set_option(asio::ip::tcp::no_delay(true), ec);
}

std::size_t TcpStream::readSome(char* data, std::size_t size, std::error_code& ec)
{
    for (;;) {
        const ssize_t n = ::recv(m_socket.native_handle(), data, size, MSG_DONTWAIT);
        if (n > 0) {
            ec.clear();
            return static_cast<std::size_t>(n);
        }
        if (n == 0) {
            ec = asio::error::eof;
            return 0;
        }
        if (errno != EINTR) {
            ec = errno == EWOULDBLOCK ? make_error_code(asio::error::would_block) : lastError();
            return 0;
        }
    }
}

std::size_t TcpStream::writeSome(const char* data, std::size_t size, std::error_code& ec)
{
    for (;;) {
        const ssize_t n = ::send(m_socket.native_handle(), data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) {
            ec.clear();
            return static_cast<std::size_t>(n);
        }
        if (errno != EINTR) {
            ec = errno == EWOULDBLOCK ? make_error_code(asio::error::would_block) : lastError();
            return 0;
        }
    }
}

// (Re)starts the timer of op's direction for op; kNoTimeout disarms it.
void TcpStream::arm(const std::shared_ptr<Op>& op)
{
    Timed& t = timed();
    t.slot(op->direction) = op;
    asio::steady_timer& timer = t.timer(op->direction);
    if (op->timeout == kNoTimeout) {
        timer.cancel();
        return;
    }
    timer.expires_after(op->timeout);
    timer.async_wait([alive = std::weak_ptr(m_timed), op](const std::error_code& ec) {
        auto t = alive.lock();
        if (ec || !t || op->finished) {
            return;
        }
        // The wait stays queued on the socket; it finds op finished when it completes.
        finishOp(t.get(), op, timedOut());
    });
}

void TcpStream::asyncReadSome(char* data, std::size_t size, Timeout timeout, IoHandler handler)
{
    auto op = std::make_shared<Op>();
    op->direction = Wait::Read;
    op->timeout = timeout;
    op->io = std::move(handler);
    arm(op);
    waitThenRead(data, size, op);
}

void TcpStream::waitThenRead(char* data, std::size_t size, const std::shared_ptr<Op>& op)
{
    // Readiness, then the read: a read that finds nothing (a spurious wake) waits again
    // without re-arming the timer, so only bytes that arrive extend the timeout.
    m_socket.async_wait(Socket::wait_read, [this, alive = std::weak_ptr(m_timed), data, size,
                                            op](const std::error_code& ec) {
        if (op->finished) {
            return;
        }
        auto t = alive.lock();
        if (!t) {
            finishOp<Timed>(nullptr, op, asio::error::operation_aborted);
            return;
        }
        if (ec) {
            finishOp(t.get(), op, ec);
            return;
        }
        std::error_code readError;
        op->bytes = readSome(data, size, readError);
        if (readError == asio::error::would_block) {
            waitThenRead(data, size, op);
            return;
        }
        finishOp(t.get(), op, readError);
    });
}

void TcpStream::asyncWrite(const char* data, std::size_t size, Timeout timeout, IoHandler handler)
{
    auto op = std::make_shared<Op>();
    op->direction = Wait::Write;
    op->timeout = timeout;
    op->io = std::move(handler);
    arm(op);
    waitThenWrite(data, size, op);
}

void TcpStream::waitThenWrite(const char* data, std::size_t size, const std::shared_ptr<Op>& op)
{
    m_socket.async_wait(Socket::wait_write, [this, alive = std::weak_ptr(m_timed), data, size,
                                             op](const std::error_code& ec) {
        if (op->finished) {
            return;
        }
        auto t = alive.lock();
        if (!t || ec == asio::error::operation_aborted) {
            finishOp(t.get(), op, asio::error::operation_aborted);
            return;
        }
        // Any other wait error is the write's to report.
        bool progressed = false;
        while (op->bytes < size) {
            std::error_code writeError;
            const std::size_t n = writeSome(data + op->bytes, size - op->bytes, writeError);
            if (!writeError) {
                op->bytes += n;
                progressed = progressed || n > 0;
                continue;
            }
            if (writeError == asio::error::would_block) {
                if (progressed) {
                    arm(op);
                }
                waitThenWrite(data, size, op);
                return;
            }
            finishOp(t.get(), op, writeError);
            return;
        }
        finishOp(t.get(), op, std::error_code());
    });
}

void TcpStream::asyncWait(Wait what, Timeout timeout, WaitHandler handler)
{
    auto op = std::make_shared<Op>();
    op->direction = what;
    op->timeout = timeout;
    op->wait = std::move(handler);
    arm(op);
    m_socket.async_wait(what == Wait::Read ? Socket::wait_read : Socket::wait_write,
                        [alive = std::weak_ptr(m_timed), op](const std::error_code& ec) {
                            if (op->finished) {
                                return;
                            }
                            auto t = alive.lock();
                            finishOp(t.get(), op, t ? ec : asio::error::operation_aborted);
                        });
}

Peek TcpStream::peek()
{
    char byte = 0;
    const ssize_t n = ::recv(m_socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) {
        return Peek::Data;
    }
    if (n == 0) {
        return Peek::Closed;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? Peek::Quiet : Peek::Error;
}

void TcpStream::shutdownSend(std::error_code& ec)
{
    m_socket.shutdown(Socket::shutdown_send, ec);
}

void TcpStream::cancel()
{
    // The timers first: a timeout must not end a call that cancel() ends (aborted).
    if (m_timed) {
        m_timed->readTimer.cancel();
        m_timed->writeTimer.cancel();
    }
    std::error_code ec;
    m_socket.cancel(ec);
}

void TcpStream::close()
{
    if (m_timed) {
        m_timed->readTimer.cancel();
        m_timed->writeTimer.cancel();
    }
    std::error_code ec;
    m_socket.close(ec);
}

} // namespace restyscope::engine::net
