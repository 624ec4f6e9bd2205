#pragma once
// Design: one client connection as a state machine with no I/O of its own (the listener,
// or a test, moves the bytes). It parses requests one at a time with http-parser, enforces
// nginx's limits, hands each complete header to the RequestHandler, reads or discards the
// body when the handler asks, and serialises the response. Pipelined input waits in the
// input buffer until the previous request is finalized, as in nginx.

#include "engine/http/chunked.h"
#include "engine/http/filters.h"
#include "engine/http/request.h"
#include "engine/http/requesthead.h"
#include "engine/http/response.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace restyscope::engine::trace {
class ErrorLog;
}

namespace restyscope::engine::http {

class Connection;
class HttpRequest;
class VariableRegistry;

// The phase runner. Called on the engine thread when a request header is complete.
class RequestHandler
{
public:
    virtual ~RequestHandler() = default;
    // The handler finalizes the request now or later (HttpRequest::finalize).
    virtual void handleRequest(const std::shared_ptr<HttpRequest>& request) = 0;
};

// What the connection needs from whoever owns the socket.
class ConnectionTransport
{
public:
    virtual ~ConnectionTransport() = default;
    // Output was queued, the deadline moved or the connection wants to close: look again.
    virtual void wake() = 0;
};

struct ConnectionLimits
{
    std::size_t clientHeaderBufferSize = 1024;
    std::size_t largeHeaderBufferSize = 8192;
    std::size_t largeHeaderBuffers = 4;
    std::chrono::milliseconds headerTimeout{60000};
    std::chrono::milliseconds keepaliveTimeout{75000};
};

// A subrequest's response, kept instead of sent (lua-nginx-module's capture filters).
struct CapturedResponse
{
    bool headerSent = false;
    bool lastSeen = false; // the last buffer came: the body is not truncated
    std::string body;
    int finalizeRc = 0; // what the subrequest was finalized with
};

// Per-request state handed to handlers (nginx's ngx_http_request_t, minus the parsing).
// Shared so a parked handler can outlive its connection; it then sees connectionClosed().
class HttpRequest : public std::enable_shared_from_this<HttpRequest>
{
public:
    Request request;
    ResponseHeaders headersOut;
    ResponseOptions responseOptions;
    std::uint64_t clientMaxBodySize = 1024 * 1024;
    std::chrono::milliseconds bodyTimeout{60000};
    std::chrono::milliseconds keepaliveTimeout{75000}; // of the location; 0: no keep-alive

    bool connectionClosed() const { return !m_capture && m_connection == nullptr; }
    bool headerSent() const
    {
        return m_capture ? m_capture->headerSent : m_writer && m_writer->headerSent();
    }
    // Whether body bytes went into the output chain (what ngx.flush looks at).
    bool bodyDataSent() const;
    bool finalized() const { return m_finalized; }
    const ResponseWriter* writer() const { return m_writer.get(); }

    // ngx_http_send_header. Returns false when the connection is gone.
    bool sendHeader();
    // ngx_http_output_filter with one buffer. Sends the header first if needed.
    bool output(std::string_view data, bool flush = false, bool last = false);
    // ngx_http_finalize_request: rc is a status (>= 300 sends nginx's page when no header
    // went out yet), kNgxOk (sends the last buffer), kNgxError/444/408/499 (close), or
    // kNgxDone (the handler already finished the response).
    void finalize(int rc);
    // Starts reading the body; done() runs once it is complete (body() holds it) or with an
    // error status (413, 400, 408) that the handler should finalize with.
    void readBody(std::function<void(int status)> done);
    // Discards the body (ngx_http_discard_request_body): what is already here is read at
    // once; returns 0, or the status a broken body gets (400, 413).
    int discardBody();
    bool bodyComplete() const { return m_bodyState == BodyState::Done; }
    const std::string& body() const { return m_body; }
    // Whether response bytes still wait to go into the socket.
    bool outputPending() const;
    // Runs done(true) once every queued response byte went into the socket, or done(false)
    // when the connection goes away first (ngx.flush(true)).
    void whenDrained(std::function<void(bool)> done);
    // Called when the client goes away while the request is not finalized.
    void setAbortHandler(std::function<void()> handler) { m_onAbort = std::move(handler); }
    // Runs once when the request is finalized (ngx_http_cleanup_add).
    void addCleanup(std::function<void()> cleanup) { m_cleanups.push_back(std::move(cleanup)); }

    // Per-request module contexts (nginx's r->ctx): one value per key, the key being the
    // module (or the layer) that owns it. Owned here until the request ends.
    template <typename T> T* ctx(const void* key) const
    {
        for (const auto& [owner, value] : m_ctx) {
            if (owner == key) {
                return static_cast<T*>(value.get());
            }
        }
        return nullptr;
    }
    template <typename T> std::shared_ptr<T> sharedCtx(const void* key) const
    {
        for (const auto& [owner, value] : m_ctx) {
            if (owner == key) {
                return std::static_pointer_cast<T>(value);
            }
        }
        return nullptr;
    }
    // Sets (or with null, drops) key's context.
    void setCtx(const void* key, std::shared_ptr<void> value);

    // The output filter chains the response passes (set by the phase engine; without
    // them the writer gets the response directly) and the variables it reads.
    const FilterChains* filters = nullptr;
    const VariableRegistry* variables = nullptr;
    bool argsSetEmpty = false;   // $args was set to "" (found) rather than left empty
    std::string limitRate = "0"; // $limit_rate as last set
    // The phase engine's place in its handler table (ngx_http_request_t's phase_handler)
    // and the location's content handler found by find-config (r->content_handler).
    std::size_t phaseHandler = 0;
    const void* contentHandler = nullptr;
    bool uriChanged = false; // a rewrite changed the URI: find-config runs again

    // The end of the header chain: the header goes to the capture or is serialised.
    int headerWriteFilter();
    // The end of the body chain: the buffer goes to the capture or the writer.
    int bodyWriteFilter(BodyBuffer buffer);

    // ngx_http_subrequest: a child of parent on the same connection whose response is
    // captured, not sent; body is its request body (the body option or the forwarded one).
    // onDone runs once it is finalized (ngx_http_post_subrequest_t).
    static std::shared_ptr<HttpRequest> makeSubrequest(const std::shared_ptr<HttpRequest>& parent,
                                                       std::string body,
                                                       std::function<void()> onDone);
    bool isSubrequest() const { return m_capture != nullptr; }
    std::shared_ptr<HttpRequest> parentRequest() const { return m_parent.lock(); }
    const CapturedResponse* captured() const { return m_capture.get(); }

private:
    friend class Connection;
    enum class BodyState { Unread, Reading, Discarding, Done };

    enum class SpecialPage { None, Html, Empty };

    void startBody();
    void finishSubrequest(int rc);
    void runHeaderFilters();

    Connection* m_connection = nullptr;
    std::unique_ptr<ResponseWriter> m_writer;
    bool m_continueSent = false;
    int m_bodyError = 0; // set when the body turned out broken (400, 413)
    bool m_finalized = false;
    bool m_keepAlive = false;
    BodyState m_bodyState = BodyState::Unread;
    std::uint64_t m_bodyReceived = 0;
    std::string m_body;
    std::function<void(int)> m_bodyDone;
    std::function<void()> m_onAbort;
    std::vector<std::function<void()>> m_cleanups;
    std::function<void(bool)> m_drained;
    std::unique_ptr<CapturedResponse> m_capture; // set for a subrequest
    std::weak_ptr<HttpRequest> m_parent;
    std::function<void()> m_subrequestDone;
    bool m_inHeaderFilter = false;
    SpecialPage m_specialPage = SpecialPage::None; // an error page is going out
    std::vector<std::pair<const void*, std::shared_ptr<void>>> m_ctx;
};

class Connection
{
public:
    Connection(std::uint64_t serial, ConnectionTransport& transport, RequestHandler& handler,
               trace::ErrorLog& log);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void setAddresses(std::string remoteAddr, std::uint16_t remotePort, std::string localAddr,
                      std::uint16_t localPort);
    void setLimits(const ConnectionLimits& limits);
    // Supplies per-request defaults (server, limits) once the header is parsed.
    void setRequestConfigurer(std::function<void(HttpRequest&)> configurer)
    {
        m_configure = std::move(configurer);
    }

    // Bytes from the socket.
    void onData(const char* data, std::size_t size);
    // The peer closed its side (read returned 0) or the socket failed.
    void onPeerClosed();
    // The deadline passed.
    void onTimeout();

    std::string& output() { return m_out; }
    void consumeOutput(std::size_t n);
    bool wantsClose() const { return m_closing && m_out.empty(); }
    bool closed() const { return m_closed; }
    // Zero when no timer is armed.
    std::chrono::steady_clock::time_point deadline() const { return m_deadline; }
    std::uint64_t serial() const { return m_serial; }
    std::uint64_t requestsServed() const { return m_requests; }
    // Called by the transport when the socket is gone for good.
    void detach();

private:
    friend class HttpRequest;
    enum class State { ReadingHeader, Processing, Closing };
    struct Parser;

    void parse();
    void startRequest();
    void finishRequest(HttpRequest& request, int rc);
    void sendSpecialResponse(HttpRequest& request, int status);
    void requestDone(HttpRequest& request);
    void failHeader(int status, std::string_view logMessage);
    std::string headContext() const;
    std::string currentLineHead() const;
    void closeNow();
    void armDeadline(std::chrono::milliseconds after);
    bool feedHead(std::string_view bytes);
    void startHttp09();
    void resetHead();
    void feedBody();
    void onBodyData(const char* data, std::size_t size);
    void bodyFinished(int status);

    std::uint64_t m_serial;
    ConnectionTransport& m_transport;
    RequestHandler& m_handler;
    trace::ErrorLog& m_log;
    ConnectionLimits m_limits;
    std::function<void(HttpRequest&)> m_configure;
    std::unique_ptr<Parser> m_parser;
    RequestLine m_requestLine;
    bool m_haveRequestLine = false;
    bool m_headStarted = false; // a byte of the next request arrived
    HeaderBuffers m_headerBuffers{1024, 4, 8192};
    std::string m_fed;       // one line rewritten for http-parser
    ChunkedParser m_chunked; // a chunked body is decoded with nginx's rules
    std::string m_in;
    std::size_t m_inPos = 0;
    std::string m_out;
    State m_state = State::ReadingHeader;
    bool m_closing = false;
    bool m_closed = false;
    bool m_peerClosed = false;
    bool m_bodyBroken = false; // the body was cut short: no keep-alive after this request
    int m_bodyError = 0;       // set by the body callback, acted on after the parser returns
    std::shared_ptr<HttpRequest> m_current;
    std::chrono::steady_clock::time_point m_deadline{};
    std::uint64_t m_requests = 0;
    std::string m_remoteAddr;
    std::uint16_t m_remotePort = 0;
    std::string m_localAddr;
    std::uint16_t m_localPort = 0;
};

} // namespace restyscope::engine::http
