// Design: non-blocking sockets driven by poll() with deadlines, so that every wait is
// bounded, bytes go out exactly as cut, and a close (FIN or RST) is seen as such.

#include "exchange.h"

#include "serverprocess.h"

#include <QHash>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace restyscope::conformance {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kConnectTimeoutMs = 5000;

Clock::time_point after(int ms)
{
    return Clock::now() + std::chrono::milliseconds(ms);
}

int remainingMs(Clock::time_point deadline)
{
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return int(std::max<qint64>(0, left.count()));
}

qint64 sinceMs(Clock::time_point start)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

void sleepMs(int ms)
{
    if (ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
}

QString errnoText(const char* what)
{
    return QLatin1String(what) + QLatin1String(": ") + QString::fromLocal8Bit(std::strerror(errno));
}

class Connection
{
public:
    enum class Fill { Data, Eof, Timeout };

    Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection() { close(); }

    bool open(quint16 port, QString* error)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (m_fd < 0) {
            *error = errnoText("socket");
            return false;
        }
        const int one = 1;
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(port);
        if (::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
            errno != EINPROGRESS) {
            *error = errnoText("connect");
            return false;
        }
        pollfd p{m_fd, POLLOUT, 0};
        if (::poll(&p, 1, kConnectTimeoutMs) != 1) {
            *error = QStringLiteral("connect: timed out");
            return false;
        }
        int soError = 0;
        socklen_t len = sizeof soError;
        ::getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &soError, &len);
        if (soError != 0) {
            errno = soError;
            *error = errnoText("connect");
            return false;
        }
        return true;
    }

    void close()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }

    void shutdownWrite() { ::shutdown(m_fd, SHUT_WR); }

    // Waits up to ms, keeping whatever arrives; true as soon as the server closed.
    bool waitClosed(int ms)
    {
        const auto deadline = after(ms);
        for (;;) {
            const Fill result = fill(deadline);
            if (result == Fill::Eof) {
                return true;
            }
            if (result == Fill::Timeout) {
                return false;
            }
        }
    }

    // Sends everything before the deadline; false (with a note) if the peer refused.
    bool send(const QByteArray& bytes, Clock::time_point deadline, QStringList* notes)
    {
        qsizetype sent = 0;
        while (sent < bytes.size()) {
            const ssize_t n = ::send(m_fd, bytes.constData() + sent, size_t(bytes.size() - sent),
                                     MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                sent += n;
                continue;
            }
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                pollfd p{m_fd, POLLOUT, 0};
                if (::poll(&p, 1, remainingMs(deadline)) == 0) {
                    notes->append(QStringLiteral("send timed out after %1 of %2 bytes")
                                      .arg(sent)
                                      .arg(bytes.size()));
                    return false;
                }
                continue;
            }
            notes->append(errnoText("send") + QStringLiteral(" after %1 bytes").arg(sent));
            return false;
        }
        return true;
    }

    Fill fill(Clock::time_point deadline)
    {
        if (m_eof) {
            return Fill::Eof;
        }
        for (;;) {
            pollfd p{m_fd, POLLIN, 0};
            const int ready = ::poll(&p, 1, remainingMs(deadline));
            if (ready < 0 && errno == EINTR) {
                continue;
            }
            if (ready <= 0) {
                return Fill::Timeout;
            }
            char chunk[65536];
            const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n > 0) {
                buffer.append(chunk, n);
                return Fill::Data;
            }
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
                continue;
            }
            if (n < 0) {
                resetSeen = errno == ECONNRESET;
            }
            m_eof = true;
            eofAt = Clock::now();
            return Fill::Eof;
        }
    }

    QByteArray buffer; // received, not yet consumed
    bool resetSeen = false;
    Clock::time_point eofAt; // when the close was seen
    bool eof() const { return m_eof; }

private:
    int m_fd = -1;
    bool m_eof = false;
};

QByteArray methodOf(const QByteArray& request)
{
    const qsizetype space = request.indexOf(' ');
    return space < 0 ? QByteArray() : request.left(space);
}

// Fills until the buffer holds `needed` bytes; false on close/timeout (sets the kind).
bool need(Connection& conn, qsizetype needed, Clock::time_point deadline, Outcome* o)
{
    while (conn.buffer.size() < needed) {
        const auto result = conn.fill(deadline);
        if (result != Connection::Fill::Data) {
            o->kind = Outcome::Kind::Incomplete;
            o->timedOut = result == Connection::Fill::Timeout;
            return false;
        }
    }
    return true;
}

// Fills until `pattern` is in the buffer; its index, or -1 on close/timeout.
qsizetype needPattern(Connection& conn, const char* pattern, Clock::time_point deadline, Outcome* o)
{
    for (;;) {
        const qsizetype at = conn.buffer.indexOf(pattern);
        if (at >= 0) {
            return at;
        }
        const auto result = conn.fill(deadline);
        if (result != Connection::Fill::Data) {
            o->kind = Outcome::Kind::Incomplete;
            o->timedOut = result == Connection::Fill::Timeout;
            return -1;
        }
    }
}

void readUntilClose(Connection& conn, Clock::time_point deadline, Outcome* o)
{
    for (;;) {
        const auto result = conn.fill(deadline);
        if (result == Connection::Fill::Eof) {
            o->closed = Outcome::Closed::Yes;
            return;
        }
        if (result == Connection::Fill::Timeout) {
            o->timedOut = true;
            return;
        }
    }
}

bool readChunked(Connection& conn, Clock::time_point deadline, Outcome* o)
{
    for (;;) {
        const qsizetype eol = needPattern(conn, "\r\n", deadline, o);
        if (eol < 0) {
            o->notes.append(QStringLiteral("chunked body ended early"));
            return false;
        }
        QByteArray sizeLine = conn.buffer.left(eol);
        conn.buffer.remove(0, eol + 2);
        const qsizetype semicolon = sizeLine.indexOf(';');
        if (semicolon >= 0) {
            sizeLine.truncate(semicolon);
        }
        bool ok = false;
        const qint64 size = sizeLine.trimmed().toLongLong(&ok, 16);
        if (!ok || size < 0) {
            o->kind = Outcome::Kind::Incomplete;
            o->notes.append(QLatin1String("bad chunk size line: ") + QString::fromLatin1(sizeLine));
            return false;
        }
        if (size == 0) {
            // Trailer section up to the empty line.
            for (;;) {
                const qsizetype end = needPattern(conn, "\r\n", deadline, o);
                if (end < 0) {
                    return false;
                }
                conn.buffer.remove(0, end + 2);
                if (end == 0) {
                    return true;
                }
            }
        }
        if (!need(conn, size + 2, deadline, o)) {
            o->body += conn.buffer.left(size);
            conn.buffer.clear();
            return false;
        }
        o->body += conn.buffer.left(size);
        if (conn.buffer.mid(size, 2) != "\r\n") {
            o->kind = Outcome::Kind::Incomplete;
            o->notes.append(QStringLiteral("chunk data not followed by CRLF"));
            return false;
        }
        conn.buffer.remove(0, size + 2);
    }
}

Outcome readResponse(Connection& conn, bool headRequest, Clock::time_point deadline)
{
    Outcome o;
    o.kind = Outcome::Kind::Response;
    qsizetype end = -1;
    for (;;) {
        for (;;) {
            const qsizetype n = std::min<qsizetype>(5, conn.buffer.size());
            if (n > 0 && conn.buffer.left(n) != QByteArray("HTTP/").left(n)) {
                readUntilClose(conn, deadline, &o);
                o.kind = Outcome::Kind::Headerless;
                o.raw = conn.buffer;
                conn.buffer.clear();
                return o;
            }
            end = conn.buffer.indexOf("\r\n\r\n");
            if (end >= 0) {
                break;
            }
            const auto result = conn.fill(deadline);
            if (result == Connection::Fill::Data) {
                continue;
            }
            if (conn.buffer.isEmpty() && o.interims.isEmpty()) {
                o.kind = result == Connection::Fill::Eof ? Outcome::Kind::NoResponse
                                                         : Outcome::Kind::Timeout;
            } else {
                o.kind = Outcome::Kind::Incomplete;
                o.timedOut = result == Connection::Fill::Timeout;
                o.raw = conn.buffer;
                conn.buffer.clear();
            }
            return o;
        }
        const QList<QByteArray> lines = conn.buffer.left(end).split('\n');
        conn.buffer.remove(0, end + 4);
        o.statusLine = lines.first().trimmed();
        o.status = o.statusLine.split(' ').value(1).toInt();
        o.headers.clear();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line =
                lines.at(i).endsWith('\r') ? lines.at(i).chopped(1) : lines.at(i);
            const qsizetype colon = line.indexOf(':');
            o.headers.append({colon < 0 ? line : line.left(colon),
                              colon < 0 ? QByteArray() : line.mid(colon + 1).trimmed()});
        }
        if (o.status >= 100 && o.status < 200 && o.status != 101) {
            o.interims.append(o.statusLine);
            continue;
        }
        break;
    }
    const QList<QByteArray> te = o.headerValues("transfer-encoding");
    const QList<QByteArray> cl = o.headerValues("content-length");
    if (headRequest || o.status == 204 || o.status == 304 || o.status == 101) {
        o.framing = Framing::None;
    } else if (!te.isEmpty() && te.join(',').toLower().contains("chunked")) {
        o.framing = Framing::Chunked;
        readChunked(conn, deadline, &o);
    } else if (!cl.isEmpty()) {
        o.framing = Framing::Length;
        bool ok = false;
        const qint64 length = cl.first().toLongLong(&ok);
        if (!ok || length < 0) {
            o.kind = Outcome::Kind::Incomplete;
            o.notes.append(QStringLiteral("unparsable Content-Length"));
        } else if (need(conn, length, deadline, &o)) {
            o.body = conn.buffer.left(length);
            conn.buffer.remove(0, length);
        } else {
            o.body = conn.buffer;
            conn.buffer.clear();
        }
    } else {
        o.framing = Framing::Close;
        readUntilClose(conn, deadline, &o);
        o.body = conn.buffer;
        conn.buffer.clear();
        if (o.timedOut) {
            o.kind = Outcome::Kind::Incomplete;
        }
    }
    return o;
}

// After the last response on a connection: does the server close it, and does anything
// else arrive first?
void checkClose(Connection& conn, int waitMs, Outcome* o)
{
    if (o->closed == Outcome::Closed::Yes) {
        return;
    }
    const auto deadline = after(waitMs);
    for (;;) {
        const auto result = conn.fill(deadline);
        o->extra += conn.buffer;
        conn.buffer.clear();
        if (result == Connection::Fill::Eof) {
            o->closed = Outcome::Closed::Yes;
            return;
        }
        if (result == Connection::Fill::Timeout) {
            o->closed = Outcome::Closed::No;
            return;
        }
    }
}

QList<qsizetype> cutPoints(const RequestOptions& options, const QByteArray& bytes)
{
    QList<qsizetype> cuts;
    for (const QString& cut : options.cuts) {
        if (cut == QLatin1String("head")) {
            const qsizetype end = bytes.indexOf("\r\n\r\n");
            cuts.append(end < 0 ? bytes.size() : end + 4);
        } else {
            cuts.append(cut.toLongLong());
        }
    }
    if (options.splitSize > 0) {
        for (qsizetype at = options.splitSize; at < bytes.size(); at += options.splitSize) {
            cuts.append(at);
        }
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    cuts.removeIf([&](qsizetype at) { return at <= 0 || at >= bytes.size(); });
    return cuts;
}

} // namespace

QList<QByteArray> Outcome::headerValues(const QByteArray& lowerName) const
{
    QList<QByteArray> values;
    for (const auto& [name, value] : headers) {
        if (name.toLower() == lowerName) {
            values.append(value);
        }
    }
    return values;
}

QList<Outcome> runExchange(const Case& c, const ServerProcess& server)
{
    const Substitutions& subst = server.substitutions();
    QList<Outcome> outcomes(c.requests.size());
    QHash<int, std::shared_ptr<Connection>> connections;
    qsizetype i = 0;
    while (i < c.requests.size()) {
        // A group: this request and those pipelined after it, written at once.
        qsizetype last = i;
        while (c.requests.at(last).options.pipeline) {
            ++last;
        }
        const Request& first = c.requests.at(i);
        const RequestOptions& options = first.options;
        // Files edited between requests (those of a pipeline all before its write).
        QStringList notes;
        for (const FileWrite& file : c.files) {
            if (file.beforeRequest > 1 && file.beforeRequest >= first.index &&
                file.beforeRequest <= c.requests.at(last).index) {
                QString error;
                if (!server.writeFile(file.path, file.content, &error)) {
                    notes.append(error);
                }
            }
        }
        QByteArray bytes;
        QList<QByteArray> methods;
        for (qsizetype k = i; k <= last; ++k) {
            const QByteArray request = encodeRequest(c.requests.at(k), subst);
            methods.append(methodOf(request));
            bytes += request;
        }
        std::shared_ptr<Connection> conn = connections.value(first.connection);
        if (!conn) {
            conn = std::make_shared<Connection>();
            QString error;
            const quint16 port = subst.ports.value(options.port - 1);
            if (!conn->open(port, &error)) {
                for (qsizetype k = i; k <= last; ++k) {
                    outcomes[k].kind = Outcome::Kind::ConnectFailed;
                    outcomes[k].notes = notes + QStringList{error};
                }
                i = last + 1;
                continue;
            }
            connections.insert(first.connection, conn);
        }
        sleepMs(options.pauseMs);
        // Elapsed times count from the first byte sent.
        const auto sentAt = Clock::now();
        const auto sendDeadline = after(options.timeoutMs);
        qsizetype from = 0;
        const QList<qsizetype> cuts = cutPoints(options, bytes);
        for (qsizetype p = 0; p <= cuts.size(); ++p) {
            const qsizetype to = p < cuts.size() ? cuts.at(p) : bytes.size();
            // Between pieces, a close from the server stops the sending, so that the time
            // it came at is measured, not the end of our schedule. An early answer does
            // not: a real client would go on sending its request.
            if (p > 0 && conn->waitClosed(options.delayMs)) {
                notes.append(QStringLiteral("the server closed after %1 of %2 bytes; "
                                            "the rest was not sent")
                                 .arg(from)
                                 .arg(bytes.size()));
                break;
            }
            if (!conn->send(bytes.mid(from, to - from), sendDeadline, &notes)) {
                break;
            }
            from = to;
        }
        const Request& final = c.requests.at(last);
        if (final.options.shutWrite) {
            conn->shutdownWrite();
        }
        if (final.options.abortMs >= 0) {
            sleepMs(final.options.abortMs);
            conn->close();
            connections.remove(first.connection);
            for (qsizetype k = i; k <= last; ++k) {
                outcomes[k].kind = Outcome::Kind::Aborted;
                outcomes[k].notes = notes;
            }
            i = last + 1;
            continue;
        }
        for (qsizetype k = i; k <= last; ++k) {
            const Request& request = c.requests.at(k);
            Outcome o = readResponse(*conn, methods.at(k - i) == "HEAD",
                                     sentAt + std::chrono::milliseconds(request.options.timeoutMs));
            o.elapsedMs = sinceMs(sentAt);
            o.notes = notes + o.notes;
            if (conn->resetSeen) {
                o.notes.append(QStringLiteral("connection reset by the server"));
            }
            if (k == last && request.lastOnConnection && o.kind == Outcome::Kind::Response) {
                checkClose(*conn, request.options.closeWaitMs, &o);
            }
            if (k == last && conn->eof()) {
                o.closedAtMs =
                    std::chrono::duration_cast<std::chrono::milliseconds>(conn->eofAt - sentAt)
                        .count();
            }
            outcomes[k] = o;
        }
        if (final.lastOnConnection) {
            connections.remove(first.connection);
        }
        i = last + 1;
    }
    return outcomes;
}

} // namespace restyscope::conformance
