#pragma once
// Design: the byte stream under every connection of the engine: the listener's client
// connections, cosockets and (next) upstreams. nginx gives each ngx_connection_t recv/send
// functions that a plain or an SSL connection sets, and read/write events with timers;
// Stream is that seam. Its calls first try what can be done at once (readSome, writeSome
// never block); the async calls wait for readiness on the engine thread's io_context beside
// a timer, so a TLS stream (which may need to write to read) can implement the same calls
// later. Engine thread only.

#include <chrono>
#include <cstddef>
#include <functional>
#include <system_error>

namespace restyscope::engine::net {

// A timeout of an async call. Zero ends the call at the next turn of the loop, as nginx's
// timer of 0 does; kNoTimeout waits without a limit.
using Timeout = std::chrono::milliseconds;
inline constexpr Timeout kNoTimeout = Timeout::max();

// What an async call ends with when its timeout passes. Its own category, so that the
// kernel's ETIMEDOUT (a connect whose SYNs went unanswered) stays a system error.
const std::error_category& timeoutCategory();
inline std::error_code timedOut()
{
    return {1, timeoutCategory()};
}

enum class Wait { Read, Write };

// What an idle connection holds, without taking it (keepalive decisions).
enum class Peek {
    Quiet,  // nothing to read
    Data,   // bytes nobody asked for
    Closed, // the peer closed its side
    Error,  // the probe failed (a reset is reported by the next read)
};

class Stream
{
public:
    // Each async call ends with exactly one call of its handler, on the engine thread:
    // timedOut() when its timeout passes, asio::error::operation_aborted when
    // cancel() or close() (or the stream's destruction) ends it, else the outcome.
    using WaitHandler = std::function<void(const std::error_code&)>;
    using IoHandler = std::function<void(const std::error_code&, std::size_t)>;

    Stream() = default;
    virtual ~Stream() = default;
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    // What the stream takes or has now: bytes moved; 0 with asio::error::would_block when
    // it would block, with asio::error::eof when the peer closed (readSome), or with the
    // system error.
    virtual std::size_t readSome(char* data, std::size_t size, std::error_code& ec) = 0;
    virtual std::size_t writeSome(const char* data, std::size_t size, std::error_code& ec) = 0;

    // Reads at least one byte into data (the caller keeps it until the handler runs). The
    // timeout runs over this call only, so a caller that calls again after bytes arrived
    // re-arms it as nginx re-arms its read timer.
    virtual void asyncReadSome(char* data, std::size_t size, Timeout timeout,
                               IoHandler handler) = 0;
    // Writes all of data (kept by the caller until the handler runs); the handler gets the
    // bytes written. The timeout runs between two writes that make progress (nginx's
    // send_timeout), not over the whole call.
    virtual void asyncWrite(const char* data, std::size_t size, Timeout timeout,
                            IoHandler handler) = 0;
    // Waits until the stream is readable or writable (an idle watch, a connect).
    virtual void asyncWait(Wait what, Timeout timeout, WaitHandler handler) = 0;

    virtual Peek peek() = 0;
    virtual void shutdownSend(std::error_code& ec) = 0;
    // Ends every pending async call (operation_aborted); the connection stays.
    virtual void cancel() = 0;
    virtual void close() = 0;
    virtual bool isOpen() const = 0;
    // The descriptor, for socket options (a TLS stream answers with the one beneath it).
    virtual int nativeHandle() = 0;
};

} // namespace restyscope::engine::net
