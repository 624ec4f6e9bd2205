#pragma once
// A loopback TCP listener for the net/ tests, run on the test's own io_context: the peer
// side of a TcpStream is a plain blocking socket the test drives step by step, so no case
// depends on a clock but the timeouts it checks.

#include "engine/net/tcpstream.h"

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <chrono>
#include <functional>

namespace restyscope::test {

struct LoopbackPair
{
    explicit LoopbackPair(asio::io_context& io)
        : acceptor(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0))
    {
    }
    asio::ip::tcp::endpoint endpoint() const { return acceptor.local_endpoint(); }
    // The server side of the next connection (the client connected already).
    asio::ip::tcp::socket accept() { return acceptor.accept(); }

    asio::ip::tcp::acceptor acceptor;
};

// Runs io until done() holds; false when limit (which bounds only a failing case) passes.
inline bool runUntil(asio::io_context& io, const std::function<bool()>& done,
                     std::chrono::milliseconds limit = std::chrono::seconds(60))
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        if (io.stopped()) {
            io.restart();
        }
        io.run_one_for(std::chrono::milliseconds(10));
    }
    return true;
}

// A TcpStream connected to pair; server receives the other end.
inline std::unique_ptr<engine::net::TcpStream> connectTo(asio::io_context& io, LoopbackPair& pair,
                                                         asio::ip::tcp::socket& server)
{
    auto stream = std::make_unique<engine::net::TcpStream>(io);
    const std::error_code started = stream->startConnect(pair.endpoint());
    bool connected = !started;
    if (started == asio::error::in_progress) {
        stream->finishConnect(engine::net::kNoTimeout,
                              [&](const std::error_code& ec) { connected = !ec; });
        runUntil(io, [&] { return connected; });
    }
    server = pair.accept();
    return connected ? std::move(stream) : nullptr;
}

} // namespace restyscope::test
