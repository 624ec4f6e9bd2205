#pragma once
// Design: the plain stream: a non-blocking stream socket, TCP or unix-domain (one generic
// socket type, as nginx keeps both in one ngx_connection_t). The listener accepts into it
// (an accepted ip::tcp socket moves in without a syscall) and drives it with the untimed
// calls below, which are Asio's own (no type erasure, no timer: the connection's state
// machine keeps its deadline in one timer of its own). Cosockets connect it and use the
// Stream calls with their timeouts; the timers those need are made on first use. Not
// movable: pending calls refer to it. Engine thread only.

#include "engine/net/stream.h"

#include <asio/generic/stream_protocol.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <memory>

namespace restyscope::engine::net {

using Endpoint = asio::generic::stream_protocol::endpoint;

class TcpStream final : public Stream
{
public:
    using Socket = asio::generic::stream_protocol::socket;

    explicit TcpStream(asio::io_context& io);
    // An accepted connection; made non-blocking (as every socket of the engine).
    explicit TcpStream(asio::ip::tcp::socket&& accepted);
    ~TcpStream() override;

    // Opens a socket for endpoint and starts a non-blocking connect: no error when it is
    // connected at once, asio::error::in_progress when finishConnect must wait, else the
    // system error of socket() or connect().
    std::error_code startConnect(const Endpoint& endpoint);
    // Waits for a started connect: its outcome (SO_ERROR), timedOut(), or operation_aborted
    // (cancelled, closed, or the wait failed).
    void finishConnect(Timeout timeout, WaitHandler handler);

    // The addresses of a TCP connection.
    asio::ip::tcp::endpoint remoteEndpoint(std::error_code& ec) const;
    asio::ip::tcp::endpoint localEndpoint(std::error_code& ec) const;
    void setNoDelay(std::error_code& ec);

    // Untimed and not type-erased, for a caller that keeps its own deadline (the listener).
    template <typename Handler> void startReadSome(asio::mutable_buffer buffer, Handler&& handler)
    {
        m_socket.async_read_some(buffer, std::forward<Handler>(handler));
    }
    template <typename Handler> void startWait(Wait what, Handler&& handler)
    {
        m_socket.async_wait(what == Wait::Read ? Socket::wait_read : Socket::wait_write,
                            std::forward<Handler>(handler));
    }

    // Stream
    std::size_t readSome(char* data, std::size_t size, std::error_code& ec) override;
    std::size_t writeSome(const char* data, std::size_t size, std::error_code& ec) override;
    void asyncReadSome(char* data, std::size_t size, Timeout timeout, IoHandler handler) override;
    void asyncWrite(const char* data, std::size_t size, Timeout timeout,
                    IoHandler handler) override;
    void asyncWait(Wait what, Timeout timeout, WaitHandler handler) override;
    Peek peek() override;
    void shutdownSend(std::error_code& ec) override;
    void cancel() override;
    void close() override;
    bool isOpen() const override { return m_socket.is_open(); }
    int nativeHandle() override { return m_socket.native_handle(); }

private:
    struct Timed;
    struct Op;
    Timed& timed();
    void arm(const std::shared_ptr<Op>& op);
    void waitThenRead(char* data, std::size_t size, const std::shared_ptr<Op>& op);
    void waitThenWrite(const char* data, std::size_t size, const std::shared_ptr<Op>& op);

    Socket m_socket;
    std::shared_ptr<Timed> m_timed; // the timers of the timed calls, made on first use
};

} // namespace restyscope::engine::net
